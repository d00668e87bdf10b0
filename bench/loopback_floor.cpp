// liveroom-loopback-floor: the floor that the Linux kernel's loopback TCP alone puts under fan-out.
//
// No WebSocket, no JSON, no server logic: a writer process pushes fixed-size event chunks into N
// loopback TCP connections every T ms (as a server thread flushing one batch per viewer per tick), and
// a reader process drains them with epoll (as the load generator does). It reports the deliveries/s
// achieved against the target, the bytes the writer could not send, the delivery latency and, above
// all, the CPU (getrusage) that both processes - that is, the kernel's TCP stack, since user space
// does almost nothing - needed for that traffic.
//
// Two processes because the per-process open-file cap (20,000 here) cannot hold both ends of 10,000
// connections. Wire format per chunk: the first event starts with an 8-byte CLOCK_MONOTONIC send
// timestamp (ns) and a 4-byte chunk length (so chunks of 2 or 3 events when rate*T/1000 is not whole
// can still be found in the byte stream); the rest of the chunk is constant filler bytes.
//
// Standalone on purpose: plain POSIX sockets + epoll, links only Threads.

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr std::uint32_t kHeaderBytes = 12;  // 8-byte timestamp + 4-byte chunk length
constexpr std::size_t kReadBuffer = 256 * 1024;
constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSec = 1'000'000'000;

struct Options {
    long connections = 10000;
    long rate = 200;  // events/s per connection
    long batch_ms = 50;
    long seconds = 10;
    long size = 257;  // bytes per event
    long writer_threads = 2;
    long reader_threads = 1;
    long warmup = 2;  // seconds
};

void print_help() {
    std::printf(
        "liveroom-loopback-floor: what loopback TCP alone costs for a fan-out load (no WebSocket, JSON or "
        "server).\n"
        "\n"
        "usage: liveroom-loopback-floor [--connections N] [--rate M] [--batch-ms T] [--seconds D] [--size B]\n"
        "                               [--writer-threads W] [--reader-threads R] [--warmup S]\n"
        "\n"
        "  --connections N     loopback TCP connections (default 10000)\n"
        "  --rate M            events/s per connection (default 200); target deliveries/s = N*M\n"
        "  --batch-ms T        tick: every T ms each connection gets one chunk of M*T/1000 events\n"
        "                      with one non-blocking send() (default 50)\n"
        "  --seconds D         measured seconds, after the warm-up (default 10)\n"
        "  --size B            bytes per event (default 257, >= 16)\n"
        "  --writer-threads W  writer threads, each owning N/W sockets (default 2)\n"
        "  --reader-threads R  reader threads, each with its own epoll over N/R sockets (default 1)\n"
        "  --warmup S          warm-up seconds before measuring (default 2)\n"
        "  --help              this text\n"
        "\n"
        "It forks: the parent is the reader (listens on 127.0.0.1:0, accepts N), the child the writer\n"
        "(connects N from source addresses 127.0.0.1..127.0.0.4; TCP_NODELAY on both ends). A chunk that\n"
        "cannot be sent whole stays pending and is retried on the next tick; while a connection has\n"
        "pending bytes its new chunks are dropped and counted as not sent. Latency is measured from the\n"
        "send() of a chunk (or its first attempt) to the reader seeing the chunk's first bytes.\n"
        "Reports deliveries/s, bytes not sent, latency p50/p99/max and both processes' CPU (getrusage)\n"
        "over the measured window. Exits 0 when the run completed (whether or not the target was met),\n"
        "1 on setup errors, 2 on bad arguments, 3 when the hard deadline (D+warm-up+30 s) expired.\n");
}

bool parse_long(const char* s, long lo, long hi, long& out) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    out = v;
    return true;
}

