#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/messages.hpp"
#include "protocol/model.hpp"

namespace liveroom::room {

// One viewer's answer to a quiz.
struct quiz_answer_record {
    std::string user;
    std::string name;
    std::uint8_t choice = 0;  // bit i: option i chosen
    bool correct = false;
    std::int64_t elapsed_ms = 0;  // since quiz.open reached the viewer's connection
    std::int64_t points = 0;
    std::int64_t at = 0;
};

struct quiz {
    protocol::quiz_public pub;  // never carries the correct answer
    std::vector<int> correct;
    std::uint8_t correct_mask = 0;
    int seconds = 30;  // 0: untimed, closes on the host's word
    protocol::req::scoring mode = protocol::req::scoring::accuracy;
    std::string seed;  // revealed by a draw
    std::int64_t opened_at = 0;
    std::int64_t closed_at = 0;  // 0 while open
    std::vector<std::int64_t> counts;
    std::int64_t total = 0;
    std::int64_t correct_count = 0;
    std::unordered_map<std::string, std::size_t> by_user;  // index into answers
    std::vector<quiz_answer_record> answers;               // in arrival order
    std::uint32_t draws = 0;                               // draws made with its seed
    bool tally_dirty = false;

    bool open() const noexcept { return closed_at == 0; }
};

struct draw_record {
    std::string id;
    std::optional<std::string> quiz_id;  // nullopt: among everyone who answered any quiz
    std::string seed;
    std::string seed_hash;
    std::uint32_t round = 0;
    std::size_t count = 0;
    std::vector<std::string> eligible;  // sorted, as the draw used them
    std::vector<protocol::author> winners;
    std::int64_t at = 0;
};

struct rank_entry {
    std::string user;
    std::string name;
    std::int64_t score = 0;
    std::int64_t elapsed_ms = 0;  // of the right answers: the tie-break (less is better)
    std::int64_t right = 0;
};

// The room's quizzes, their answers, the evening's leaderboard and draws.
// Pure state (the room applies the rules and emits the events).
class quiz_book {
  public:
    quiz* current() noexcept;  // the open quiz, if any
    quiz* find(const std::string& id) noexcept;
    const std::vector<quiz>& all() const noexcept { return quizzes_; }

    quiz& open(std::string id, const protocol::req::quiz_open& r, std::string seed, std::int64_t now);

    enum class verdict { ok, duplicate, bad_choice };
    // Records `user`'s answer (one per user per quiz).
    verdict answer(quiz& q,
                   const protocol::author& who,
                   const std::vector<int>& choice,
                   bool as_list,
                   std::int64_t elapsed_ms,
                   std::int64_t now);

    // Closes `q` and adds its points to the leaderboard.
    void close(quiz& q, std::int64_t now);

    // The leaderboard, best first (score, then less time, then user id).
    const std::vector<rank_entry>& ranking() const noexcept { return ranking_; }
    // 1-based rank of `user` (0: not ranked).
    std::size_t rank_of(const std::string& user) const;

    // Draws among the eligible: the right answerers of `quiz_id` (closed),
    // or everyone who answered any quiz (with the newest quiz's seed).
    draw_record& draw(std::string id, const quiz* q, std::size_t count, std::int64_t now);
    const std::vector<draw_record>& draws() const noexcept { return draws_; }
    const draw_record* find_draw(const std::string& id) const;

  private:
    std::vector<quiz> quizzes_;
    std::vector<draw_record> draws_;
    std::unordered_map<std::string, rank_entry> scores_;
    std::vector<rank_entry> ranking_;
    std::unordered_map<std::string, std::size_t> rank_index_;
};

}  // namespace liveroom::room
