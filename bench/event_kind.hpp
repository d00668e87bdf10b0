#pragma once

// The room event kinds a scenario measures, and the request kinds it sends, with their
// wire names. `question` is a question seen for the first time; later changes of the same
// question (votes, status) are `question.update`.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace liveroom::bench {

enum class event_kind : std::uint8_t {
    notice,
    card,
    comment,
    comment_removed,
    question,
    question_update,
    room_status,
    presence,
    quiz_open,
    quiz_tally,
    quiz_close,
    draw_result,
    other,
};
inline constexpr std::size_t event_kind_count = 13;

inline constexpr std::string_view event_kind_names[event_kind_count] = {
    "notice",   "card",      "comment",    "comment.removed", "question",    "question.update", "room.status",
    "presence", "quiz.open", "quiz.tally", "quiz.close",      "draw.result", "other",
};

inline const char* to_string(event_kind k) {
    return event_kind_names[static_cast<std::size_t>(k)].data();
}

// The kind of a room event by its "type" (question events are told apart by the caller).
inline event_kind event_kind_of(std::string_view type) {
    for (std::size_t i = 0; i + 1 < event_kind_count; ++i) {
        if (type == event_kind_names[i] && i != static_cast<std::size_t>(event_kind::question_update)) {
            return static_cast<event_kind>(i);
        }
    }
    return event_kind::other;
}

// Whether a kind's latency comes from a send time the bench embedded in the text
// ("t=<µs>;..."): measured from the sender's request. Otherwise it comes from the event's
// server timestamp "ts" (ms): measured from the server's emit.
inline bool latency_from_text(event_kind k) {
    return k == event_kind::notice || k == event_kind::comment || k == event_kind::question;
}

}  // namespace liveroom::bench
