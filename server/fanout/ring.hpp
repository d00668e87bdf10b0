#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "server/fanout/frame.hpp"

namespace liveroom::fanout {

// A room's broadcast ring: single producer (the room's owner thread), any
// number of concurrent readers, no locks.
//
// Slot i holds the frame with seq s where s % capacity == i, packed with a
// 16-bit count of the references readers took while it sat there ("split
// reference count"). A reader acquires by one fetch_add on the slot word,
// which gives it the pointer and a reference at once, so the producer can
// never free a frame between a reader's load and its increment. When the
// producer overwrites a slot it folds the old count into the frame
// (frame::retire); the frame is freed when the last holder releases it.
// Memory-ordering argument and bounds: server/README.md.
class ring {
  public:
    explicit ring(std::uint32_t capacity_pow2);
    ~ring();
    ring(const ring&) = delete;
    ring& operator=(const ring&) = delete;

    std::uint32_t capacity() const noexcept { return mask_ + 1; }

    // The last published seq (0 before any). Readers may read slots up to it.
    std::uint64_t head() const noexcept { return head_.load(std::memory_order_acquire); }

    // Oldest seq that may still be in the ring (head()+1 when it holds none).
    std::uint64_t oldest() const noexcept {
        const std::uint64_t h = head();
        const std::uint64_t b = base_.load(std::memory_order_acquire);
        return h >= b + capacity() ? h - capacity() + 1 : b;
    }

    // Producer only: `f` must carry seq head()+1. The ring takes ownership.
    void publish(frame* f) noexcept;

    // Reader: a reference to the frame with `seq`, or nullptr when it was
    // already overwritten (the reader was lapped) or not yet published.
    // The caller must call frame::release() on a non-null result.
    frame* acquire(std::uint64_t seq) noexcept;

    // Producer only, before any publish, for recovery: the next seq is
    // last_seq+1 and nothing at or below last_seq is held.
    void reset_head(std::uint64_t last_seq) noexcept;

  private:
    static constexpr int count_shift = 48;
    static constexpr std::uint64_t ptr_mask = (std::uint64_t{1} << count_shift) - 1;
    static constexpr std::uint64_t one_count = std::uint64_t{1} << count_shift;

    struct alignas(64) padded_head {
        std::atomic<std::uint64_t> value{0};
    };

    const std::uint32_t mask_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> slots_;
    padded_head head_storage_;
    std::atomic<std::uint64_t>& head_ = head_storage_.value;
    std::atomic<std::uint64_t> base_{1};  // first seq this ring ever held
};

}  // namespace liveroom::fanout
