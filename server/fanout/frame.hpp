#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

namespace liveroom::fanout {

// How a slow viewer may treat an event (see server/README.md, "Slow viewers").
enum class frame_class : std::uint8_t {
    critical,   // never skipped: status, card, notice, question, quiz open/close, draw
    droppable,  // may be skipped past the soft bound: comments
    latest,     // only the newest of its key matters: presence, quiz tallies
};

// The key of critical frames whose writing a session notes (quiz.open: a
// quiz answer's time counts from when it reached the connection).
inline constexpr std::uint8_t mark_key = 4;

// One room event, serialized once: an immutable byte buffer shared by every
// delivery, followed in memory by a '\n' that bytes() does not include (a
// batch extends a frame's buffer over it to separate the next frame: one
// buffer per frame, see batch::add). Allocated in one block (header + bytes)
// and reference counted with the ring's split count (see ring.hpp); never
// copied.
class frame {
  public:
    static frame* make(std::uint64_t seq, frame_class cls, std::uint8_t key, std::string_view bytes);

    std::uint64_t seq() const noexcept { return seq_; }
    frame_class cls() const noexcept { return cls_; }
    std::uint8_t key() const noexcept { return key_; }
    std::string_view bytes() const noexcept { return {data(), size_}; }
    std::uint32_t size() const noexcept { return size_; }

    // Drops one reference taken through ring::acquire; frees at zero.
    void release() noexcept;

    // Called by the ring when the frame leaves its slot: folds the
    // acquisitions counted in the slot into the frame's own count.
    void retire(std::uint32_t acquired) noexcept;

    // Frames alive in this process (for tests and /metrics).
    static std::int64_t live() noexcept { return live_.load(std::memory_order_relaxed); }

    frame(const frame&) = delete;
    frame& operator=(const frame&) = delete;

  private:
    frame(std::uint64_t seq, frame_class cls, std::uint8_t key, std::uint32_t size) noexcept
        : seq_(seq), size_(size), cls_(cls), key_(key) {}
    ~frame() = default;
    void destroy() noexcept;
    const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1); }
    char* data() noexcept { return reinterpret_cast<char*>(this + 1); }

    // Outstanding references minus those still counted in the ring's slot;
    // reaches zero exactly once, after the frame has left the ring.
    std::atomic<std::int64_t> refs_{0};
    const std::uint64_t seq_;
    const std::uint32_t size_;
    const frame_class cls_;
    const std::uint8_t key_;

    static std::atomic<std::int64_t> live_;
};

}  // namespace liveroom::fanout
