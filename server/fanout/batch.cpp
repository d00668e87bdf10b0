#include "server/fanout/batch.hpp"

#include <array>
#include <charconv>

namespace liveroom::fanout {

namespace {
constexpr std::string_view newline = "\n";
constexpr std::size_t max_keys = 256;
}  // namespace

void batch::add(std::string_view s, bool newline_follows) {
    if (!bufs().empty()) {
        if (newline_follows_) {
            // The last buffer is a frame, whose '\n' follows it in memory.
            auto& last = bufs().back();
            last = boost::asio::const_buffer(last.data(), last.size() + 1);
        } else {
            bufs().emplace_back(newline.data(), newline.size());
        }
        bytes_ += 1;
    }
    bufs().emplace_back(s.data(), s.size());
    bytes_ += s.size();
    newline_follows_ = newline_follows;
}

batch::result batch::gather(feed* fp, std::uint64_t& cursor, std::string_view outbox, const batch_limits& limits) {
    const result r = fill(fp, cursor, outbox, limits);
    if (r != result::ready && fp != nullptr) {
        fp->pool().give_lists(lists_);  // nothing to write: an idle session holds no lists
    }
    return r;
}

batch::result batch::fill(feed* fp, std::uint64_t& cursor, std::string_view outbox, const batch_limits& limits) {
    if (fp != nullptr && lists_.bufs.capacity() == 0) {
        fp->pool().take_lists(lists_);
    }
    bufs().clear();
    lists_.pinned.clear();
    bytes_ = 0;
    newline_follows_ = false;
    stats_ = {};
    if (fp == nullptr) {
        if (!outbox.empty()) {
            add(outbox);
        }
        return bufs().empty() ? result::empty : result::ready;
    }
    feed& f = *fp;
    const std::uint64_t head = f.head();
    if (cursor <= head && cursor < f.oldest()) {
        return result::resync;  // what it needs is no longer held here
    }
    if (!outbox.empty()) {
        add(outbox);
    }
    if (cursor > head) {
        return bufs().empty() ? result::empty : result::ready;
    }
    if (f.critical_bytes_from(cursor) > limits.hard_lag_bytes) {
        return result::resync;
    }
    const bool dropping = f.bytes_from(cursor) > limits.soft_lag_bytes;

    // While dropping, a `latest` frame is kept only if it is the newest of
    // its key in the window: find those newest seqs (once per write).
    std::array<std::uint64_t, max_keys> newest{};
    if (dropping) {
        for (std::uint64_t s = head; s >= cursor; --s) {
            const auto& e = f.at(s);
            if (e.cls == frame_class::latest && newest[e.key] == 0) {
                newest[e.key] = s;
            }
        }
    }

    // While dropping, reserve the marker's place before the first frame so the
    // client learns the gap is deliberate before it sees the jump.
    std::size_t marker_at = 0;
    if (dropping) {
        add(std::string_view{});
        marker_at = bufs().size() - 1;
    }
    std::uint64_t first_skipped = 0;
    std::uint64_t s = cursor;
    for (; s <= head && bytes_ < limits.max_batch_bytes; ++s) {
        const auto& e = f.at(s);
        if (e.h == nullptr) {
            release_pins();
            return result::resync;  // a hole: this worker was lapped
        }
        if (dropping && e.cls != frame_class::critical && !(e.cls == frame_class::latest && newest[e.key] == s)) {
            if (first_skipped == 0) {
                first_skipped = s;
            }
            ++stats_.skipped;
            continue;
        }
        if (e.cls == frame_class::critical && e.key == mark_key) {
            stats_.marked = true;
        }
        ++e.h->refs;  // pinned until release()
        lists_.pinned.push_back(e.h);
        add(e.h->f->bytes(), true);
        ++stats_.frames;
    }
    if (dropping) {
        if (first_skipped != 0) {
            // {"type":"skipped","from":a,"to":b}: droppable events in a..b
            // that this message lacks were skipped on purpose.
            marker_.assign(R"({"type":"skipped","from":)");
            char num[24];
            auto r = std::to_chars(num, num + sizeof num, first_skipped);
            marker_.append(num, r.ptr);
            marker_.append(R"(,"to":)");
            r = std::to_chars(num, num + sizeof num, s - 1);
            marker_.append(num, r.ptr);
            marker_.push_back('}');
            bufs()[marker_at] = boost::asio::const_buffer(marker_.data(), marker_.size());
            bytes_ += marker_.size();
        } else {
            // Nothing skipped: drop the placeholder and one separator beside it.
            const auto at = bufs().begin() + static_cast<std::ptrdiff_t>(marker_at);
            if (marker_at > 0) {
                bufs().erase(at - 1, at + 1);
                bytes_ -= 1;
            } else if (bufs().size() > 1) {
                bufs().erase(at, at + 2);
                bytes_ -= 1;
            } else {
                bufs().clear();
            }
        }
    }
    cursor = s;
    return bufs().empty() ? result::empty : result::ready;
}

void batch::release(held_pool& pool) noexcept {
    for (held* h : lists_.pinned) {
        pool.unref(h);
    }
    pool.give_lists(lists_);
}

void batch::release_pins() noexcept {
    for (held* h : lists_.pinned) {
        --h->refs;  // never the last reference: the feed window still holds it
    }
    lists_.pinned.clear();
    bufs().clear();
}

}  // namespace liveroom::fanout
