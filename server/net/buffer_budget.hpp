#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace liveroom::net {

// Bytes queued for writing in all WebSocket sessions (private outboxes and the
// message in flight), against the global cap --max-buffered-mb. Each worker
// owns one slot and is its only writer (a relaxed load and store, no
// read-modify-write shared between threads); the sum is taken only when the
// total may have crossed the cap, and the verdict is one flag every session
// can read for the price of a relaxed load.
class buffer_budget {
  public:
    static constexpr std::size_t max_workers = 256;

    // At start-up, before any session exists.
    void configure(std::int64_t cap_bytes, std::size_t workers) noexcept {
        cap_.store(cap_bytes, std::memory_order_relaxed);
        workers_ = workers < max_workers ? workers : max_workers;
    }

    // Worker `worker`'s thread only.
    void add(std::size_t worker, std::int64_t delta) noexcept {
        auto& slot = slots_[worker].bytes;
        slot.store(slot.load(std::memory_order_relaxed) + delta, std::memory_order_relaxed);
        const bool over = over_.load(std::memory_order_relaxed);
        // Only a change that may flip the verdict sums the slots, and the flag
        // is written only when it flips: its cache line stays shared.
        if ((delta > 0 && !over) || (delta < 0 && over)) {
            const bool now_over = total() > cap_.load(std::memory_order_relaxed);
            if (now_over != over) {
                over_.store(now_over, std::memory_order_relaxed);
            }
        }
    }

    bool over() const noexcept { return over_.load(std::memory_order_relaxed); }

    std::int64_t total() const noexcept {
        std::int64_t sum = 0;
        for (std::size_t i = 0; i < workers_; ++i) {
            sum += slots_[i].bytes.load(std::memory_order_relaxed);
        }
        return sum;
    }

  private:
    struct alignas(64) slot {
        std::atomic<std::int64_t> bytes{0};
    };
    std::array<slot, max_workers> slots_{};
    std::atomic<std::int64_t> cap_{std::int64_t{1} << 30};
    std::atomic<bool> over_{false};
    std::size_t workers_ = max_workers;
};

// The process's budget (sessions of every worker share it).
buffer_budget& buffers() noexcept;

}  // namespace liveroom::net
