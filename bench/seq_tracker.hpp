#pragma once

// Per-viewer room-event sequence checking. Room events carry "seq", increasing by exactly
// one. A jump is a gap (loss) unless the server announced it with the extension message
// {"type":"skipped","from":a,"to":b}: droppable events among a..b were deliberately not
// sent to this slow viewer. The announcement may come before or right after the jump.

#include <algorithm>
#include <cstdint>

namespace liveroom::bench {

class seq_tracker {
  public:
    // The welcome's "seq" is the last event before this connection: the next is seq + 1.
    void on_welcome(std::int64_t seq) {
        if (next_ < 0) {
            next_ = seq + 1;
        }
    }

    // A welcome without resume (a snapshot) after a reconnect: the sequence starts again
    // after `seq`; what was missed while away is not a gap.
    void rebase(std::int64_t seq) {
        next_ = seq + 1;
        open_gap_from_ = -1;
    }

    // The last seq seen (or the welcome's), -1 before any: what a reconnect sends as `since`.
    std::int64_t last_seen() const { return next_ - 1 < 0 ? -1 : next_ - 1; }

    // A room event; `in_window` says whether it arrived after the warm-up.
    void on_event(std::int64_t seq, bool in_window) {
        ++events_;
        if (in_window) {
            if (first_in_window_ < 0) {
                first_in_window_ = seq;
            }
            last_in_window_ = std::max(last_in_window_, seq);
        }
        if (next_ < 0) {
            next_ = seq + 1;
            return;
        }
        if (seq < next_) {
            ++duplicates_;
            return;
        }
        if (seq > next_) {
            const std::int64_t from = next_;
            const std::int64_t to = seq - 1;
            if (covered(from, to)) {
                skipped_jumps_ += 1;
            } else {
                ++gaps_;
                missing_ += static_cast<std::uint64_t>(to - from + 1);
                open_gap_from_ = from;
                open_gap_to_ = to;
            }
        }
        next_ = seq + 1;
    }

    // The server says droppable events among from..to (inclusive) were not sent.
    void on_skipped(std::int64_t from, std::int64_t to) {
        if (to < from) {
            return;
        }
        ++skipped_messages_;
        skipped_span_ += static_cast<std::uint64_t>(to - from + 1);
        if (skip_to_ >= 0 && from <= skip_to_ + 1) {
            skip_from_ = std::min(skip_from_, from);
            skip_to_ = std::max(skip_to_, to);
        } else {
            skip_from_ = from;
            skip_to_ = to;
        }
        // The jump we just saw was announced after the fact: it was not a loss.
        if (open_gap_from_ >= 0 && from <= open_gap_from_ && open_gap_to_ <= to) {
            --gaps_;
            missing_ -= static_cast<std::uint64_t>(open_gap_to_ - open_gap_from_ + 1);
            skipped_jumps_ += 1;
            open_gap_from_ = -1;
        }
    }

    std::uint64_t events() const { return events_; }
    std::uint64_t gaps() const { return gaps_; }
    std::uint64_t missing() const { return missing_; }
    std::uint64_t duplicates() const { return duplicates_; }
    std::uint64_t skipped_messages() const { return skipped_messages_; }
    std::uint64_t skipped_span() const { return skipped_span_; }
    std::uint64_t skipped_jumps() const { return skipped_jumps_; }
    std::int64_t first_in_window() const { return first_in_window_; }  // -1: none
    std::int64_t last_in_window() const { return last_in_window_; }    // -1: none

  private:
    bool covered(std::int64_t from, std::int64_t to) const {
        return skip_to_ >= 0 && skip_from_ <= from && to <= skip_to_;
    }

    std::int64_t next_ = -1;
    std::int64_t skip_from_ = -1;
    std::int64_t skip_to_ = -1;
    std::int64_t open_gap_from_ = -1;
    std::int64_t open_gap_to_ = -1;
    std::int64_t first_in_window_ = -1;
    std::int64_t last_in_window_ = -1;
    std::uint64_t events_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t missing_ = 0;
    std::uint64_t duplicates_ = 0;
    std::uint64_t skipped_messages_ = 0;
    std::uint64_t skipped_span_ = 0;
    std::uint64_t skipped_jumps_ = 0;
};

}  // namespace liveroom::bench
