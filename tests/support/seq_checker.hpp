#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace liveroom::test {

// Follows one connection's room-event seq stream against the contract: after
// a welcome with seq W the next room event has seq W+1, then +1 each time.
// The only allowed hole is one announced beforehand by the extension message
// {"type":"skipped","from":a,"to":b} (droppable events among a..b were not
// sent); any other hole is a silent gap.
class seq_checker {
  public:
    // (Re)starts after a welcome whose "seq" is `welcome_seq`.
    void start(std::uint64_t welcome_seq);
    bool started() const noexcept { return started_; }

    // Returns true when `seq` is in order (next, or after an announced hole).
    bool on_event(std::uint64_t seq);
    void on_skipped(std::uint64_t from, std::uint64_t to);

    std::uint64_t last() const noexcept { return last_; }
    std::uint64_t events() const noexcept { return events_; }
    std::uint64_t gaps() const noexcept { return gaps_; }            // unannounced holes
    std::uint64_t backwards() const noexcept { return backwards_; }  // seq <= last: duplicate or reordered
    std::uint64_t skipped_markers() const noexcept { return skipped_markers_; }
    std::uint64_t skipped_seqs() const noexcept { return skipped_seqs_; }  // seqs jumped over, announced
    bool ok() const noexcept { return gaps_ == 0 && backwards_ == 0; }
    // The first problem, e.g. "gap: expected seq 17, got 20"; "" when none.
    const std::string& first_problem() const noexcept { return first_problem_; }

  private:
    struct range {
        std::uint64_t from;
        std::uint64_t to;
    };
    bool covered(std::uint64_t from, std::uint64_t to) const;
    void problem(std::string text);

    bool started_ = false;
    std::uint64_t last_ = 0;
    std::uint64_t events_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t backwards_ = 0;
    std::uint64_t skipped_markers_ = 0;
    std::uint64_t skipped_seqs_ = 0;
    std::vector<range> announced_;
    std::string first_problem_;
};

}  // namespace liveroom::test
