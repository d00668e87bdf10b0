#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "protocol/model.hpp"
#include "server/room/similarity.hpp"

namespace liveroom::room {

// The room's questions: their votes (one per viewer), status and answers,
// which ones changed since the last broadcast, and a similarity index for
// grouping duplicates and finding earlier answers.
class question_book {
  public:
    struct entry {
        protocol::question q;
        std::string author_id;  // kept even when the question is anonymous
        std::unordered_set<std::string> voters;
    };

    entry& add(std::string id, std::string text, protocol::author by, bool anonymous, bool held, std::int64_t ts);
    entry* find(const std::string& id);
    const entry* find(const std::string& id) const;

    // Toggles `voter`'s vote; returns true when the vote is now cast.
    bool toggle_vote(entry& e, const std::string& voter);

    // Merges `from` into `into`: votes united (a viewer who voted for both
    // counts once), `from` becomes merged.
    void merge(entry& from, entry& into);

    void set_status(entry& e, protocol::question_status s);

    // The question being answered now, if any.
    entry* answering();

    // Every question, in ask order (held, dismissed and merged included).
    std::vector<const entry*> all() const;
    // Visible ones (visible, answering, answered) by votes, then time.
    std::vector<const entry*> visible_sorted() const;
    std::vector<const entry*> held() const;

    // Similar open questions (for moderators' one-click merge) and the most
    // similar answered one (shown to the asker at once).
    std::vector<similarity_index::match> similar_open(const std::string& text, const std::string& exclude) const;
    const entry* similar_answered(const std::string& text) const;

    // Questions whose votes changed since the last call (coalescing).
    void mark_dirty(const std::string& id) { dirty_.insert(id); }
    void clear_dirty(const std::string& id) { dirty_.erase(id); }
    std::vector<std::string> take_dirty();

    std::size_t size() const noexcept { return order_.size(); }
    std::size_t answered_count() const noexcept { return answered_; }
    // Open (visible or answering) questions, and those with >= min_votes.
    std::size_t open_count(int min_votes = 0) const;

    static constexpr double similar_threshold = 0.5;

  private:
    std::unordered_map<std::string, entry> by_id_;
    std::vector<std::string> order_;  // ask order
    std::unordered_set<std::string> dirty_;
    similarity_index open_index_;
    similarity_index answered_index_;
    std::size_t answered_ = 0;
};

}  // namespace liveroom::room
