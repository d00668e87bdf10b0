#include "tests/support/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace liveroom::test {
namespace {

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// The child side of spawn_process: only async-signal-safe calls from here on.
[[noreturn]] void exec_child(char* const* argv, int out, int err, int devnull, int report_fd, pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
        ::_exit(127);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(devnull, 0);
    ::dup2(out >= 0 ? out : devnull, 1);
    ::dup2(err >= 0 ? err : devnull, 2);
    // Close everything else except the pipe that reports a failed exec (it is close-on-exec).
    if (report_fd > 3) {
        ::syscall(SYS_close_range, 3U, static_cast<unsigned>(report_fd - 1), 0U);
    }
    ::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0U, 0U);
    ::execv(argv[0], argv);
    int e = errno;
    [[maybe_unused]] auto n = ::write(report_fd, &e, sizeof e);
    ::_exit(127);
}

}  // namespace

pid_t spawn_process(const std::vector<std::string>& argv, int child_stdout, int child_stderr) {
    if (argv.empty()) {
        throw std::runtime_error("spawn_process: empty argv");
    }
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) {
        cargv.push_back(a.data());
    }
    cargv.push_back(nullptr);

    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0) {
        throw std::runtime_error(errno_text("open /dev/null"));
    }
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        ::close(devnull);
        throw std::runtime_error(errno_text("pipe2"));
    }
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(devnull);
        ::close(report[0]);
        ::close(report[1]);
        throw std::runtime_error(errno_text("fork"));
    }
    if (pid == 0) {
        exec_child(cargv.data(), child_stdout, child_stderr, devnull, report[1], parent);
    }
    ::close(devnull);
    ::close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        throw std::runtime_error("cannot execute " + argv[0] + ": " + std::strerror(child_errno));
    }
    return pid;
}

std::optional<int> wait_process(pid_t pid, clock::duration timeout) {
    deadline until(timeout);
    int status = 0;
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            return status;
        }
        if (r < 0 && errno != EINTR) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            throw std::runtime_error(errno_text("waitpid"));
        }
        if (until.expired()) {
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            return std::nullopt;
        }
        auto slice = std::chrono::duration_cast<std::chrono::milliseconds>(until.slice(100ms));
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(slice.count()) + 1);
        } else {
            // No pidfd (old kernel): re-check every few milliseconds until the deadline.
            std::this_thread::sleep_for(std::min<clock::duration>(slice, 5ms));
        }
    }
}

bool child_process::alive() {
    if (pid_ <= 0 || exit_) {
        return false;
    }
    exit_ = wait_process(pid_, clock::duration::zero());
    return !exit_;
}

std::optional<int> child_process::wait_exit(clock::duration timeout) {
    if (pid_ > 0 && !exit_) {
        exit_ = wait_process(pid_, timeout);
    }
    return exit_;
}

void child_process::signal(int sig) {
    if (alive()) {
        ::kill(pid_, sig);
    }
}

void child_process::kill() {
    if (pid_ > 0 && !exit_) {
        ::kill(pid_, SIGKILL);
        exit_ = wait_process(pid_, 10s);
    }
}

std::string child_process::exited_on_its_own(const std::string& what) {
    if (pid_ > 0 && !exit_ && !alive()) {
        return what + " had already exited on its own: " + describe_wait_status(*exit_) + "\n";
    }
    return "";
}

std::string child_process::status_text() const {
    return exit_ ? describe_wait_status(*exit_) : std::string("running");
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) {
        return "exited with " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char* name = ::strsignal(sig);
        return "killed by signal " + std::to_string(sig) + " (" + (name != nullptr ? name : "?") + ")";
    }
    return "wait status " + std::to_string(status);
}

bool exited_with(int status, int code) {
    return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

command_result run_command(const std::vector<std::string>& argv, clock::duration timeout) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error(errno_text("pipe2"));
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        ::close(out[0]);
        ::close(out[1]);
        throw std::runtime_error(errno_text("pipe2"));
    }
    pid_t pid;
    try {
        pid = spawn_process(argv, out[1], err[1]);
    } catch (...) {
        ::close(out[0]);
        ::close(out[1]);
        ::close(err[0]);
        ::close(err[1]);
        throw;
    }
    ::close(out[1]);
    ::close(err[1]);

    command_result result;
    deadline until(timeout);
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    bool timed_out = false;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until.remaining());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        int r = ::poll(fds, 2, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                char buf[4096];
                ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                if (n > 0) {
                    sinks[i]->append(buf, static_cast<std::size_t>(n));
                } else if (n == 0 || errno != EINTR) {
                    ::close(fds[i].fd);
                    fds[i].fd = -1;
                    --open_fds;
                }
            }
        }
    }
    for (auto& f : fds) {
        if (f.fd >= 0) {
            ::close(f.fd);
        }
    }
    if (!timed_out) {
        result.status = wait_process(pid, until.remaining() + 100ms);
    }
    if (!result.status) {
        ::kill(pid, SIGKILL);
        wait_process(pid, 5s);
    }
    return result;
}

std::string shell_words(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) {
            out += ' ';
        }
        bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$*?") == std::string::npos;
        if (plain) {
            out += a;
        } else {
            out += '\'';
            for (char c : a) {
                if (c == '\'') {
                    out += "'\\''";
                } else {
                    out += c;
                }
            }
            out += '\'';
        }
    }
    return out;
}

}  // namespace liveroom::test