bool parse_args(int argc, char** argv, Options& o) {
    struct Spec {
        const char* name;
        long* value;
        long lo;
        long hi;
    };
    const std::array<Spec, 8> specs{{{"--connections", &o.connections, 1, 1'000'000},
                                     {"--rate", &o.rate, 1, 1'000'000},
                                     {"--batch-ms", &o.batch_ms, 1, 10'000},
                                     {"--seconds", &o.seconds, 1, 3600},
                                     {"--size", &o.size, 16, 1 << 20},
                                     {"--writer-threads", &o.writer_threads, 1, 64},
                                     {"--reader-threads", &o.reader_threads, 1, 64},
                                     {"--warmup", &o.warmup, 0, 600}}};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            print_help();
            std::exit(0);
        }
        std::string value;
        bool have_value = false;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            have_value = true;
        }
        const Spec* spec = nullptr;
        for (const auto& s : specs) {
            if (arg == s.name) {
                spec = &s;
            }
        }
        if (spec == nullptr) {
            std::fprintf(stderr, "liveroom-loopback-floor: unknown argument '%s' (see --help)\n", argv[i]);
            return false;
        }
        if (!have_value) {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "liveroom-loopback-floor: %s needs a value\n", spec->name);
                return false;
            }
            value = argv[++i];
        }
        if (!parse_long(value.c_str(), spec->lo, spec->hi, *spec->value)) {
            std::fprintf(stderr, "liveroom-loopback-floor: %s: '%s' is not an integer in [%ld, %ld]\n", spec->name,
                         value.c_str(), spec->lo, spec->hi);
            return false;
        }
    }
    const long max_events = (o.rate * o.batch_ms + 999) / 1000;
    if (max_events * o.size > (1L << 30)) {
        std::fprintf(stderr, "liveroom-loopback-floor: a chunk of %ld events x %ld bytes is too large\n", max_events,
                     o.size);
        return false;
    }
    return true;
}

std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * kNsPerSec + ts.tv_nsec;
}

void sleep_until(std::int64_t t_ns) {
    timespec ts{};
    ts.tv_sec = t_ns / kNsPerSec;
    ts.tv_nsec = t_ns % kNsPerSec;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
}

// Events per connection in tick k: the whole events due by the end of tick k minus those due before.
std::uint64_t events_in_tick(const Options& o, std::uint64_t k) {
    const auto per = static_cast<std::uint64_t>(o.rate) * static_cast<std::uint64_t>(o.batch_ms);
    return ((k + 1) * per) / 1000 - (k * per) / 1000;
}

struct CpuSample {
    std::int64_t user_ns = 0;
    std::int64_t sys_ns = 0;
    long nvcsw = 0;
    long nivcsw = 0;
};

CpuSample cpu_now() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    CpuSample s;
    s.user_ns = static_cast<std::int64_t>(ru.ru_utime.tv_sec) * kNsPerSec + ru.ru_utime.tv_usec * 1000;
    s.sys_ns = static_cast<std::int64_t>(ru.ru_stime.tv_sec) * kNsPerSec + ru.ru_stime.tv_usec * 1000;
    s.nvcsw = ru.ru_nvcsw;
    s.nivcsw = ru.ru_nivcsw;
    return s;
}

// The whole machine's CPU time (jiffies) from /proc/stat: user+nice, system, irq, softirq, idle+iowait.
struct MachineSample {
    bool ok = false;
    std::array<unsigned long long, 8> v{};  // user nice system idle iowait irq softirq steal
};

MachineSample machine_now() {
    MachineSample s;
    FILE* f = std::fopen("/proc/stat", "r");
    if (f == nullptr) {
        return s;
    }
    auto& v = s.v;
    s.ok = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                       &v[6], &v[7]) == 8;
    std::fclose(f);
    return s;
}

// CPU time (ns) of the ksoftirqd/N kernel threads: softirq work (here: loopback packet receive) that the kernel
// deferred out of the sending process's context is charged to them, not to either process's getrusage.
std::int64_t ksoftirqd_ns() {
    std::int64_t total = 0;
    const long hz = sysconf(_SC_CLK_TCK);
    DIR* proc = opendir("/proc");
    if (proc == nullptr) {
        return 0;
    }
    while (const dirent* e = readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') {
            continue;
        }
        char path[300];
        std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE* f = std::fopen(path, "r");
        if (f == nullptr) {
            continue;
        }
        char line[512] = {};
        const bool got = std::fgets(line, sizeof line, f) != nullptr;
        std::fclose(f);
        const char* open = std::strchr(line, '(');
        const char* close = std::strrchr(line, ')');
        if (!got || open == nullptr || close == nullptr || std::strncmp(open + 1, "ksoftirqd/", 10) != 0) {
            continue;
        }
        unsigned long long ut = 0;
        unsigned long long st = 0;
        // After ")": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
        if (std::sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2) {
            total += static_cast<std::int64_t>(ut + st) * kNsPerSec / hz;
        }
    }
    closedir(proc);
    return total;
}

std::string loadavg() {
    FILE* f = std::fopen("/proc/loadavg", "r");
    char line[128] = {};
    if (f != nullptr) {
        if (std::fgets(line, sizeof line, f) == nullptr) {
            line[0] = '\0';
        }
        std::fclose(f);
    }
    std::string s = line;
    while (!s.empty() && s.back() == '\n') {
        s.pop_back();
    }
    return s;
}

// Log-bucket histogram of nanoseconds: exact below 128, then 128 sub-buckets per power of two (< 0.8 % error).
class Histogram {
  public:
    static constexpr std::size_t kSub = 128;
    static constexpr std::size_t kBuckets = 58 * kSub;

