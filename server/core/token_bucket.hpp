#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace liveroom::core {

// A token bucket: holds up to `burst` tokens and gains `rate` tokens a second;
// an action that costs n tokens may happen when n are there. Used for
// per-connection request limits and per-viewer comment limits and slow mode
// (slow_seconds = 10 is rate 0.1, burst 1).
//
// Time is an argument (ms, any clock that does not go backwards; a step back
// is treated as no time passing), so tests use a fake clock. No allocation, no
// locks: one owner thread.
class token_bucket {
  public:
    static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

    // A bucket that refuses everything (rate 0, burst 0).
    token_bucket() noexcept = default;
    // A full bucket. `rate` (tokens/s) and `burst` are clamped at 0.
    token_bucket(double rate, double burst) noexcept : rate_(std::max(rate, 0.0)), burst_(std::max(burst, 0.0)) {
        tokens_ = burst_;
    }

    // Takes n tokens when there are n; returns false and takes nothing when not.
    bool take(std::int64_t now_ms, double n = 1) noexcept {
        refill(now_ms);
        if (tokens_ + kSlack < n) {
            return false;
        }
        tokens_ = std::max(tokens_ - n, 0.0);
        return true;
    }

    // How long from `now_ms` until take(n) would succeed: 0 when it would now,
    // `never` when it never can (n > burst, or rate 0 and too few tokens).
    // Rounded up, so take(now_ms + retry_after_ms(now_ms, n), n) succeeds.
    std::int64_t retry_after_ms(std::int64_t now_ms, double n = 1) const noexcept {
        const double missing = n - available(now_ms);
        if (missing <= kSlack) {
            return 0;
        }
        if (n > burst_ + kSlack || rate_ <= 0) {
            return never;
        }
        // The slack keeps a rounding error from adding a whole millisecond.
        return static_cast<std::int64_t>(std::ceil((missing - kSlack) * 1000.0 / rate_));
    }

    // Tokens there at `now_ms`.
    double available(std::int64_t now_ms) const noexcept {
        if (now_ms <= last_ms_ || last_ms_ == kUnset) {
            return tokens_;
        }
        return std::min(burst_, tokens_ + static_cast<double>(now_ms - last_ms_) * rate_ / 1000.0);
    }

    // Changes rate and burst (a room's slow mode changed): what was gained up
    // to `now_ms` is kept, at most the new burst.
    void reconfigure(std::int64_t now_ms, double rate, double burst) noexcept {
        refill(now_ms);
        rate_ = std::max(rate, 0.0);
        burst_ = std::max(burst, 0.0);
        tokens_ = std::min(tokens_, burst_);
    }

    double rate() const noexcept { return rate_; }
    double burst() const noexcept { return burst_; }

  private:
    // Absorbs rounding in the refill sums, so a wait computed by
    // retry_after_ms() is always enough.
    static constexpr double kSlack = 1e-9;
    static constexpr std::int64_t kUnset = std::numeric_limits<std::int64_t>::min();

    void refill(std::int64_t now_ms) noexcept {
        tokens_ = available(now_ms);
        last_ms_ = std::max(last_ms_, now_ms);
    }

    double rate_ = 0;
    double burst_ = 0;
    double tokens_ = 0;
    std::int64_t last_ms_ = kUnset;  // until the first call: full at whatever time that is
};

}  // namespace liveroom::core
