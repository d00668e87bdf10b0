#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/decode.hpp"
#include "protocol/encode.hpp"
#include "protocol/model.hpp"
#include "server/fanout/frame.hpp"
#include "server/room/comments.hpp"
#include "server/room/questions.hpp"
#include "server/room/quizzes.hpp"
#include "server/room/word_filter.hpp"

namespace liveroom::room {

// Who is making a request.
struct actor {
    std::string id;
    std::string name;
    protocol::role role = protocol::role::viewer;
    std::string resume_token;  // guests: a viewer token for their own id, sent in the welcome
};

struct segment {
    std::string title;
    std::string presenter;
};

// What a room is created with (REST or --demo).
struct room_spec {
    std::string id;
    std::string title;
    std::int64_t starts_at = 0;
    std::int64_t ends_at = 0;
    bool allow_guests = true;
    std::vector<segment> segments;
    std::vector<protocol::card> cards;
    // Quizzes prepared before the live, opened by id (`quiz.open {deck}`).
    std::vector<std::pair<std::string, protocol::req::quiz_open>> quizzes;
};

// Where the room's events go: the runner assigns seq, encodes once and
// publishes; tests collect them. `write` adds the event's own fields after
// "type", "seq" and "ts".
class event_sink {
  public:
    virtual ~event_sink() = default;
    virtual void emit(std::string_view type,
                      fanout::frame_class cls,
                      std::uint8_t key,
                      const std::function<void(protocol::json_out&)>& write) = 0;
    // A `mod.*` event: to the room's moderators and hosts only, no seq.
    virtual void emit_mod(std::string_view type, const std::function<void(protocol::json_out&)>& write) = 0;
    // A viewer was banned: their connections to the room close (1008).
    virtual void banned(std::string_view user) { (void)user; }
};

// Keys of `latest` frames (only the newest of a key matters to a slow viewer).
inline constexpr std::uint8_t presence_key = 1;
inline constexpr std::uint8_t tally_key = 2;
inline constexpr std::uint8_t leaderboard_key = 3;
// The key of `quiz.open` frames (critical): a connection notes when one was
// written to it, to time its viewer's answer from there.
inline constexpr std::uint8_t quiz_open_key = fanout::mark_key;
inline constexpr std::uint8_t moderation_key = 5;

// Inputs of a request that come from the server, not the client. They are
// recorded with the command, so a replay applies it identically.
struct server_inputs {
    std::string seed;              // quiz.open: 32 fresh random bytes, hex
    std::int64_t elapsed_ms = -1;  // quiz.answer: since quiz.open reached the connection (-1: unknown)
    // Replaying the log: what the live run recorded for this command
    // (reply::record), to be applied as decided then, not decided again.
    bool replaying = false;
    std::string recorded;
};

// Counters a room keeps on its owner thread (the ones updated from any
// thread live in hub::room_counters).
struct room_stats {
    std::uint64_t questions = 0;  // asked
    std::uint64_t comments = 0;   // published
    std::int64_t first_answer_at = 0;
};

// Questions with at least this many votes count in the backlog estimate.
inline constexpr int backlog_vote_threshold = 3;

// The outcome of a request for the requester: an ack (with extra fields
// written by `ack_fields`) or an error.
struct reply {
    bool ok = true;
    protocol::errc code = protocol::errc::bad_request;
    std::string message;
    std::function<void(protocol::json_out&)> ack_fields;  // may be empty
    // What the room decided from inputs a replay would not have (a seed, an
    // answer's time, a comment's fate under filters and the budget): stored
    // with the command and handed back as server_inputs::recorded.
    std::string record;
};

// SHA-256 (hex) of sorted user ids joined by '\n': how a draw's published
// eligible list is checked against its result.
std::string eligible_digest(const std::vector<std::string>& sorted_ids);

// The live room's state and rules. Pure: no I/O, no threads; time is an
// argument. Owned and driven by one thread (hub/room_runner).
class room {
  public:
    explicit room(room_spec spec, comment_policy policy = {});

    const room_spec& spec() const noexcept { return spec_; }
    const std::string& id() const noexcept { return spec_.id; }
    protocol::room_status status() const noexcept { return status_; }
    std::int64_t ends_at() const noexcept { return ends_at_; }

    // Applies a non-hello request from `who` at time `now`.
    reply apply(const actor& who,
                const protocol::request_body& body,
                std::int64_t now,
                event_sink& sink,
                const server_inputs& in = {});

    // Writes the welcome's `state` object (snapshot) as the value of a key
    // already written. Moderators also get `mod` (held questions, backlog).
    void write_state(protocol::json_out& j, const protocol::presence& p, bool moderator, std::int64_t now) const;

    // Every question (held, dismissed and merged too), in ask order, with
    // its author's id even when anonymous: for the export.
    struct question_record {
        protocol::question q;
        std::string author_id;
    };
    std::vector<question_record> question_records() const;

    // Writes the moderators' backlog estimate as an object.
    void write_backlog(protocol::json_out& j, std::int64_t now) const;

    const room_stats& stats() const noexcept { return stats_; }
    const quiz_book& quizzes() const noexcept { return quizzes_; }
    bool quiz_open() const noexcept { return const_cast<quiz_book&>(quizzes_).current() != nullptr; }
    const question_book& questions() const noexcept { return questions_; }