    void record(std::uint64_t v) {
        ++counts_[index_of(v)];
        ++count_;
        max_ = std::max(max_, v);
    }
    void merge(const Histogram& h) {
        for (std::size_t i = 0; i < kBuckets; ++i) {
            counts_[i] += h.counts_[i];
        }
        count_ += h.count_;
        max_ = std::max(max_, h.max_);
    }
    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    // The upper bound of the bucket holding the p-quantile (never reported above the true max).
    std::uint64_t quantile(double p) const {
        if (count_ == 0) {
            return 0;
        }
        auto rank = static_cast<std::uint64_t>(p * static_cast<double>(count_));
        rank = std::clamp<std::uint64_t>(rank, 1, count_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen >= rank) {
                return std::min(lower_of(i + 1) - 1, max_);
            }
        }
        return max_;
    }

  private:
    static std::size_t index_of(std::uint64_t v) {
        if (v < kSub) {
            return static_cast<std::size_t>(v);
        }
        const int e = 63 - __builtin_clzll(v);  // >= 7
        return static_cast<std::size_t>(e - 6) * kSub + static_cast<std::size_t>((v >> (e - 7)) & (kSub - 1));
    }
    static std::uint64_t lower_of(std::size_t i) {
        if (i < kSub) {
            return i;
        }
        const std::size_t e = i / kSub + 6;
        if (e >= 64) {
            return UINT64_MAX;
        }
        return (static_cast<std::uint64_t>(kSub) + i % kSub) << (e - 7);
    }

    std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(kBuckets, 0);
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

// ---- parent <-> child messages (over pipes; each is well under PIPE_BUF, so written atomically) ----

struct ReadyMsg {
    std::int32_t status = 0;  // 0 = all connected
    std::int32_t err = 0;
    std::int32_t index = 0;
    char stage[20] = {};
};

struct Timeline {
    std::int64_t t0 = 0;  // first tick
    std::int64_t tw = 0;  // warm-up ends, measuring starts
    std::int64_t te = 0;  // measuring ends, writer stops
};

struct WriterResult {
    std::int64_t user_ns = 0;
    std::int64_t sys_ns = 0;
    std::int64_t wall_ns = 0;
    std::int64_t nvcsw = 0;
    std::int64_t nivcsw = 0;
    std::uint64_t bytes_sent = 0;     // in ticks scheduled inside the window
    std::uint64_t bytes_dropped = 0;  // new chunks skipped because the previous one was still pending
    std::uint64_t pending_end = 0;    // bytes still pending when the writer stopped
    std::uint64_t partial_sends = 0;  // sends that returned EAGAIN or a short count, in the window
    std::uint64_t send_errors = 0;
    std::uint64_t ticks_done = 0;  // in the window, summed over threads
    std::uint64_t ticks_late = 0;  // started more than T/2 after their schedule
    std::uint64_t sweep_max_ns = 0;
    std::uint64_t sweep_sum_ns = 0;
    std::uint64_t lag_max_ns = 0;  // how late a tick started
};

