#include "bench/run_setup.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "bench/args.hpp"
#include "bench/exit_status.hpp"
#include "bench/sys_stats.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::uint64_t spare_descriptors = 64;

std::optional<std::uint64_t> ephemeral_port_count() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    if (!(in >> low >> high) || high < low) {
        return std::nullopt;
    }
    return high - low + 1;
}

}  // namespace

void note(const std::string& text) {
    std::cerr << "liveroom-bench: " << text << std::endl;
}

std::string fixed1(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

double seconds_since(steady::time_point t) {
    return std::chrono::duration<double>(steady::now() - t).count();
}

load_target resolve_load_target(const std::string& url_text,
                                bool allow_remote,
                                unsigned sources,
                                double connect_timeout_s) {
    const ws_url url = parse_ws_url(url_text);
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec || results.empty()) {
        throw std::runtime_error("cannot resolve " + url.host + ": " + (ec ? ec.message() : std::string("no address")));
    }
    tcp::endpoint endpoint = results.begin()->endpoint();
    for (const auto& r : results) {
        if (r.endpoint().address().is_v4()) {
            endpoint = r.endpoint();
            break;
        }
    }
    const bool loopback = is_loopback(endpoint.address());
    if (!loopback && !allow_remote) {
        throw usage_error("refusing to load " + endpoint.address().to_string() +
                          ", which is not a loopback address (127.0.0.0/8, ::1); pass --allow-remote if you mean it");
    }
    load_target t;
    t.target.endpoint = endpoint;
    t.target.host_header = url.host_header;
    t.target.path = url.target;
    t.target.connect_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(connect_timeout_s * 1000));
    if (loopback && endpoint.address().is_v4()) {
        for (unsigned i = 1; i <= sources; ++i) {
            t.sources.push_back(asio::ip::make_address_v4((127U << 24) | i));
        }
    } else {
        if (sources > 1) {
            note("note: source addresses 127.0.0.x apply to an IPv4 loopback target only; using the default source");
        }
        t.sources.push_back(asio::ip::address{});
    }
    return t;
}

bool check_connection_capacity(std::uint64_t connections, std::size_t sources) {
    const nofile_limit files = raise_nofile_limit(connections + spare_descriptors);
    const std::uint64_t needed = connections + spare_descriptors;
    if (files.soft < needed) {
        note(group_digits(connections) + " connections need about " + group_digits(needed) +
             " open files, but RLIMIT_NOFILE allows " + group_digits(files.soft) + " (hard limit " +
             group_digits(files.hard) + "); raise it (ulimit -n) or use fewer viewers");
        return false;
    }
    if (const auto ports = ephemeral_port_count(); ports && connections + 1 > *ports * sources) {
        note("warning: " + group_digits(connections) + " connections from " + std::to_string(sources) +
             " source address(es) exceed the " + group_digits(*ports) +
             " ephemeral ports per address; use more source addresses");
    }
    return true;
}

watchdog::watchdog(double limit_seconds, const std::atomic<const char*>& phase) : phase_(phase) {
    const auto limit = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(limit_seconds));
    thread_ = std::thread([this, limit, limit_seconds] {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::fprintf(stderr, "liveroom-bench: hard deadline of %.0f s exceeded (phase: %s); aborting\n",
                         limit_seconds, phase_.load());
            std::fflush(stderr);
            std::_Exit(exit_deadline);
        }
    });
}

watchdog::~watchdog() {
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

}  // namespace liveroom::bench
