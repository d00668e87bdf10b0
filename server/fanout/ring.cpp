#include "server/fanout/ring.hpp"

#include <cstdio>
#include <cstdlib>

namespace liveroom::fanout {

ring::ring(std::uint32_t capacity_pow2)
    : mask_(capacity_pow2 - 1), slots_(new std::atomic<std::uint64_t>[capacity_pow2]) {
    if (capacity_pow2 < 2 || (capacity_pow2 & mask_) != 0) {
        std::fprintf(stderr, "liveroom: ring capacity must be a power of two >= 2\n");
        std::abort();
    }
    for (std::uint32_t i = 0; i < capacity_pow2; ++i) {
        slots_[i].store(0, std::memory_order_relaxed);
    }
}

ring::~ring() {
    for (std::uint32_t i = 0; i <= mask_; ++i) {
        const std::uint64_t word = slots_[i].exchange(0, std::memory_order_acq_rel);
        if (auto* f = reinterpret_cast<frame*>(word & ptr_mask)) {
            f->retire(static_cast<std::uint32_t>(word >> count_shift));
        }
    }
}

void ring::publish(frame* f) noexcept {
    const auto word = reinterpret_cast<std::uint64_t>(f);
    if ((word & ~ptr_mask) != 0) {
        std::fprintf(stderr, "liveroom: frame address above 2^48\n");
        std::abort();
    }
    // release: the frame's bytes are visible to whoever acquires the slot.
    const std::uint64_t old = slots_[f->seq() & mask_].exchange(word, std::memory_order_acq_rel);
    head_.store(f->seq(), std::memory_order_release);
    if (auto* prev = reinterpret_cast<frame*>(old & ptr_mask)) {
        prev->retire(static_cast<std::uint32_t>(old >> count_shift));
    }
}

frame* ring::acquire(std::uint64_t seq) noexcept {
    if (seq < base_.load(std::memory_order_acquire) || seq > head()) {
        return nullptr;
    }
    const std::uint64_t word = slots_[seq & mask_].fetch_add(one_count, std::memory_order_acq_rel);
    auto* f = reinterpret_cast<frame*>(word & ptr_mask);
    if (f == nullptr) {
        // Never published (below the base after reset_head). The stray count
        // is harmless: publish() ignores the count of an empty slot.
        return nullptr;
    }
    if ((word >> count_shift) >= 0xFFFE) {
        // Each worker acquires a frame once (hub/feed.cpp), so this bounds
        // the workers to 65,534; reaching it is a bug, not load.
        std::fprintf(stderr, "liveroom: ring slot reference count overflow\n");
        std::abort();
    }
    if (f->seq() != seq) {
        f->release();  // lapped: the slot already holds a newer event
        return nullptr;
    }
    return f;
}

void ring::reset_head(std::uint64_t last_seq) noexcept {
    base_.store(last_seq + 1, std::memory_order_release);
    head_.store(last_seq, std::memory_order_release);
}

}  // namespace liveroom::fanout
