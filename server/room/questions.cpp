#include "server/room/questions.hpp"

#include <algorithm>

namespace liveroom::room {

using protocol::question_status;

namespace {
bool is_open(question_status s) {
    return s == question_status::visible || s == question_status::answering;
}
}  // namespace

question_book::entry& question_book::add(
    std::string id, std::string text, protocol::author by, bool anonymous, bool held, std::int64_t ts) {
    entry e;
    e.author_id = by.id;
    e.q.id = id;
    e.q.text = std::move(text);
    e.q.by = anonymous ? protocol::author{"", ""} : std::move(by);
    e.q.status = held ? question_status::held : question_status::visible;
    e.q.ts = ts;
    order_.push_back(id);
    auto& slot = by_id_[id];
    slot = std::move(e);
    if (!held) {
        open_index_.add(id, slot.q.text);
    }
    return slot;
}

question_book::entry* question_book::find(const std::string& id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

const question_book::entry* question_book::find(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second;
}

bool question_book::toggle_vote(entry& e, const std::string& voter) {
    bool cast = false;
    if (e.voters.erase(voter) == 0) {
        e.voters.insert(voter);
        cast = true;
    }
    e.q.votes = static_cast<int>(e.voters.size());
    mark_dirty(e.q.id);
    return cast;
}

void question_book::merge(entry& from, entry& into) {
    for (const auto& v : from.voters) {
        into.voters.insert(v);
    }
    into.q.votes = static_cast<int>(into.voters.size());
    from.q.into = into.q.id;
    set_status(from, question_status::merged);
}

void question_book::set_status(entry& e, question_status s) {
    const question_status before = e.q.status;
    if (before == s) {
        return;
    }
    if (before == question_status::answered) {
        --answered_;
        answered_index_.remove(e.q.id);
    }
    e.q.status = s;
    if (s == question_status::answered) {
        ++answered_;
        answered_index_.add(e.q.id, e.q.text);
    }
    if (is_open(s)) {
        open_index_.add(e.q.id, e.q.text);
    } else {
        open_index_.remove(e.q.id);
    }
}

question_book::entry* question_book::answering() {
    for (auto& [id, e] : by_id_) {
        if (e.q.status == question_status::answering) {
            return &e;
        }
    }
    return nullptr;
}

std::vector<const question_book::entry*> question_book::all() const {
    std::vector<const entry*> out;
    out.reserve(order_.size());
    for (const auto& id : order_) {
        out.push_back(&by_id_.at(id));
    }
    return out;
}

std::vector<const question_book::entry*> question_book::visible_sorted() const {
    std::vector<const entry*> out;
    for (const auto& id : order_) {
        const entry& e = by_id_.at(id);
        if (is_open(e.q.status) || e.q.status == question_status::answered) {
            out.push_back(&e);
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const entry* a, const entry* b) {
        return a->q.votes != b->q.votes ? a->q.votes > b->q.votes : a->q.ts < b->q.ts;
    });
    return out;
}

std::vector<const question_book::entry*> question_book::held() const {
    std::vector<const entry*> out;
    for (const auto& id : order_) {
        const entry& e = by_id_.at(id);
        if (e.q.status == question_status::held) {
            out.push_back(&e);
        }
    }
    return out;
}

std::vector<similarity_index::match> question_book::similar_open(const std::string& text,
                                                                 const std::string& exclude) const {
    return open_index_.query(text, similar_threshold, 5, exclude);
}

const question_book::entry* question_book::similar_answered(const std::string& text) const {
    auto m = answered_index_.query(text, similar_threshold, 1);
    return m.empty() ? nullptr : find(m.front().id);
}

std::vector<std::string> question_book::take_dirty() {
    std::vector<std::string> out(dirty_.begin(), dirty_.end());
    dirty_.clear();
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t question_book::open_count(int min_votes) const {
    std::size_t n = 0;
    for (const auto& [id, e] : by_id_) {
        if (is_open(e.q.status) && e.q.votes >= min_votes) {
            ++n;
        }
    }
    return n;
}

}  // namespace liveroom::room
