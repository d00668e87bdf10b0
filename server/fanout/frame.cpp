#include "server/fanout/frame.hpp"

#include <cstddef>
#include <cstring>
#include <new>

namespace liveroom::fanout {

std::atomic<std::int64_t> frame::live_{0};

frame* frame::make(std::uint64_t seq, frame_class cls, std::uint8_t key, std::string_view bytes) {
    static_assert(alignof(frame) <= alignof(std::max_align_t));
    void* mem = ::operator new(sizeof(frame) + bytes.size() + 1);
    auto* f = new (mem) frame(seq, cls, key, static_cast<std::uint32_t>(bytes.size()));
    std::memcpy(f->data(), bytes.data(), bytes.size());
    f->data()[bytes.size()] = '\n';  // the batch separator, so that a batch needs one buffer per frame
    live_.fetch_add(1, std::memory_order_relaxed);
    return f;
}

void frame::destroy() noexcept {
    live_.fetch_sub(1, std::memory_order_relaxed);
    this->~frame();
    ::operator delete(this);
}

void frame::release() noexcept {
    // Before retire() the count is <= 0 (releases only), so it can reach
    // zero here only after the slot's acquisitions were folded in.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        destroy();
    }
}

void frame::retire(std::uint32_t acquired) noexcept {
    const std::int64_t before = refs_.fetch_add(acquired, std::memory_order_acq_rel);
    if (before + static_cast<std::int64_t>(acquired) == 0) {
        destroy();
    }
}

}  // namespace liveroom::fanout
