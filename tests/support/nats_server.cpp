#include "tests/support/nats_server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/failure_log.hpp"
#include "tests/support/process.hpp"

namespace liveroom::test {
namespace {

constexpr std::string_view listening_marker = "Listening for client connections on ";
constexpr std::size_t max_log_bytes = 64 * 1024;

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

int poll_ms(const deadline& until, clock::duration slice) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until.slice(slice)).count()) + 1;
}

// One attempt: connects to 127.0.0.1:port and reads what the server says
// first, within `timeout`. "" when the connection was refused or said nothing.
std::string first_bytes_from(std::uint16_t port, clock::duration timeout) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(errno_text("socket"));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string got;
    // A loopback connect completes (or is refused) at once.
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
        const deadline until(timeout);
        while (got.find('\n') == std::string::npos && !until.expired()) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, poll_ms(until, 100ms)) <= 0) {
                continue;
            }
            char buf[512];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) {
                break;
            }
            got.append(buf, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return got;
}

}  // namespace

std::string nats_server_binary() {
    if (const char* env = std::getenv("LIVEROOM_NATS_SERVER"); env != nullptr && *env != '\0') {
        return env;
    }
#ifdef LIVEROOM_NATS_SERVER_BIN
    return LIVEROOM_NATS_SERVER_BIN;
#else
    throw std::runtime_error("no nats-server: CMake did not find one and LIVEROOM_NATS_SERVER is not set");
#endif
}

nats_server::nats_server(nats_server_options options) : options_(std::move(options)) {
    argv_ = {options_.binary.empty() ? nats_server_binary() : options_.binary,
             "-js",
             "-a",
             "127.0.0.1",
             "-p",
             "-1",  // a free port of its choosing, printed in its log
             "-sd",
             store_.path().string()};
    argv_.insert(argv_.end(), options_.extra_args.begin(), options_.extra_args.end());

    // nats-server logs to stderr: a pipe, read here until the port is known,
    // then drained by a thread so the server never blocks on it.
    int err[2];
    if (::pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error(errno_text("pipe2"));
    }
    try {
        proc_.start(spawn_process(argv_, -1, err[1]));
    } catch (...) {
        ::close(err[0]);
        ::close(err[1]);
        throw;
    }
    ::close(err[1]);
    log_fd_ = err[0];

    try {
        const deadline until(options_.start_timeout);
        read_port(until);
        log_drain_ = std::thread([this] {
            char buf[4096];
            for (;;) {
                ssize_t n = ::read(log_fd_, buf, sizeof buf);
                if (n > 0) {
                    std::lock_guard lock(log_mutex_);
                    log_.append(buf, static_cast<std::size_t>(n));
                    if (log_.size() > 2 * max_log_bytes) {
                        log_.erase(0, log_.size() - max_log_bytes);
                    }
                } else if (n == 0 || errno != EINTR) {
                    return;
                }
            }
        });
        await_greeting(until);
    } catch (const std::exception& e) {
        std::string why = e.what();
        kill();
        if (log_drain_.joinable()) {
            log_drain_.join();
        }
        ::close(log_fd_);
        log_fd_ = -1;
        throw std::runtime_error("nats-server did not start: " + why + "\n" + describe());
    }
}

void nats_server::read_port(deadline until) {
    std::string pending;
    for (;;) {
        for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
            std::string line = pending.substr(0, nl + 1);
            pending.erase(0, nl + 1);
            {
                std::lock_guard lock(log_mutex_);
                log_ += line;
            }
            auto at = line.find(listening_marker);
            if (at == std::string::npos) {
                continue;
            }
            // "... Listening for client connections on 127.0.0.1:36939": the digits after the last ':'.
            const auto colon = line.rfind(':');
            const char* digits = colon != std::string::npos && colon > at ? line.c_str() + colon + 1 : "";
            char* end = nullptr;
            const unsigned long port = std::strtoul(digits, &end, 10);
            if (end == digits || port == 0 || port > 65535) {
                throw std::runtime_error("bad listening line: " + line);
            }
            port_ = static_cast<std::uint16_t>(port);
            std::lock_guard lock(log_mutex_);
            log_ += pending;
            return;
        }
        if (until.expired()) {
            throw std::runtime_error("no \"" + std::string(listening_marker) + "\" line within the start timeout");
        }
        pollfd p{log_fd_, POLLIN, 0};
        int r = ::poll(&p, 1, poll_ms(until, 1s));
        if (r < 0 && errno != EINTR) {
            throw std::runtime_error(errno_text("poll"));
        }
        if (r <= 0) {
            continue;
        }
        char buf[1024];
        ssize_t n = ::read(log_fd_, buf, sizeof buf);
        if (n > 0) {
            pending.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            const auto status = proc_.wait_exit(2s);
            throw std::runtime_error("its log ended before the listening line; it " +
                                     (status ? describe_wait_status(*status) : std::string("is still running")));
        } else if (errno != EINTR) {
            throw std::runtime_error(errno_text("read"));
        }
    }
}

void nats_server::await_greeting(deadline until) {
    // The log line comes as the listener opens; a client is served once it is
    // greeted with "INFO {...}". Poll by connecting, each attempt bounded.
    std::string last;
    while (!until.expired()) {
        if (!alive()) {
            throw std::runtime_error("it exited: " + proc_.status_text());
        }
        last = first_bytes_from(port_, until.slice(1s));
        if (last.rfind("INFO ", 0) == 0) {
            return;
        }
        // Refused or silent: the next attempt a little later (a bounded retry, not a synchronizing sleep).
        std::this_thread::sleep_for(until.slice(20ms));
    }
    throw std::runtime_error("127.0.0.1:" + std::to_string(port_) + " did not greet a client with INFO in time" +
                             (last.empty() ? std::string() : " (it said: " + last.substr(0, 200) + ")"));
}

nats_server::~nats_server() {
    const std::string crash = proc_.exited_on_its_own("nats-server");
    proc_.kill();
    if (log_drain_.joinable()) {
        log_drain_.join();
    }
    if (log_fd_ >= 0) {
        ::close(log_fd_);
    }
    failure_log_add(crash + describe());
}

std::string nats_server::url() const {
    return "nats://127.0.0.1:" + std::to_string(port_);
}

bool nats_server::alive() {
    return proc_.alive();
}

void nats_server::kill() {
    proc_.kill();
}

std::string nats_server::log_text() const {
    std::lock_guard lock(log_mutex_);
    return log_.size() > max_log_bytes ? log_.substr(log_.size() - max_log_bytes) : log_;
}

std::string nats_server::command_line() const {
    return shell_words(argv_);
}

std::string nats_server::describe() const {
    std::string out = "==== nats-server pid " + std::to_string(proc_.pid()) + ": " + command_line() + "\n";
    out += "---- status: " + proc_.status_text() + "\n";
    out += "---- log:\n" + log_text();
    out += "==== end of nats-server pid " + std::to_string(proc_.pid()) + "\n";
    return out;
}

}  // namespace liveroom::test