bool write_all(int fd, const void* p, std::size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
        ssize_t r = write(fd, c, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        c += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

// Reads exactly n bytes, waiting at most until deadline_ns (CLOCK_MONOTONIC).
bool read_all(int fd, void* p, std::size_t n, std::int64_t deadline_ns) {
    char* c = static_cast<char*>(p);
    while (n > 0) {
        const std::int64_t left = deadline_ns - mono_ns();
        if (left <= 0) {
            return false;
        }
        pollfd pfd{fd, POLLIN, 0};
        int pr = poll(&pfd, 1, static_cast<int>(std::min<std::int64_t>(left / kNsPerMs + 1, 1000)));
        if (pr < 0 && errno != EINTR) {
            return false;
        }
        if (pr <= 0) {
            continue;
        }
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        c += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

void raise_nofile() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

long nofile_limit() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur == RLIM_INFINITY ? 1L << 30 : static_cast<long>(rl.rlim_cur);
}

void set_nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// ---------------------------------------------------------------- writer (child) ----

struct WSock {
    int fd = -1;
    bool dead = false;
    std::uint32_t pend_len = 0;  // length of the pending chunk; 0 = nothing pending
    std::uint32_t pend_off = 0;  // bytes of it already sent
    std::int64_t pend_ts = 0;    // its timestamp
};

void writer_thread(const Options& o, const Timeline& tl, std::vector<WSock>& socks, WriterResult& res) {
    const auto max_events = static_cast<std::size_t>((o.rate * o.batch_ms + 999) / 1000);
    std::vector<char> buf(std::max<std::size_t>(max_events, 1) * static_cast<std::size_t>(o.size));
    for (std::size_t i = 0; i < buf.size(); ++i) {
        buf[i] = static_cast<char>('a' + i % 26);
    }
    auto put_header = [&](std::int64_t ts, std::uint32_t len) {
        std::memcpy(buf.data(), &ts, 8);
        std::memcpy(buf.data() + 8, &len, 4);
    };
    const std::int64_t tick_ns = o.batch_ms * kNsPerMs;
    for (std::uint64_t k = 0;; ++k) {
        const std::int64_t sched = tl.t0 + static_cast<std::int64_t>(k) * tick_ns;
        if (sched >= tl.te) {
            break;
        }
        sleep_until(sched);
        const std::int64_t start = mono_ns();
        if (start >= tl.te) {
            break;
        }
        const bool in_window = sched >= tl.tw;
        const auto len = static_cast<std::uint32_t>(events_in_tick(o, k) * static_cast<std::uint64_t>(o.size));
        std::uint64_t sent = 0;
        std::uint64_t dropped = 0;
        std::uint64_t partial = 0;
        for (WSock& s : socks) {
            if (s.dead) {
                continue;
            }
            if (s.pend_len != 0) {  // retry the rest of the previous chunk first
                put_header(s.pend_ts, s.pend_len);
                ssize_t n = send(s.fd, buf.data() + s.pend_off, s.pend_len - s.pend_off, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n > 0) {
                    sent += static_cast<std::uint64_t>(n);
                    s.pend_off += static_cast<std::uint32_t>(n);
                    if (s.pend_off == s.pend_len) {
                        s.pend_len = 0;
                        s.pend_off = 0;
                    }
                } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    s.dead = true;
                    ++res.send_errors;
                    continue;
                }
                if (s.pend_len != 0) {
                    ++partial;
                    dropped += len;
                    continue;
                }
            }
            if (len == 0) {
                continue;
            }
            const std::int64_t ts = mono_ns();
            put_header(ts, len);
            ssize_t n = send(s.fd, buf.data(), len, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    s.dead = true;
                    ++res.send_errors;
                    continue;
                }
                n = 0;
            }
            sent += static_cast<std::uint64_t>(n);
            if (static_cast<std::uint32_t>(n) < len) {
                ++partial;
                s.pend_len = len;
                s.pend_off = static_cast<std::uint32_t>(n);
                s.pend_ts = ts;
            }
        }
        if (in_window) {
            const auto sweep = static_cast<std::uint64_t>(mono_ns() - start);
            const auto lag = static_cast<std::uint64_t>(start - sched);
            res.bytes_sent += sent;
            res.bytes_dropped += dropped;
            res.partial_sends += partial;
            ++res.ticks_done;
            res.ticks_late += lag > static_cast<std::uint64_t>(tick_ns / 2) ? 1 : 0;
            res.sweep_max_ns = std::max(res.sweep_max_ns, sweep);
            res.sweep_sum_ns += sweep;
            res.lag_max_ns = std::max(res.lag_max_ns, lag);
        }
    }
    for (const WSock& s : socks) {
        if (!s.dead && s.pend_len != 0) {
            res.pending_end += s.pend_len - s.pend_off;
        }
    }
}

[[noreturn]] void run_writer(const Options& o, std::uint16_t port, int from_parent, int to_parent) {
    ReadyMsg ready;
    auto fail = [&](const char* stage, long index) {
        ready.status = 1;
        ready.err = errno;
        ready.index = static_cast<std::int32_t>(index);
        std::snprintf(ready.stage, sizeof ready.stage, "%s", stage);
        write_all(to_parent, &ready, sizeof ready);
        _exit(1);
    };
    raise_nofile();
    if (nofile_limit() < o.connections + 32) {
        errno = EMFILE;
        fail("open-file cap", o.connections);
    }
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const auto nt = static_cast<std::size_t>(o.writer_threads);
    std::vector<std::vector<WSock>> per_thread(nt);
    for (long i = 0; i < o.connections; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            fail("socket", i);
        }
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);  // port chosen at connect()
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + static_cast<std::uint32_t>(i % 4));  // 127.0.0.1..4
        if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            fail("bind", i);
        }
        if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
            fail("connect", i);
        }
        set_nodelay(fd);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        WSock ws;
        ws.fd = fd;
        per_thread[static_cast<std::size_t>(i) % nt].push_back(ws);
    }
    write_all(to_parent, &ready, sizeof ready);

    Timeline tl;
    if (!read_all(from_parent, &tl, sizeof tl, mono_ns() + 60 * kNsPerSec)) {
        _exit(1);
    }
    std::vector<WriterResult> results(nt);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < nt; ++t) {
        threads.emplace_back(writer_thread, std::cref(o), std::cref(tl), std::ref(per_thread[t]), std::ref(results[t]));
    }
    sleep_until(tl.tw);
    const CpuSample c0 = cpu_now();
    const std::int64_t w0 = mono_ns();
    sleep_until(tl.te);
    const CpuSample c1 = cpu_now();
    const std::int64_t w1 = mono_ns();
    for (auto& th : threads) {
        th.join();
    }
    WriterResult total;
    for (const auto& r : results) {
        total.bytes_sent += r.bytes_sent;
        total.bytes_dropped += r.bytes_dropped;
        total.pending_end += r.pending_end;
        total.partial_sends += r.partial_sends;
        total.send_errors += r.send_errors;
        total.ticks_done += r.ticks_done;
        total.ticks_late += r.ticks_late;
        total.sweep_max_ns = std::max(total.sweep_max_ns, r.sweep_max_ns);
        total.sweep_sum_ns += r.sweep_sum_ns;
        total.lag_max_ns = std::max(total.lag_max_ns, r.lag_max_ns);
    }
    total.user_ns = c1.user_ns - c0.user_ns;
    total.sys_ns = c1.sys_ns - c0.sys_ns;
    total.wall_ns = w1 - w0;
    total.nvcsw = c1.nvcsw - c0.nvcsw;
    total.nivcsw = c1.nivcsw - c0.nivcsw;
    write_all(to_parent, &total, sizeof total);
    _exit(0);
}

