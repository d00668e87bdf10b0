#pragma once

#include <cstddef>
#include <vector>

namespace liveroom::net {

class ws_session;

// The WebSocket sessions of one worker (worker thread only), for shutdown.
class session_registry {
  public:
    void add(ws_session& s);
    void remove(ws_session& s);
    std::size_t size() const noexcept { return sessions_.size(); }
    // Calls shutdown() on each session (they remove themselves later).
    void shutdown_all();

  private:
    std::vector<ws_session*> sessions_;
};

}  // namespace liveroom::net
