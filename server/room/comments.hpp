#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/model.hpp"
#include "server/core/token_bucket.hpp"

namespace liveroom::room {

// How a room treats comments (from the server's settings).
struct comment_policy {
    double rate_per_s = 0.5;  // a viewer's sustained comment rate
    double burst = 5;         // and burst
    int budget_per_s = 20;    // comments broadcast per second per room
    int repeat_window_ms = 10'000;
    std::size_t snapshot_comments = 50;
    // The server's default blocked words, before the room's own list.
    std::shared_ptr<const std::vector<protocol::req::blocked_word>> default_words;
};

// What happened to an accepted comment.
enum class comment_state : std::uint8_t {
    published,  // broadcast as a `comment` event
    held,       // waiting for a moderator (hold_comments, a "hold" word, shield)
    quiet,      // stored and shown to moderators, not broadcast (over the budget)
    merged,     // a repeat of a comment published moments ago: counted as +1 there
    removed,    // taken down by a moderator
};
std::string_view to_string(comment_state s) noexcept;

struct stored_comment {
    protocol::comment c;
    std::int64_t at = 0;
    comment_state state = comment_state::published;
    std::string merged_into;  // for merged
};

// One viewer as the comment pipeline sees them.
struct viewer_record {
    core::token_bucket bucket;
    std::int64_t first_seen = 0;  // first join (shield mode holds newcomers)
    std::int64_t last_comment_at = 0;
    std::int64_t last_broadcast_at = 0;
    std::int64_t muted_until = 0;
    std::vector<std::string> recent;  // their latest comment ids (a vector: an empty deque allocates ~600 B)
};

// Public numbers about moderation (never the content).
struct moderation_counts {
    std::int64_t held = 0;
    std::int64_t removed = 0;
    std::int64_t blocked = 0;
    std::int64_t muted = 0;
    std::int64_t banned = 0;
    bool operator==(const moderation_counts&) const = default;
};

// A recent published comment that later identical ones merge into.
struct repeat_entry {
    std::string cid;
    std::int64_t at = 0;
    std::int64_t plus = 0;
    bool dirty = false;
};

// The comments a room keeps: bounded (the newest `capacity`), by id.
class comment_store {
  public:
    explicit comment_store(std::size_t capacity = 20'000) : capacity_(capacity) {}

    stored_comment& add(stored_comment c);
    stored_comment* find(const std::string& id);
    // The held ones still kept, oldest first (for a moderator's snapshot).
    std::vector<const stored_comment*> held() const;

  private:
    std::size_t capacity_;
    std::deque<stored_comment> items_;
    std::uint64_t base_ = 0;  // sequence number of items_.front()
    std::unordered_map<std::string, std::uint64_t> index_;
};

}  // namespace liveroom::room
