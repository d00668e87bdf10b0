#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "tests/support/deadline.hpp"
#include "tests/support/process.hpp"

namespace liveroom::test {

// A fresh directory under /tmp, removed with everything in it on destruction.
class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

// The server binary under test: $LIVEROOM_SERVER_BIN if set, else the path CMake compiled in.
std::string server_binary();
// The repo's web/ directory (CMake compiled in).
std::string web_root();

struct server_options {
    std::string secret = "integration-test-secret";
    int threads = 2;
    bool demo = true;
    // Further flags, e.g. {"--ring-size", "64", "--hello-timeout-ms", "300"}.
    std::vector<std::string> extra_args;
    // Use (and keep) this data directory instead of a fresh temporary one:
    // restarts over the same event log.
    std::filesystem::path data_dir;
    clock::duration start_timeout = 20s;
};

// A liveroom-server child process on 127.0.0.1 with an ephemeral port and a
// fresh data directory. The constructor returns once the server printed its
// "listening" line (or throws, with the server's stderr, when it did not do so
// in time). Its stderr goes to a temporary file that is printed if the test
// case fails. The destructor kills (SIGKILL) a server that is still running.
class server_process {
  public:
    explicit server_process(server_options options = {});
    ~server_process();
    server_process(const server_process&) = delete;
    server_process& operator=(const server_process&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    pid_t pid() const noexcept { return proc_.pid(); }
    const std::string& secret() const noexcept { return options_.secret; }
    const std::filesystem::path& data_dir() const noexcept { return data_dir_; }

    // A token signed with this server's secret (runs `liveroom-server token`).
    std::string token(std::string_view role,
                      std::string_view room = "demo",
                      std::string_view name = "tester",
                      std::string_view ttl = "1h") const;

    // True while the process has not exited.
    bool alive();
    // Sends SIGTERM.
    void terminate();
    // Waits for the exit, at most `timeout`; the wait status, or nullopt if still running.
    std::optional<int> wait_exit(clock::duration timeout);
    // SIGTERM, then wait_exit(timeout).
    std::optional<int> stop(clock::duration timeout = 5s);
    // SIGKILL and reap.
    void kill();

    std::string stderr_text() const;
    std::string stdout_text() const;
    std::string command_line() const;

  private:
    void read_listening_line(deadline until);
    std::string describe() const;

    server_options options_;
    std::vector<std::string> argv_;
    std::filesystem::path data_dir_;
    std::filesystem::path stderr_path_;
    child_process proc_;
    std::uint16_t port_ = 0;
    int stdout_fd_ = -1;
    std::thread stdout_drain_;
    mutable std::mutex stdout_mutex_;
    std::string stdout_text_;
};

struct token_request {
    std::string secret;
    std::string role;           // host | moderator | viewer | admin
    std::string room = "demo";  // a room id or "*"
    std::string name = "tester";
    std::string ttl = "1h";
};

// Runs `liveroom-server token ...` and returns the JWT (throws on failure).
std::string make_token(const token_request& request);

}  // namespace liveroom::test