    // Starts the room if it is scheduled and its start time has come, and
    // publishes the vote changes gathered since the last tick (coalescing).
    void on_tick(std::int64_t now, event_sink& sink);

    // A member joined (recorded, so shield mode knows newcomers on replay too).
    void on_join(const actor& who, std::int64_t now);
    bool is_banned(const std::string& user) const { return banned_.count(user) != 0; }

  private:
    reply show_card(const protocol::req::card_show& r, event_sink& sink);
    reply set_notice(const protocol::req::notice_set& r, event_sink& sink);
    reply add_comment(
        const actor& who, const protocol::req::comment& r, const server_inputs& in, std::int64_t now, event_sink& sink);
    reply comment_action(const protocol::req::comment_action& r, std::int64_t now, event_sink& sink);
    reply mute(const protocol::req::user_mute& r, std::int64_t now, event_sink& sink);
    reply ban(const protocol::req::user_ban& r, event_sink& sink);
    reply unmute(const protocol::req::user_unmute& r, std::int64_t now);
    reply unban(const protocol::req::user_unban& r, event_sink& sink);
    reply user_comments(const protocol::req::user_comments& r);
    // Ban, mute and shield checks shared by comments and questions.
    std::optional<reply> check_speaker(const actor& who, std::int64_t now);
    bool shield_holds(const actor& who, std::int64_t now) const;
    void set_shield(int minutes, std::int64_t now);
    // `key`: the comment's repeat key when the caller has it already.
    void publish_comment(stored_comment& sc, std::int64_t now, event_sink& sink, std::string_view key = {});
    void emit_moderation_counts(event_sink& sink);
    void write_moderation_counts(protocol::json_out& j) const;
    void flush_quiet(event_sink& sink);
    // Forgets viewers idle for long (bounded memory over a long soak).
    void sweep_viewers(std::int64_t now);
    reply start(std::string_view reason, event_sink& sink);
    reply extend(const protocol::req::room_extend& r, event_sink& sink);
    reply end(event_sink& sink);
    void emit_status(std::string_view reason, event_sink& sink);
    reply ask(
        const actor& who, const protocol::req::ask& r, const server_inputs& in, std::int64_t now, event_sink& sink);
    reply vote(const actor& who, const protocol::req::vote& r, event_sink& sink);
    reply question_action(const actor& who,
                          const protocol::req::question_action& r,
                          std::int64_t now,
                          event_sink& sink);
    reply merge(const protocol::req::question_merge& r, event_sink& sink);
    reply set_mode(const protocol::req::room_mode& r, std::int64_t now, event_sink& sink);
    void rebuild_filter();
    reply open_quiz(const protocol::req::quiz_open& r, const server_inputs& in, std::int64_t now, event_sink& sink);
    reply close_quiz(const protocol::req::quiz_close& r, std::int64_t now, event_sink& sink);
    reply answer_quiz(const actor& who,
                      const protocol::req::quiz_answer& r,
                      const server_inputs& in,
                      std::int64_t now,
                      event_sink& sink);
    reply draw(const protocol::req::draw& r, std::int64_t now, event_sink& sink);
    reply rank(const actor& who) const;
    void finish_quiz(quiz& q, std::int64_t now, event_sink& sink);
    void emit_tally(const quiz& q, event_sink& sink);
    void write_leaderboard(protocol::json_out& j) const;
    void write_quiz_close(protocol::json_out& j, const quiz& q) const;
    static constexpr std::size_t leaderboard_size = 10;
    void write_mode(protocol::json_out& j) const;
    void emit_question(const question_book::entry& e, event_sink& sink);
    void emit_mod_question(const question_book::entry& e, event_sink& sink);
    const protocol::card* deck_card(const std::string& id) const;

    room_spec spec_;
    protocol::room_status status_ = protocol::room_status::scheduled;
    std::int64_t ends_at_ = 0;
    std::optional<protocol::card> card_;
    std::string notice_;
    std::deque<protocol::comment> recent_comments_;
    comment_policy policy_;
    comment_store comments_;
    std::unordered_map<std::string, viewer_record> viewers_;
    std::unordered_set<std::string> banned_;
    word_filter filter_;
    std::unordered_map<std::string, repeat_entry> repeats_;  // by folded text
    std::int64_t budget_second_ = 0;
    int budget_used_ = 0;
    int offered_now_ = 0;
    int offered_prev_ = 0;
    moderation_counts counts_;
    moderation_counts counts_sent_;
    std::vector<std::string> quiet_;  // quiet comment ids for the next mod.comments
    struct saved_mode {
        int slow_seconds = 0;
        bool hold_comments = false;
        bool hold_questions = false;
    };
    std::optional<saved_mode> shield_saved_;
    std::int64_t last_sweep_ = 0;
    int shield_minutes_ = 0;
    std::uint64_t next_id_ = 1;
    question_book questions_;
    quiz_book quizzes_;
    room_stats stats_;
    bool hold_questions_ = false;
    struct mode {
        int slow_seconds = 0;
        bool hold_comments = false;
        std::vector<protocol::req::blocked_word> blocked_words;  // enforced with the comment pipeline
    } mode_;
};

}  // namespace liveroom::room
