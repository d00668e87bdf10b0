#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/model.hpp"

namespace liveroom::protocol {

// Client → server requests, one struct per `type` of the contract.
namespace req {

struct hello {
    std::string room;
    std::optional<std::string> token;
    std::string name;
    std::optional<std::uint64_t> since;
};
struct ask {
    std::string text;
    bool anonymous = false;
};
struct vote {
    std::string qid;
};
struct comment {
    std::string text;
};
struct quiz_answer {
    std::string quiz;
    std::vector<int> choice;  // one index, or several when the quiz is multi
    bool as_list = false;     // the client sent a list
};
struct like {
    int count = 1;
};
struct ping {};
struct rank {};  // extension: the asker's place on the quiz leaderboard

struct card_show {
    std::optional<std::string> deck_id;  // a deck card by id ...
    std::optional<protocol::card> card;  // ... or a new card (no id)
};
struct notice_set {
    std::string text;
};
enum class question_verb { approve, dismiss, answering, answer };
struct question_action {
    question_verb verb;
    std::string qid;
    std::optional<std::string> answer;
    std::optional<std::string> card_id;
};
struct question_merge {
    std::string qid;
    std::string into;
};
enum class scoring { accuracy, speed };
struct quiz_open {
    std::optional<std::string> deck;  // extension: open a quiz prepared in the room's deck
    std::string question;
    std::vector<std::string> options;
    std::vector<int> correct;
    int seconds = 30;  // 0 = untimed
    scoring mode = scoring::accuracy;
};
struct quiz_close {
    std::string quiz;
};
struct draw {
    std::optional<std::string> quiz;
    int count = 1;
};
enum class comment_verb { approve, remove, pin };  // pin: extension, the comment becomes the notice
struct comment_action {
    comment_verb verb;
    std::string cid;
};
struct user_mute {
    std::string user;
    int seconds = 0;
};
struct user_ban {
    std::string user;
};
// Extensions: lift a mute or a ban; a viewer's recent comments (moderators).
struct user_unmute {
    std::string user;
};
struct user_unban {
    std::string user;
};
struct user_comments {
    std::string user;
};
enum class word_action { block, mask, hold };
struct blocked_word {
    std::string word;
    word_action action = word_action::block;
};
struct room_mode {
    std::optional<int> slow_seconds;
    std::optional<bool> hold_comments;
    std::optional<bool> hold_questions;
    std::optional<std::vector<blocked_word>> blocked_words;
    // Extension: shield mode on (minutes: who joined within them is held)
    // or off (0), restoring the settings from before it went on.
    std::optional<int> shield_minutes;
};
struct room_start {};
struct room_extend {
    int minutes = 0;
};
struct room_end {};

}  // namespace req

using request_body = std::variant<req::hello,
                                  req::ask,
                                  req::vote,
                                  req::comment,
                                  req::quiz_answer,
                                  req::like,
                                  req::ping,
                                  req::rank,
                                  req::card_show,
                                  req::notice_set,
                                  req::question_action,
                                  req::question_merge,
                                  req::quiz_open,
                                  req::quiz_close,
                                  req::draw,
                                  req::comment_action,
                                  req::user_mute,
                                  req::user_ban,
                                  req::user_unmute,
                                  req::user_unban,
                                  req::user_comments,
                                  req::room_mode,
                                  req::room_start,
                                  req::room_extend,
                                  req::room_end>;

// True for requests only moderators, hosts and admins may make.
bool is_moderator_request(const request_body& body) noexcept;

// The contract's `type` of a request, e.g. "question.answer".
std::string_view type_name(const request_body& body) noexcept;

}  // namespace liveroom::protocol
