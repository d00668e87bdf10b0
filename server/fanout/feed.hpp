#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "server/fanout/frame.hpp"
#include "server/fanout/ring.hpp"

namespace liveroom::fanout {

// A frame held by one worker: the worker took one reference from the ring
// and shares it between its feed window and its sessions' in-flight writes
// with a plain (worker-local) count. Recycled through held_pool.
struct held {
    frame* f = nullptr;
    std::uint32_t refs = 0;
};

// The lists a batch fills for one write: its buffers and the frames it pins.
// Recycled through held_pool, so that a session holds them only while it
// writes, and their capacity, grown by the largest batches, is reused.
struct batch_lists {
    std::vector<boost::asio::const_buffer> bufs;
    std::vector<held*> pinned;
};

// Worker-local free lists of `held` records and of batch lists: no
// allocation after warm-up.
class held_pool {
  public:
    held_pool() = default;
    held_pool(const held_pool&) = delete;
    held_pool& operator=(const held_pool&) = delete;
    ~held_pool();

    held* take(frame* f);
    void unref(held* h) noexcept;  // releases the frame at zero

    std::size_t outstanding() const noexcept { return outstanding_; }

    // Swaps a recycled pair of lists into `into` (empty, with capacity).
    void take_lists(batch_lists& into);
    // Takes `from`'s lists back, cleared; `from` is left without capacity.
    void give_lists(batch_lists& from) noexcept;
    std::size_t spare_lists() const noexcept { return spare_lists_.size(); }

  private:
    std::vector<batch_lists> spare_lists_;
    std::vector<held*> free_;
    std::vector<std::unique_ptr<held[]>> blocks_;
    std::size_t outstanding_ = 0;
};

// One worker's window onto one room's ring: every frame the room published,
// acquired once per worker, kept for the ring's capacity, with running byte
// counts so a session's lag is O(1) to compute. Worker-thread only.
class feed {
  public:
    feed(ring& r, held_pool& pool);
    ~feed();
    feed(const feed&) = delete;
    feed& operator=(const feed&) = delete;

    // Pulls what the room published since the last call; returns how many.
    std::size_t drain();

    std::uint64_t head() const noexcept { return head_; }
    // Oldest seq still in the window (head()+1 when empty). Seqs below it
    // must be served from a snapshot.
    std::uint64_t oldest() const noexcept { return oldest_; }

    struct entry {
        held* h = nullptr;             // nullptr: a hole (lapped while draining)
        std::uint64_t all_before = 0;  // bytes of frames before this seq
        std::uint64_t crit_before = 0;
        std::uint32_t size = 0;
        frame_class cls = frame_class::critical;
        std::uint8_t key = 0;
    };
    // Precondition: oldest() <= seq <= head().
    const entry& at(std::uint64_t seq) const noexcept { return entries_[seq & mask_]; }

    // Bytes (all / critical only) of seqs [from, head()].
    std::uint64_t bytes_from(std::uint64_t from) const noexcept;
    std::uint64_t critical_bytes_from(std::uint64_t from) const noexcept;

    held_pool& pool() noexcept { return pool_; }
    ring& source() noexcept { return ring_; }

  private:
    void store(std::uint64_t seq, frame* f);

    ring& ring_;
    held_pool& pool_;
    const std::uint64_t mask_;
    std::vector<entry> entries_;
    std::uint64_t head_ = 0;
    std::uint64_t oldest_ = 1;
    std::uint64_t all_total_ = 0;  // bytes of every frame up to head_
    std::uint64_t crit_total_ = 0;
};

}  // namespace liveroom::fanout
