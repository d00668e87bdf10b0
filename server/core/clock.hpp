#pragma once

#include <chrono>
#include <cstdint>

namespace liveroom::core {

// Wall-clock milliseconds since the epoch: the contract's time unit.
inline std::int64_t now_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Monotonic nanoseconds, for measuring.
inline std::int64_t mono_ns() noexcept {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

// Monotonic milliseconds, for rate limits and deadlines.
inline std::int64_t mono_ms() noexcept {
    return mono_ns() / 1'000'000;
}

}  // namespace liveroom::core