// ---------------------------------------------------------------- reader (parent) ----

struct RSock {
    int fd = -1;
    std::uint32_t remaining = 0;  // bytes of the current chunk still to come after its header
    std::uint8_t hdr_have = 0;
    bool bad = false;
    std::array<std::uint8_t, kHeaderBytes> hdr{};
};

struct ReaderResult {
    std::uint64_t bytes = 0;       // received inside the window
    std::uint64_t chunks = 0;      // chunk headers seen inside the window
    std::uint64_t recv_calls = 0;  // inside the window, including those that found nothing (EAGAIN)
    std::uint64_t framing_errors = 0;
    std::uint64_t closed = 0;  // before the window's end
    Histogram latency;
};

void reader_thread(int ep,
                   std::vector<RSock>& socks,
                   const Timeline& tl,
                   std::uint32_t max_chunk,
                   const std::atomic<bool>& stop,
                   ReaderResult& res) {
    std::vector<char> buf(kReadBuffer);
    std::vector<epoll_event> events(1024);
    while (!stop.load(std::memory_order_relaxed)) {
        int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 50);
        for (int i = 0; i < n; ++i) {
            RSock& s = socks[events[static_cast<std::size_t>(i)].data.u32];
            for (;;) {
                ssize_t r = recv(s.fd, buf.data(), buf.size(), 0);
                const std::int64_t now = mono_ns();
                const bool in_window = now >= tl.tw && now < tl.te;
                if (in_window) {
                    ++res.recv_calls;
                }
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                if (r <= 0) {
                    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        res.closed += now < tl.te ? 1 : 0;  // the writer exits right after the window
                        epoll_ctl(ep, EPOLL_CTL_DEL, s.fd, nullptr);
                    }
                    break;
                }
                if (in_window) {
                    res.bytes += static_cast<std::uint64_t>(r);
                }
                if (s.bad) {
                    continue;
                }
                const char* p = buf.data();
                const char* end = p + r;
                while (p < end) {
                    if (s.remaining > 0) {
                        const auto skip = std::min<std::size_t>(s.remaining, static_cast<std::size_t>(end - p));
                        p += skip;
                        s.remaining -= static_cast<std::uint32_t>(skip);
                        continue;
                    }
                    const auto take =
                        std::min<std::size_t>(kHeaderBytes - s.hdr_have, static_cast<std::size_t>(end - p));
                    std::memcpy(s.hdr.data() + s.hdr_have, p, take);
                    s.hdr_have = static_cast<std::uint8_t>(s.hdr_have + take);
                    p += take;
                    if (s.hdr_have < kHeaderBytes) {
                        break;
                    }
                    s.hdr_have = 0;
                    std::int64_t ts = 0;
                    std::uint32_t len = 0;
                    std::memcpy(&ts, s.hdr.data(), 8);
                    std::memcpy(&len, s.hdr.data() + 8, 4);
                    if (len < kHeaderBytes || len > max_chunk) {
                        s.bad = true;
                        ++res.framing_errors;
                        break;
                    }
                    s.remaining = len - kHeaderBytes;
                    if (in_window) {
                        ++res.chunks;
                        res.latency.record(now > ts ? static_cast<std::uint64_t>(now - ts) : 0);
                    }
                }
            }
        }
    }
}

