#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/support/deadline.hpp"

namespace liveroom::test {

// Starts argv[0] (a path) with the given file descriptors as its stdout and
// stderr (-1: /dev/null) and /dev/null as stdin. Every other descriptor is
// closed in the child, and the child is killed if this process dies.
// Throws std::runtime_error when the program cannot be started.
pid_t spawn_process(const std::vector<std::string>& argv, int child_stdout, int child_stderr);

// Waits until `pid` exits, at most `timeout`; reaps it and returns its wait
// status, or nullopt if it is still running.
std::optional<int> wait_process(pid_t pid, clock::duration timeout);

// A started child process and, once reaped, how it ended.
class child_process {
  public:
    void start(pid_t pid) {
        pid_ = pid;
        exit_.reset();
    }
    pid_t pid() const noexcept { return pid_; }
    const std::optional<int>& exit_status() const noexcept { return exit_; }
    // True while it runs (it is reaped once it has exited).
    bool alive();
    // Waits for its exit, at most `timeout`: the wait status, or nullopt while it runs.
    std::optional<int> wait_exit(clock::duration timeout);
    // Sends `sig` while it runs.
    void signal(int sig);
    // SIGKILL, and reaps it (at most 10 s).
    void kill();
    // For a destructor: "" while it runs, else a line saying that `what` had
    // already exited on its own, and how.
    std::string exited_on_its_own(const std::string& what);
    // "running", or how it ended.
    std::string status_text() const;

  private:
    pid_t pid_ = -1;
    std::optional<int> exit_;
};

// "exited with 0", "killed by signal 9 (Killed)", ...
std::string describe_wait_status(int status);
bool exited_with(int status, int code);

struct command_result {
    std::optional<int> status;  // nullopt: timed out (and was killed)
    std::string out;
    std::string err;

    bool ok() const { return status && exited_with(*status, 0); }
};

// Runs a program to completion within `timeout`, capturing stdout and stderr.
command_result run_command(const std::vector<std::string>& argv, clock::duration timeout);

// Joins argv for messages: a b 'c d'.
std::string shell_words(const std::vector<std::string>& argv);

}  // namespace liveroom::test
