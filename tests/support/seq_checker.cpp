#include "tests/support/seq_checker.hpp"

#include <algorithm>

namespace liveroom::test {

void seq_checker::start(std::uint64_t welcome_seq) {
    started_ = true;
    last_ = welcome_seq;
    announced_.clear();
}

bool seq_checker::on_event(std::uint64_t seq) {
    if (!started_) {
        problem("room event seq " + std::to_string(seq) + " before any welcome");
        ++gaps_;
        started_ = true;
        last_ = seq;
        ++events_;
        return false;
    }
    ++events_;
    if (seq <= last_) {
        ++backwards_;
        problem("out of order: seq " + std::to_string(seq) + " after " + std::to_string(last_));
        return false;
    }
    bool in_order = true;
    if (seq != last_ + 1) {
        if (covered(last_ + 1, seq - 1)) {
            skipped_seqs_ += seq - 1 - last_;
        } else {
            ++gaps_;
            in_order = false;
            problem("gap: expected seq " + std::to_string(last_ + 1) + ", got " + std::to_string(seq) +
                    " with no skipped marker covering it");
        }
    }
    last_ = seq;
    std::erase_if(announced_, [this](const range& r) { return r.to <= last_; });
    return in_order;
}

void seq_checker::on_skipped(std::uint64_t from, std::uint64_t to) {
    ++skipped_markers_;
    if (from > to) {
        problem("skipped marker with from " + std::to_string(from) + " > to " + std::to_string(to));
        return;
    }
    announced_.push_back({from, to});
}

bool seq_checker::covered(std::uint64_t from, std::uint64_t to) const {
    std::uint64_t pos = from;
    while (pos <= to) {
        auto it = std::find_if(announced_.begin(), announced_.end(),
                               [pos](const range& r) { return r.from <= pos && pos <= r.to; });
        if (it == announced_.end()) {
            return false;
        }
        pos = it->to + 1;
    }
    return true;
}

void seq_checker::problem(std::string text) {
    if (first_problem_.empty()) {
        first_problem_ = std::move(text);
    }
}

}  // namespace liveroom::test
