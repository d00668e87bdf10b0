#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>

#include "server/fanout/feed.hpp"

namespace liveroom::fanout {

struct batch_limits {
    std::size_t max_batch_bytes = 256 * 1024;  // one write at most this (roughly)
    std::size_t soft_lag_bytes = 256 * 1024;   // past it, droppable events are skipped
    std::size_t hard_lag_bytes = 1024 * 1024;  // critical lag past it: resync
};

// Cheap view of the buffers of one write: copying it copies two pointers, so
// the write operation holding it allocates nothing.
class buffer_view {
  public:
    using value_type = boost::asio::const_buffer;
    using const_iterator = const boost::asio::const_buffer*;
    buffer_view(const_iterator b, const_iterator e) : begin_(b), end_(e) {}
    const_iterator begin() const noexcept { return begin_; }
    const_iterator end() const noexcept { return end_; }

  private:
    const_iterator begin_;
    const_iterator end_;
};

// A session's next WebSocket message: its private outbox (welcome, acks,
// errors, mod.* events) followed by the room frames it has not yet sent, as
// one '\n'-joined text message over shared, pinned frames. Reused for every
// write of the session, so steady state allocates nothing.
class batch {
  public:
    enum class result { empty, ready, resync };

    struct stats {
        std::uint64_t frames = 0;   // room frames put in the batch
        std::uint64_t skipped = 0;  // droppable/superseded frames skipped
        bool marked = false;        // a critical frame with fanout::mark_key is in the batch
    };

    // Builds the next message. `cursor` is the next seq the session needs; it
    // advances past what was batched or skipped. `outbox` must stay unchanged
    // until release(). `f` is null before the session joined a room (then only
    // the outbox is sent). Returns resync when the session fell out of the window
    // or its critical lag exceeds the hard bound.
    result gather(feed* f, std::uint64_t& cursor, std::string_view outbox, const batch_limits& limits);

    buffer_view buffers() const noexcept { return {bufs().data(), bufs().data() + bufs().size()}; }
    std::size_t bytes() const noexcept { return bytes_; }
    const stats& last() const noexcept { return stats_; }

    // After the write completed (or failed): unpins the frames and gives the
    // lists back to the pool.
    void release(held_pool& pool) noexcept;

  private:
    // Appends `s`, after a '\n' when it is not the first. `newline_follows`:
    // s is a frame's bytes, with its '\n' after them in memory (frame.hpp),
    // so the next separator extends this buffer instead of adding one.
    void add(std::string_view s, bool newline_follows = false);
    result fill(feed* f, std::uint64_t& cursor, std::string_view outbox, const batch_limits& limits);
    void release_pins() noexcept;

    std::vector<boost::asio::const_buffer>& bufs() noexcept { return lists_.bufs; }
    const std::vector<boost::asio::const_buffer>& bufs() const noexcept { return lists_.bufs; }

    batch_lists lists_;  // from the worker's pool while a write is in flight
    std::string marker_;
    std::size_t bytes_ = 0;
    bool newline_follows_ = false;  // the last buffer is a frame's bytes
    stats stats_;
};

}  // namespace liveroom::fanout
