#pragma once

#include <atomic>
#include <cstdarg>

namespace liveroom::core {

enum class level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Channel loggers ("net", "room", "hub", "http", "store"): leveled, one line
// per call to stderr. The macros evaluate nothing when the level is off.
extern std::atomic<int> log_level;
void log_line(level lv, const char* channel, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
bool parse_level(const char* s, level& out) noexcept;

}  // namespace liveroom::core

#define LR_LOG(lv, channel, ...)                                                                   \
    do {                                                                                           \
        if (static_cast<int>(lv) >= ::liveroom::core::log_level.load(std::memory_order_relaxed)) { \
            ::liveroom::core::log_line(lv, channel, __VA_ARGS__);                                  \
        }                                                                                          \
    } while (0)
#define LR_DEBUG(channel, ...) LR_LOG(::liveroom::core::level::debug, channel, __VA_ARGS__)
#define LR_INFO(channel, ...) LR_LOG(::liveroom::core::level::info, channel, __VA_ARGS__)
#define LR_WARN(channel, ...) LR_LOG(::liveroom::core::level::warn, channel, __VA_ARGS__)
#define LR_ERROR(channel, ...) LR_LOG(::liveroom::core::level::error, channel, __VA_ARGS__)
