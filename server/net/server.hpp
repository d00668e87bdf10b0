#pragma once

#include <memory>

#include "server/core/config.hpp"

namespace liveroom::hub {
class hub;
}
namespace liveroom::store {
class event_log;
}

namespace liveroom::net {

// The whole network side: workers, the listener, signals and graceful
// shutdown. run() blocks until SIGINT/SIGTERM (or stop()) and returns the
// process exit code.
class server {
  public:
    explicit server(const core::config& cfg);
    ~server();

    hub::hub& rooms();
    store::event_log* log();  // nullptr with --durability off
    int run();

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace liveroom::net
