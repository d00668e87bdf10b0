#include "bench/sys_stats.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

#if defined(LIVEROOM_HAVE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#endif

namespace liveroom::bench {

namespace {

double seconds_of(const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

}  // namespace

cpu_times process_cpu() {
    rusage ru{};
    if (::getrusage(RUSAGE_SELF, &ru) != 0) {
        return {};
    }
    return cpu_times{seconds_of(ru.ru_utime), seconds_of(ru.ru_stime)};
}

std::optional<std::uint64_t> read_proc_status_kib(int pid, std::string_view field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    if (!in) {
        return std::nullopt;
    }
    std::string line;
    while (std::getline(in, line)) {
        const std::string_view l = line;
        if (l.size() <= field.size() || l.substr(0, field.size()) != field || l[field.size()] != ':') {
            continue;
        }
        std::size_t i = field.size() + 1;
        while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) {
            ++i;
        }
        std::uint64_t value = 0;
        const auto [ptr, ec] = std::from_chars(l.data() + i, l.data() + l.size(), value);
        if (ec != std::errc{} || ptr == l.data() + i) {
            return std::nullopt;
        }
        return value;
    }
    return std::nullopt;
}

std::optional<double> read_proc_cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!in || !std::getline(in, line)) {
        return std::nullopt;
    }
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    const std::size_t close = line.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(line.substr(close + 1));
    std::string skip;
    for (int i = 3; i <= 13; ++i) {  // state .. cmajflt
        fields >> skip;
    }
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    if (!(fields >> utime >> stime)) {
        return std::nullopt;
    }
    const long ticks = ::sysconf(_SC_CLK_TCK);
    return static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
}

nofile_limit raise_nofile_limit(std::uint64_t wanted) {
    nofile_limit result;
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        result.error = std::strerror(errno);
        return result;
    }
    if (wanted > rl.rlim_max) {
        // Only a privileged process may raise the hard limit; failing is fine, we say so below.
        std::uint64_t ceiling = wanted;
        std::ifstream nr_open("/proc/sys/fs/nr_open");
        if (std::uint64_t n = 0; nr_open >> n && n < ceiling) {
            ceiling = n;
        }
        rlimit raised{static_cast<rlim_t>(ceiling), static_cast<rlim_t>(ceiling)};
        if (ceiling > rl.rlim_max && ::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            rl = raised;
        }
    }
    if (rl.rlim_cur < rl.rlim_max) {
        rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            rl = raised;
        } else {
            result.error = std::strerror(errno);
        }
    }
    result.soft = static_cast<std::uint64_t>(rl.rlim_cur);
    result.hard = static_cast<std::uint64_t>(rl.rlim_max);
    return result;
}

const std::uint64_t* thread_allocated_counter() {
#if defined(LIVEROOM_HAVE_JEMALLOC)
    std::uint64_t* counter = nullptr;
    std::size_t size = sizeof(counter);
    if (mallctl("thread.allocatedp", &counter, &size, nullptr, 0) != 0) {
        return nullptr;
    }
    return counter;
#else
    return nullptr;
#endif
}

unsigned cpu_count() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
}

std::int64_t wall_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace liveroom::bench
