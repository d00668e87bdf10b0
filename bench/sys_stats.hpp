#pragma once

// What the bench reads about itself and the server from the operating system: CPU time,
// another process's memory, the open-files limit and jemalloc's per-thread counters.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace liveroom::bench {

struct cpu_times {
    double user_s = 0;
    double sys_s = 0;
    double total() const { return user_s + sys_s; }
};

// getrusage(RUSAGE_SELF): all threads of this process.
cpu_times process_cpu();

// A "<field>:  <n> kB" line of /proc/<pid>/status (VmRSS, VmHWM), in KiB.
std::optional<std::uint64_t> read_proc_status_kib(int pid, std::string_view field);

// User + system CPU seconds of process `pid` so far, from /proc/<pid>/stat.
std::optional<double> read_proc_cpu_seconds(int pid);

struct nofile_limit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
    std::string error;  // empty when raising worked
};

// Raises RLIMIT_NOFILE's soft limit to the hard limit; when `wanted` is above the hard limit,
// first tries to raise the hard limit too (root can, up to /proc/sys/fs/nr_open). Returns the
// limits now in force.
nofile_limit raise_nofile_limit(std::uint64_t wanted = 0);

// jemalloc's allocated-bytes counter of the calling thread (mallctl "thread.allocatedp"),
// or nullptr when the bench is built without jemalloc or the counter is unavailable.
const std::uint64_t* thread_allocated_counter();

// Cores this machine offers (at least 1).
unsigned cpu_count();

// Microseconds since the Unix epoch (system clock): the time base embedded in events.
std::int64_t wall_micros();

}  // namespace liveroom::bench