// The watchdog alone ends a run that overstays: reads from the writer wait a second longer than it does.
std::atomic<bool> g_done{false};
std::atomic<bool> g_expired{false};
pid_t g_child = -1;

void watchdog(std::int64_t deadline_ns) {
    sleep_until(deadline_ns);
    if (g_done.load()) {
        return;
    }
    g_expired.store(true);
    std::fprintf(stderr, "liveroom-loopback-floor: hard deadline expired; killing the writer (pid %d)\n",
                 static_cast<int>(g_child));
    kill(g_child, SIGKILL);
    waitpid(g_child, nullptr, 0);
    std::fflush(stdout);
    _exit(3);
}

[[noreturn]] void die(const char* what) {
    while (g_expired.load()) {  // the watchdog is ending the run (killing the writer closed our pipes)
        pause();
    }
    std::fprintf(stderr, "liveroom-loopback-floor: %s: %s\n", what, std::strerror(errno));
    if (g_child > 0) {
        kill(g_child, SIGKILL);
        waitpid(g_child, nullptr, 0);
    }
    std::exit(1);
}

std::string with_commas(double v) {
    char raw[64];
    std::snprintf(raw, sizeof raw, "%.0f", v);
    std::string s = raw;
    std::string out;
    const std::size_t start = (s[0] == '-') ? 1 : 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i > start && (s.size() - i) % 3 == 0) {
            out += ',';
        }
        out += s[i];
    }
    return out;
}

