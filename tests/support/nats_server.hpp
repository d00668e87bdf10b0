#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "tests/support/deadline.hpp"
#include "tests/support/server_process.hpp"

namespace liveroom::test {

// The nats-server binary: $LIVEROOM_NATS_SERVER if set, else the one CMake
// found (find_program); throws when there is neither.
std::string nats_server_binary();

struct nats_server_options {
    std::string binary;  // "" = nats_server_binary()
    // Further flags, e.g. {"-D"} for debug logging.
    std::vector<std::string> extra_args;
    clock::duration start_timeout = 10s;
};

// A nats-server child process with JetStream on 127.0.0.1 and a port of its
// own choosing (`-p -1`; the port is read from its "Listening for client
// connections on" line), storing into a fresh directory. The constructor
// returns once a client connecting to that port is greeted with NATS's INFO
// line (or throws, with the server's log). Its log is printed if the test
// case fails. The destructor kills it (SIGKILL) and removes the directory.
class nats_server {
  public:
    explicit nats_server(nats_server_options options = {});
    ~nats_server();
    nats_server(const nats_server&) = delete;
    nats_server& operator=(const nats_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // nats://127.0.0.1:<port>
    std::string url() const;
    pid_t pid() const noexcept { return proc_.pid(); }

    // True while the process has not exited.
    bool alive();
    // SIGKILL and reap.
    void kill();

    // What it logged so far (the last 64 KiB).
    std::string log_text() const;
    std::string command_line() const;

  private:
    void read_port(deadline until);
    void await_greeting(deadline until);
    std::string describe() const;

    nats_server_options options_;
    temp_dir store_;
    std::vector<std::string> argv_;
    child_process proc_;
    std::uint16_t port_ = 0;
    int log_fd_ = -1;
    std::thread log_drain_;
    mutable std::mutex log_mutex_;
    std::string log_;
};

}  // namespace liveroom::test
