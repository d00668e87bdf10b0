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
