#include "tests/support/server_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "tests/support/failure_log.hpp"
#include "tests/support/process.hpp"

#ifndef LIVEROOM_SERVER_BIN
#error "LIVEROOM_SERVER_BIN must be defined by CMake ($<TARGET_FILE:liveroom-server>)"
#endif
#ifndef LIVEROOM_WEB_ROOT
#error "LIVEROOM_WEB_ROOT must be defined by CMake"
#endif

namespace liveroom::test {
namespace {

constexpr std::string_view listening_prefix = "liveroom: listening on 127.0.0.1:";
constexpr std::size_t max_log_bytes = 64 * 1024;

std::filesystem::path make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "liveroom-it-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    return pattern;
}

std::string tail_of_file(const std::filesystem::path& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.size() > max_bytes) {
        return "[... " + std::to_string(text.size() - max_bytes) + " bytes cut ...]\n" +
               text.substr(text.size() - max_bytes);
    }
    return text;
}

}  // namespace

temp_dir::temp_dir() : path_(make_temp_dir()) {}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string server_binary() {
    if (const char* env = std::getenv("LIVEROOM_SERVER_BIN"); env != nullptr && *env != '\0') {
        return env;
    }
    return LIVEROOM_SERVER_BIN;
}

std::string web_root() {
    return LIVEROOM_WEB_ROOT;
}

server_process::server_process(server_options options) : options_(std::move(options)) {
    data_dir_ = options_.data_dir.empty() ? make_temp_dir() : options_.data_dir;
    {
        // A unique name beside a directory we make and drop at once.
        const auto unique = make_temp_dir();
        std::filesystem::remove(unique);
        stderr_path_ = unique.string() + ".stderr";
    }
    argv_ = {server_binary(),
             "--bind",
             "127.0.0.1",
             "--port",
             "0",
             "--threads",
             std::to_string(options_.threads),
             "--secret",
             options_.secret,
             "--web-root",
             web_root(),
             "--data-dir",
             data_dir_.string()};
    if (options_.demo) {
        argv_.push_back("--demo");
    }
    // Every test client connects from 127.0.0.1, so the per-address limits are
    // off, and test clients send far faster than people (a host publishing
    // thousands of notices, a role test firing every request at once): the
    // per-connection request rate is raised out of the way. A test that sets
    // one of these flags gets its value (the abuse tests do).
    const std::pair<const char*, const char*> test_defaults[] = {
        {"--max-connections-per-ip", "0"},     {"--handshakes-per-ip-per-s", "0"},
        {"--viewer-requests-per-s", "100000"}, {"--viewer-request-burst", "100000"},
        {"--staff-requests-per-s", "100000"},  {"--staff-request-burst", "100000"},
    };
    for (const auto& [flag, value] : test_defaults) {
        if (std::find(options_.extra_args.begin(), options_.extra_args.end(), flag) == options_.extra_args.end()) {
            argv_.push_back(flag);
            argv_.push_back(value);
        }
    }
    argv_.insert(argv_.end(), options_.extra_args.begin(), options_.extra_args.end());

    int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0) {
        throw std::runtime_error("cannot create " + stderr_path_.string() + ": " + std::strerror(errno));
    }
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(err_fd);
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    try {
        proc_.start(spawn_process(argv_, out[1], err_fd));
    } catch (...) {
        ::close(err_fd);
        ::close(out[0]);
        ::close(out[1]);
        throw;
    }
    ::close(err_fd);
    ::close(out[1]);
    stdout_fd_ = out[0];

    try {
        read_listening_line(deadline(options_.start_timeout));
    } catch (const std::exception& e) {
        std::string why = e.what();
        kill();
        if (stdout_drain_.joinable()) {
            stdout_drain_.join();
        }
        std::string message = "liveroom-server did not start: " + why + "\n" + describe();
        std::error_code ignored;
        if (options_.data_dir.empty()) {
            std::filesystem::remove_all(data_dir_, ignored);
        }
        std::filesystem::remove(stderr_path_, ignored);
        if (stdout_fd_ >= 0) {
            ::close(stdout_fd_);
        }
        throw std::runtime_error(message);
    }

    // Keep reading stdout so the server never blocks on a full pipe.
    stdout_drain_ = std::thread([this] {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
            if (n > 0) {
                std::lock_guard lock(stdout_mutex_);
                if (stdout_text_.size() < max_log_bytes) {
                    stdout_text_.append(buf, static_cast<std::size_t>(n));
                }
            } else if (n == 0 || errno != EINTR) {
                return;
            }
        }
    });
}

