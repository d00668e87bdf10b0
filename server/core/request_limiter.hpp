#pragma once

#include <cstdint>

#include "server/core/token_bucket.hpp"

namespace liveroom::core {

// The message limit of one connection (owner thread only, no allocation).
//
// Every message the client sends takes a token from `rate_` (rate r, burst b):
// without one it is refused (`rate_limited`). It also takes a token from
// `flood_`, a bucket of rate f·r holding f·r·s tokens (f = flood factor,
// s = flood seconds): a client that keeps sending faster than f·r drains it,
// and once it is empty the connection is closed as flooding. At 2·f·r that
// takes s seconds; a flood of 10,000 messages a second, a fraction of one.
// A client that stays under f·r is refused, never closed.
class request_limiter {
  public:
    enum class verdict { ok, limited, flooding };

    struct limits {
        double rate = 10;   // messages per second
        double burst = 20;  // messages at once
        double flood_factor = 5;
        double flood_seconds = 5;
    };

    request_limiter() noexcept = default;
    // Both buckets full.
    explicit request_limiter(const limits& l) noexcept
        : rate_(l.rate, l.burst), flood_(l.flood_factor * l.rate, l.flood_factor * l.rate * l.flood_seconds) {}

    // New limits (a connection joined as a moderator): the tokens gained so far
    // are kept, at most the new bursts; a higher burst is not granted at once.
    void set(const limits& l, std::int64_t now_ms) noexcept {
        const double flood_rate = l.flood_factor * l.rate;
        rate_.reconfigure(now_ms, l.rate, l.burst);
        flood_.reconfigure(now_ms, flood_rate, flood_rate * l.flood_seconds);
    }

    verdict on_message(std::int64_t now_ms) noexcept {
        if (!flood_.take(now_ms)) {
            return verdict::flooding;
        }
        return rate_.take(now_ms) ? verdict::ok : verdict::limited;
    }

  private:
    token_bucket rate_;
    token_bucket flood_;
};

}  // namespace liveroom::core
