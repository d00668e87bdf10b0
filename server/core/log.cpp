#include "server/core/log.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>

#include "server/core/clock.hpp"

namespace liveroom::core {

std::atomic<int> log_level{static_cast<int>(level::info)};

void log_line(level lv, const char* channel, const char* fmt, ...) {
    static const char* names[] = {"debug", "info", "warn", "error", "off"};
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const std::int64_t ms = now_ms();
    const std::time_t secs = ms / 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[32];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::fprintf(stderr, "%s.%03dZ %-5s [%s] %s\n", ts, static_cast<int>(ms % 1000), names[static_cast<int>(lv)],
                 channel, msg);
}

bool parse_level(const char* s, level& out) noexcept {
    static const char* names[] = {"debug", "info", "warn", "error", "off"};
    for (int i = 0; i < 5; ++i) {
        if (std::strcmp(s, names[i]) == 0) {
            out = static_cast<level>(i);
            return true;
        }
    }
    return false;
}

}  // namespace liveroom::core
