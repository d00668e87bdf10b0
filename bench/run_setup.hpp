#pragma once

// What every load run does before it opens connections, and its safety net: resolve the
// target and refuse a non-loopback one unless allowed, choose the source addresses, check
// the open-files limit and the ephemeral ports, and end the process past a hard deadline.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "bench/ws_client.hpp"

namespace liveroom::bench {

// A progress or warning line on stderr: "liveroom-bench: <text>".
void note(const std::string& text);

// "%.1f".
std::string fixed1(double v);

double seconds_since(std::chrono::steady_clock::time_point t);

struct load_target {
    ws_target target;
    std::vector<boost::asio::ip::address> sources;  // 127.0.0.1..K, or one unspecified address
};

// Resolves `url` (preferring IPv4). Throws usage_error for a bad URL or a non-loopback
// target without `allow_remote`, std::runtime_error when the name does not resolve.
// Several source addresses apply to an IPv4 loopback target only.
load_target resolve_load_target(const std::string& url, bool allow_remote, unsigned sources, double connect_timeout_s);

// Raises RLIMIT_NOFILE for `connections` (the hard limit too, when privileged), returns false
// with a note when they still do not fit, and warns when
// the connections exceed the ephemeral ports of the source addresses.
bool check_connection_capacity(std::uint64_t connections, std::size_t sources);

// Waits until a host connection (host_publisher, scenario_host) is past connecting, up to
// `timeout`; notes and returns whether it is ready.
template <class Host>
bool await_host(Host& host, std::chrono::milliseconds timeout) {
    using namespace std::chrono_literals;
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (host.current() == Host::state::connecting && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(10ms);
    }
    switch (host.current()) {
        case Host::state::ready:
            note("host connected (role " + host.role() + ")");
            return true;
        case Host::state::connecting:
            note("host: no welcome from the server within " + fixed1(static_cast<double>(timeout.count()) / 1000) +
                 " s");
            return false;
        default:
            note(host.failure());
            return false;
    }
}

// Ends the process with exit status 3 if the run outlives its hard deadline.
class watchdog {
  public:
    watchdog(double limit_seconds, const std::atomic<const char*>& phase);
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;
    ~watchdog();

  private:
    const std::atomic<const char*>& phase_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace liveroom::bench