double ms(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        return 2;
    }
    const std::string load_at_start = loadavg();
    const std::int64_t program_start = mono_ns();
    const std::int64_t hard_deadline = program_start + (o.seconds + o.warmup + 30) * kNsPerSec;
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    if (nofile_limit() < o.connections + 32) {
        std::fprintf(stderr, "liveroom-loopback-floor: the open-file cap (%ld) is below %ld connections + 32\n",
                     nofile_limit(), o.connections);
        return 1;
    }

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lfd < 0) {
        die("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(lfd, 65535) != 0 ||
        getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) {
        die("listen on 127.0.0.1:0");
    }
    const std::uint16_t port = ntohs(addr.sin_port);
    int p2c[2];
    int c2p[2];
    if (pipe2(p2c, O_CLOEXEC) != 0 || pipe2(c2p, O_CLOEXEC) != 0) {
        die("pipe");
    }
    std::fflush(stdout);
    const pid_t parent = getpid();
    g_child = fork();
    if (g_child < 0) {
        die("fork");
    }
    if (g_child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(1);
        }
        alarm(static_cast<unsigned>(o.seconds + o.warmup + 35));
        close(lfd);
        close(p2c[1]);
        close(c2p[0]);
        run_writer(o, port, p2c[0], c2p[1]);
    }
    close(p2c[0]);
    close(c2p[1]);
    std::thread(watchdog, hard_deadline).detach();

    // Accept N connections, watching the writer's pipe for a setup failure.
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(o.connections));
    ReadyMsg ready;
    bool have_ready = false;
    const std::int64_t setup_start = mono_ns();
    while (static_cast<long>(fds.size()) < o.connections || !have_ready) {
        std::array<pollfd, 2> pfds{{{lfd, POLLIN, 0}, {c2p[0], POLLIN, 0}}};
        int pr = poll(pfds.data(), pfds.size(), 1000);
        if (pr < 0 && errno != EINTR) {
            die("poll");
        }
        if (!have_ready && (pfds[1].revents & (POLLIN | POLLHUP)) != 0) {
            if (!read_all(c2p[0], &ready, sizeof ready, hard_deadline + kNsPerSec)) {
                errno = EPIPE;
                die("the writer exited during setup");
            }
            have_ready = true;
            if (ready.status != 0) {
                std::fprintf(stderr, "liveroom-loopback-floor: writer setup failed at %s (connection %d): %s\n",
                             ready.stage, ready.index, std::strerror(ready.err));
                waitpid(g_child, nullptr, 0);
                return 1;
            }
        }
        while (static_cast<long>(fds.size()) < o.connections) {
            int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
                    break;
                }
                die("accept");
            }
            set_nodelay(fd);
            fds.push_back(fd);
        }
    }
    const std::int64_t setup_ns = mono_ns() - setup_start;

    const auto nr = static_cast<std::size_t>(o.reader_threads);
    std::vector<std::vector<RSock>> rsocks(nr);
    std::vector<int> eps(nr);
    for (std::size_t t = 0; t < nr; ++t) {
        eps[t] = epoll_create1(EPOLL_CLOEXEC);
        if (eps[t] < 0) {
            die("epoll_create1");
        }
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
        const std::size_t t = i % nr;
        RSock rs;
        rs.fd = fds[i];
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u32 = static_cast<std::uint32_t>(rsocks[t].size());
        rsocks[t].push_back(rs);
        if (epoll_ctl(eps[t], EPOLL_CTL_ADD, fds[i], &ev) != 0) {
            die("epoll_ctl");
        }
    }

    Timeline tl;
    tl.t0 = mono_ns() + 200 * kNsPerMs;
    tl.tw = tl.t0 + o.warmup * kNsPerSec;
    tl.te = tl.tw + o.seconds * kNsPerSec;
    if (!write_all(p2c[1], &tl, sizeof tl)) {
        die("write to the writer");
    }
    const auto max_events = static_cast<std::uint32_t>((o.rate * o.batch_ms + 999) / 1000);
    const std::uint32_t max_chunk = max_events * static_cast<std::uint32_t>(o.size);
    std::atomic<bool> stop{false};
    std::vector<ReaderResult> rres(nr);
    std::vector<std::thread> readers;
    for (std::size_t t = 0; t < nr; ++t) {
        readers.emplace_back(reader_thread, eps[t], std::ref(rsocks[t]), std::cref(tl), max_chunk, std::cref(stop),
                             std::ref(rres[t]));
    }
    sleep_until(tl.tw);
    const CpuSample c0 = cpu_now();
    const MachineSample m0 = machine_now();
    const std::int64_t k0 = ksoftirqd_ns();
    const std::int64_t w0 = mono_ns();
    sleep_until(tl.te);
    const CpuSample c1 = cpu_now();
    const MachineSample m1 = machine_now();
    const std::int64_t k1 = ksoftirqd_ns();
    const std::int64_t w1 = mono_ns();
    stop.store(true);
    for (auto& th : readers) {
        th.join();
    }
    WriterResult wr;
    if (!read_all(c2p[0], &wr, sizeof wr, hard_deadline + kNsPerSec)) {
        errno = EPIPE;
        die("no result from the writer");
    }
    int wstatus = 0;
    waitpid(g_child, &wstatus, 0);
    g_done.store(true);

    ReaderResult rr;
    for (const auto& r : rres) {
        rr.bytes += r.bytes;
        rr.chunks += r.chunks;
        rr.recv_calls += r.recv_calls;
        rr.framing_errors += r.framing_errors;
        rr.closed += r.closed;
        rr.latency.merge(r.latency);
    }

    // ---- report ----
    const double secs = static_cast<double>(o.seconds);
    const double target = static_cast<double>(o.connections) * static_cast<double>(o.rate);
    const double achieved = static_cast<double>(rr.bytes) / static_cast<double>(o.size) / secs;
    const double per_tick = static_cast<double>(o.rate) * static_cast<double>(o.batch_ms) / 1000.0;
    const double r_wall = static_cast<double>(w1 - w0);
    const double w_wall = static_cast<double>(wr.wall_ns);
    const double r_user = static_cast<double>(c1.user_ns - c0.user_ns);
    const double r_sys = static_cast<double>(c1.sys_ns - c0.sys_ns);
    const double w_user = static_cast<double>(wr.user_ns);
    const double w_sys = static_cast<double>(wr.sys_ns);
    const double r_pct = 100.0 * (r_user + r_sys) / r_wall;
    const double w_pct = 100.0 * (w_user + w_sys) / w_wall;
    const double not_sent = static_cast<double>(wr.bytes_dropped + wr.pending_end);

    std::printf("liveroom-loopback-floor: loopback TCP only (no WebSocket, JSON or server logic)\n");
    std::printf(
        "config:    %ld connections x %ld events/s, %ld-byte events, tick %ld ms -> %.4g events (%.0f B) per chunk "
        "per connection per tick; writer threads %ld, reader threads %ld; warm-up %ld s, measured %ld s\n",
        o.connections, o.rate, o.size, o.batch_ms, per_tick, per_tick * static_cast<double>(o.size), o.writer_threads,
        o.reader_threads, o.warmup, o.seconds);
    std::printf("load:      /proc/loadavg at start: %s\n", load_at_start.c_str());
    std::printf("setup:     %ld connections accepted in %.2f s (sources 127.0.0.1-4, TCP_NODELAY both ends)\n",
                o.connections, static_cast<double>(setup_ns) / 1e9);
    std::printf("target:    %s deliveries/s (%.1f MB/s)\n", with_commas(target).c_str(),
                target * static_cast<double>(o.size) / 1e6);
    std::printf("achieved:  %s deliveries/s (%.1f MB/s) = %.1f %% of target; %s chunks/s; %s recv()/s (incl. EAGAIN)\n",
                with_commas(achieved).c_str(), achieved * static_cast<double>(o.size) / 1e6, 100.0 * achieved / target,
                with_commas(static_cast<double>(rr.chunks) / secs).c_str(),
                with_commas(static_cast<double>(rr.recv_calls) / secs).c_str());
    std::printf(
        "writer:    sent %s B in the window; not sent: %s B (%s deliveries) = %s B dropped (chunks skipped while the "
        "previous one was pending) + %s B pending at the end; %s sends partial/EAGAIN; %s send errors\n",
        with_commas(static_cast<double>(wr.bytes_sent)).c_str(), with_commas(not_sent).c_str(),
        with_commas(not_sent / static_cast<double>(o.size)).c_str(),
        with_commas(static_cast<double>(wr.bytes_dropped)).c_str(),
        with_commas(static_cast<double>(wr.pending_end)).c_str(),
        with_commas(static_cast<double>(wr.partial_sends)).c_str(),
        with_commas(static_cast<double>(wr.send_errors)).c_str());
    std::printf(
        "ticks:     %s done (all threads), %s started > T/2 late, max start lag %.1f ms; sweep of one thread's "
        "sockets avg %.1f ms, max %.1f ms\n",
        with_commas(static_cast<double>(wr.ticks_done)).c_str(),
        with_commas(static_cast<double>(wr.ticks_late)).c_str(), ms(wr.lag_max_ns),
        wr.ticks_done ? ms(wr.sweep_sum_ns) / static_cast<double>(wr.ticks_done) : 0.0, ms(wr.sweep_max_ns));
    std::printf(
        "latency:   send() -> reader sees the chunk: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%s "
        "chunks)\n",
        ms(rr.latency.quantile(0.50)), ms(rr.latency.quantile(0.99)), ms(rr.latency.quantile(0.999)),
        ms(rr.latency.max()), with_commas(static_cast<double>(rr.latency.count())).c_str());
    std::printf("CPU (getrusage over the measured window; %% of one core):\n");
    std::printf("  writer:  user %.2f s + sys %.2f s = %.1f %%  (ctx switches vol %" PRId64 ", invol %" PRId64 ")\n",
                w_user / 1e9, w_sys / 1e9, w_pct, wr.nvcsw, wr.nivcsw);
    std::printf("  reader:  user %.2f s + sys %.2f s = %.1f %%  (ctx switches vol %ld, invol %ld)\n", r_user / 1e9,
                r_sys / 1e9, r_pct, c1.nvcsw - c0.nvcsw, c1.nivcsw - c0.nivcsw);
    const double k_pct = 100.0 * static_cast<double>(k1 - k0) / r_wall;
    std::printf("  ksoftirqd: %.1f %% (softirq work deferred out of the processes; any process's traffic)\n", k_pct);
    const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    const double sum_pct = w_pct + r_pct + k_pct;
    std::printf("  sum:     %.1f %% of one core = %.1f %% of the machine's %ld cores (writer + reader + ksoftirqd)\n",
                sum_pct, sum_pct / static_cast<double>(ncpu), ncpu);
    if (m0.ok && m1.ok) {
        std::array<double, 8> d{};
        double total = 0;
        for (std::size_t i = 0; i < 8; ++i) {
            d[i] = static_cast<double>(m1.v[i] - m0.v[i]);
            total += d[i];
        }
        if (total > 0) {
            std::printf(
                "machine:   /proc/stat over the window, all processes (shared VM): user %.1f %%, system %.1f %%, "
                "softirq %.1f %%, irq %.1f %%, idle %.1f %%, steal %.1f %% of %ld cores\n",
                100 * (d[0] + d[1]) / total, 100 * d[2] / total, 100 * d[6] / total, 100 * d[5] / total,
                100 * (d[3] + d[4]) / total, 100 * d[7] / total, ncpu);
        }
    }
    if (achieved > 0) {
        const double cores_per_m = sum_pct / 100.0 / (achieved / 1e6);
        std::printf(
            "cost:      %.2f cores per 1,000,000 deliveries/s at this chunking -> the target would need ~%.2f cores "
            "(linear extrapolation)\n",
            cores_per_m, cores_per_m * target / 1e6);
    }
    if (rr.framing_errors != 0 || rr.closed != 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        std::printf("warnings:  %s framing errors, %s connections closed early, writer exit status %d\n",
                    with_commas(static_cast<double>(rr.framing_errors)).c_str(),
                    with_commas(static_cast<double>(rr.closed)).c_str(), wstatus);
    }
    std::fflush(stdout);
    return 0;
}