void server_process::read_listening_line(deadline until) {
    std::string pending;
    for (;;) {
        auto nl = pending.find('\n');
        while (nl != std::string::npos) {
            std::string line = pending.substr(0, nl);
            pending.erase(0, nl + 1);
            {
                std::lock_guard lock(stdout_mutex_);
                stdout_text_ += line + "\n";
            }
            if (line.rfind(listening_prefix, 0) == 0) {
                std::string digits = line.substr(listening_prefix.size());
                char* end = nullptr;
                unsigned long port = std::strtoul(digits.c_str(), &end, 10);
                if (digits.empty() || end == digits.c_str() || *end != '\0' || port == 0 || port > 65535) {
                    throw std::runtime_error("bad listening line: " + line);
                }
                port_ = static_cast<std::uint16_t>(port);
                if (!pending.empty()) {
                    std::lock_guard lock(stdout_mutex_);
                    stdout_text_ += pending;
                }
                return;
            }
            nl = pending.find('\n');
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
        if (left.count() <= 0) {
            throw std::runtime_error("no listening line within the start timeout");
        }
        pollfd p{stdout_fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r > 0) {
            char buf[1024];
            ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
            if (n > 0) {
                pending.append(buf, static_cast<std::size_t>(n));
            } else if (n == 0) {
                auto status = wait_exit(2s);
                throw std::runtime_error("stdout closed before the listening line; the server " +
                                         (status ? describe_wait_status(*status) : std::string("is still running")));
            } else if (errno != EINTR) {
                throw std::runtime_error(std::string("read stdout: ") + std::strerror(errno));
            }
        }
    }
}

server_process::~server_process() {
    const std::string crash = proc_.exited_on_its_own("server");
    proc_.kill();
    if (stdout_drain_.joinable()) {
        stdout_drain_.join();
    }
    if (stdout_fd_ >= 0) {
        ::close(stdout_fd_);
    }
    failure_log_add(crash + describe());
    std::error_code ignored;
    if (options_.data_dir.empty()) {
        std::filesystem::remove_all(data_dir_, ignored);
    }
    if (std::getenv("LIVEROOM_KEEP_LOGS") == nullptr) {
        std::filesystem::remove(stderr_path_, ignored);
    }
}

std::string server_process::describe() const {
    std::string out = "==== liveroom-server pid " + std::to_string(proc_.pid()) + ": " + command_line() + "\n";
    out += "---- status: " + proc_.status_text() + "\n";
    out += "---- stdout:\n" + stdout_text();
    out += "---- stderr (" + stderr_path_.string() + "):\n" + stderr_text();
    out += "==== end of liveroom-server pid " + std::to_string(proc_.pid()) + "\n";
    return out;
}

std::string server_process::token(std::string_view role,
                                  std::string_view room,
                                  std::string_view name,
                                  std::string_view ttl) const {
    return make_token({options_.secret, std::string(role), std::string(room), std::string(name), std::string(ttl)});
}

bool server_process::alive() {
    return proc_.alive();
}

void server_process::terminate() {
    proc_.signal(SIGTERM);
}

std::optional<int> server_process::wait_exit(clock::duration timeout) {
    return proc_.wait_exit(timeout);
}

std::optional<int> server_process::stop(clock::duration timeout) {
    terminate();
    return wait_exit(timeout);
}

void server_process::kill() {
    proc_.kill();
}

std::string server_process::stderr_text() const {
    return tail_of_file(stderr_path_, max_log_bytes);
}

std::string server_process::stdout_text() const {
    std::lock_guard lock(stdout_mutex_);
    return stdout_text_;
}

std::string server_process::command_line() const {
    return shell_words(argv_);
}

std::string make_token(const token_request& request) {
    std::vector<std::string> argv = {server_binary(), "token",      "--secret", request.secret, "--role", request.role,
                                     "--room",        request.room, "--name",   request.name,   "--ttl",  request.ttl};
    auto result = run_command(argv, 15s);
    if (!result.ok()) {
        throw std::runtime_error("`" + shell_words(argv) + "` failed (" +
                                 (result.status ? describe_wait_status(*result.status) : std::string("timed out")) +
                                 "): " + result.err);
    }
    std::string token = result.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
        token.pop_back();
    }
    if (token.empty() || token.find('\n') != std::string::npos || std::count(token.begin(), token.end(), '.') != 2) {
        throw std::runtime_error("`" + shell_words(argv) + "` printed no single JWT: " + result.out);
    }
    return token;
}

}  // namespace liveroom::test
