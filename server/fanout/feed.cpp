#include "server/fanout/feed.hpp"

namespace liveroom::fanout {

held_pool::~held_pool() = default;

held* held_pool::take(frame* f) {
    if (free_.empty()) {
        constexpr std::size_t block = 1024;
        blocks_.push_back(std::make_unique<held[]>(block));
        free_.reserve(free_.size() + block);
        for (std::size_t i = 0; i < block; ++i) {
            free_.push_back(&blocks_.back()[i]);
        }
    }
    held* h = free_.back();
    free_.pop_back();
    h->f = f;
    h->refs = 1;
    ++outstanding_;
    return h;
}

void held_pool::take_lists(batch_lists& into) {
    if (spare_lists_.empty()) {
        return;  // the batch grows its own, given back after its write
    }
    std::swap(into, spare_lists_.back());
    spare_lists_.pop_back();
}

void held_pool::give_lists(batch_lists& from) noexcept {
    from.bufs.clear();
    from.pinned.clear();
    if (from.bufs.capacity() == 0 && from.pinned.capacity() == 0) {
        return;
    }
    try {
        spare_lists_.push_back(std::move(from));
    } catch (...) {
        // No room to keep them: they are freed with `from`.
    }
    from = batch_lists{};
}

void held_pool::unref(held* h) noexcept {
    if (--h->refs == 0) {
        h->f->release();
        h->f = nullptr;
        --outstanding_;
        free_.push_back(h);  // capacity reserved in take(): never allocates
    }
}

feed::feed(ring& r, held_pool& pool) : ring_(r), pool_(pool), mask_(r.capacity() - 1), entries_(r.capacity()) {
    // Start where the ring starts: everything it still holds is mirrored.
    head_ = r.oldest() - 1;
    oldest_ = head_ + 1;
}

feed::~feed() {
    for (auto& e : entries_) {
        if (e.h != nullptr) {
            pool_.unref(e.h);
            e.h = nullptr;
        }
    }
}

void feed::store(std::uint64_t seq, frame* f) {
    entry& e = entries_[seq & mask_];
    if (e.h != nullptr) {
        pool_.unref(e.h);  // evicted from the window; in-flight writes keep it
    }
    e.h = f != nullptr ? pool_.take(f) : nullptr;
    e.all_before = all_total_;
    e.crit_before = crit_total_;
    e.size = f != nullptr ? f->size() : 0;
    e.cls = f != nullptr ? f->cls() : frame_class::critical;
    e.key = f != nullptr ? f->key() : 0;
    all_total_ += e.size;
    if (e.cls == frame_class::critical) {
        crit_total_ += e.size;
    }
    head_ = seq;
    if (head_ - oldest_ + 1 > entries_.size()) {
        oldest_ = head_ - entries_.size() + 1;
    }
}

std::size_t feed::drain() {
    const std::uint64_t target = ring_.head();
    if (target <= head_) {
        return 0;
    }
    std::size_t n = 0;
    std::uint64_t seq = head_ + 1;
    const std::uint64_t ring_oldest = ring_.oldest();
    if (seq < ring_oldest) {
        // The room lapped this worker: what is gone is gone; restart the
        // window at the ring's oldest. Sessions behind it resync.
        head_ = ring_oldest - 1;
        oldest_ = ring_oldest;
        seq = ring_oldest;
    }
    for (; seq <= target; ++seq) {
        store(seq, ring_.acquire(seq));  // nullptr when lapped meanwhile: a hole
        ++n;
    }
    return n;
}

std::uint64_t feed::bytes_from(std::uint64_t from) const noexcept {
    if (from > head_) {
        return 0;
    }
    return all_total_ - at(from).all_before;
}

std::uint64_t feed::critical_bytes_from(std::uint64_t from) const noexcept {
    if (from > head_) {
        return 0;
    }
    return crit_total_ - at(from).crit_before;
}

}  // namespace liveroom::fanout
