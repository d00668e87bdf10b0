#include "server/room/quizzes.hpp"

#include <algorithm>
#include <unordered_set>

#include "server/room/draw.hpp"

namespace liveroom::room {

quiz* quiz_book::current() noexcept {
    return !quizzes_.empty() && quizzes_.back().open() ? &quizzes_.back() : nullptr;
}

quiz* quiz_book::find(const std::string& id) noexcept {
    for (auto& q : quizzes_) {
        if (q.pub.id == id) {
            return &q;
        }
    }
    return nullptr;
}

quiz& quiz_book::open(std::string id, const protocol::req::quiz_open& r, std::string seed, std::int64_t now) {
    quiz q;
    q.pub.id = std::move(id);
    q.pub.question = r.question;
    q.pub.options = r.options;
    q.pub.multi = r.correct.size() > 1;
    if (r.seconds > 0) {
        q.pub.closes_at = now + std::int64_t{r.seconds} * 1000;
    }
    q.pub.seed_hash = seed_hash(seed);
    q.correct = r.correct;
    std::sort(q.correct.begin(), q.correct.end());
    for (const int c : q.correct) {
        q.correct_mask |= static_cast<std::uint8_t>(1u << c);
    }
    q.seconds = r.seconds;
    q.mode = r.mode;
    q.seed = std::move(seed);
    q.opened_at = now;
    q.counts.assign(r.options.size(), 0);
    quizzes_.push_back(std::move(q));
    return quizzes_.back();
}

quiz_book::verdict quiz_book::answer(quiz& q,
                                     const protocol::author& who,
                                     const std::vector<int>& choice,
                                     bool as_list,
                                     std::int64_t elapsed_ms,
                                     std::int64_t now) {
    if (q.by_user.count(who.id) != 0) {
        return verdict::duplicate;
    }
    if (choice.empty() || (!q.pub.multi && choice.size() != 1) || (q.pub.multi && !as_list && choice.size() != 1)) {
        return verdict::bad_choice;
    }
    std::uint8_t mask = 0;
    for (const int c : choice) {
        if (c < 0 || static_cast<std::size_t>(c) >= q.pub.options.size() || (mask & (1u << c)) != 0) {
            return verdict::bad_choice;
        }
        mask |= static_cast<std::uint8_t>(1u << c);
    }
    quiz_answer_record a;
    a.user = who.id;
    a.name = who.name;
    a.choice = mask;
    a.correct = mask == q.correct_mask;
    a.elapsed_ms = elapsed_ms >= 0 ? elapsed_ms : now - q.opened_at;
    a.at = now;
    if (a.correct) {
        if (q.mode == protocol::req::scoring::speed && q.seconds > 0) {
            // Speed-weighted: 500 points for being right, up to 500 more for
            // answering fast: 500 * (1 - elapsed / limit), never below 0.
            const double limit = q.seconds * 1000.0;
            const double fast = std::max(0.0, 1.0 - static_cast<double>(a.elapsed_ms) / limit);
            a.points = 500 + static_cast<std::int64_t>(500.0 * fast + 0.5);
        } else {
            a.points = 1000;
        }
        ++q.correct_count;
    }
    for (std::size_t i = 0; i < q.counts.size(); ++i) {
        if ((mask & (1u << i)) != 0) {
            ++q.counts[i];
        }
    }
    ++q.total;
    q.tally_dirty = true;
    q.by_user.emplace(who.id, q.answers.size());
    q.answers.push_back(std::move(a));
    return verdict::ok;
}

void quiz_book::close(quiz& q, std::int64_t now) {
    q.closed_at = now;
    for (const auto& a : q.answers) {
        auto& e = scores_[a.user];
        e.user = a.user;
        e.name = a.name;
        if (a.correct) {
            e.score += a.points;
            e.elapsed_ms += a.elapsed_ms;
            ++e.right;
        }
    }
    ranking_.clear();
    ranking_.reserve(scores_.size());
    for (const auto& [user, e] : scores_) {
        ranking_.push_back(e);
    }
    std::sort(ranking_.begin(), ranking_.end(), [](const rank_entry& a, const rank_entry& b) {
        if (a.score != b.score) {
            return a.score > b.score;
        }
        if (a.elapsed_ms != b.elapsed_ms) {
            return a.elapsed_ms < b.elapsed_ms;
        }
        return a.user < b.user;
    });
    rank_index_.clear();
    for (std::size_t i = 0; i < ranking_.size(); ++i) {
        rank_index_.emplace(ranking_[i].user, i + 1);
    }
}

std::size_t quiz_book::rank_of(const std::string& user) const {
    auto it = rank_index_.find(user);
    return it == rank_index_.end() ? 0 : it->second;
}

draw_record& quiz_book::draw(std::string id, const quiz* q, std::size_t count, std::int64_t now) {
    draw_record d;
    d.id = std::move(id);
    d.count = count;
    d.at = now;
    std::unordered_map<std::string, std::string> names;
    quiz* seed_of = nullptr;
    if (q != nullptr) {
        d.quiz_id = q->pub.id;
        for (const auto& a : q->answers) {
            if (a.correct) {
                d.eligible.push_back(a.user);
                names.emplace(a.user, a.name);
            }
        }
        seed_of = find(q->pub.id);
    } else {
        std::unordered_set<std::string> seen;
        for (const auto& qz : quizzes_) {
            for (const auto& a : qz.answers) {
                if (seen.insert(a.user).second) {
                    d.eligible.push_back(a.user);
                    names.emplace(a.user, a.name);
                }
            }
        }
        seed_of = &quizzes_.back();
    }
    d.seed = seed_of->seed;
    d.seed_hash = seed_of->pub.seed_hash;
    d.round = seed_of->draws++;
    std::sort(d.eligible.begin(), d.eligible.end());
    for (auto& w : draw_winners(d.seed, d.round, d.eligible, count)) {
        d.winners.push_back({w, names[w]});
    }
    draws_.push_back(std::move(d));
    return draws_.back();
}

const draw_record* quiz_book::find_draw(const std::string& id) const {
    for (const auto& d : draws_) {
        if (d.id == id) {
            return &d;
        }
    }
    return nullptr;
}

}  // namespace liveroom::room
