#pragma once

#include <chrono>

namespace liveroom::test {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A point in time by which something must have happened. Every wait in the
// integration tests is bounded by one of these.
class deadline {
  public:
    explicit deadline(clock::duration budget) : at_(clock::now() + budget) {}
    static deadline at(clock::time_point when) { return deadline(when); }

    clock::time_point when() const noexcept { return at_; }
    bool expired() const noexcept { return clock::now() >= at_; }
    clock::duration remaining() const noexcept {
        auto left = at_ - clock::now();
        return left > clock::duration::zero() ? left : clock::duration::zero();
    }
    // The smaller of what is left and `slice`: for waits that re-check a condition.
    clock::duration slice(clock::duration slice) const noexcept {
        auto left = remaining();
        return left < slice ? left : slice;
    }

  private:
    explicit deadline(clock::time_point when) : at_(when) {}
    clock::time_point at_;
};

inline double seconds_since(clock::time_point start) {
    return std::chrono::duration<double>(clock::now() - start).count();
}

}  // namespace liveroom::test
