#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/deadline.hpp"
#include "tests/support/json.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/seq_checker.hpp"

namespace liveroom::test {

// One question as the wire shows it (a `question` event's `question`, or an
// element of the welcome's `state.questions`).
struct question_view {
    std::string id;
    std::string text;
    std::string author_id;
    std::string author_name;
    std::int64_t votes = 0;
    std::string status;
    std::int64_t ts = 0;
    std::string answer;   // "" when absent
    std::string card_id;  // "" when absent
    std::string into;     // "" when absent

    static question_view from(const json& q);
    bool operator==(const question_view&) const = default;
    // "q12 votes 3 answered answer='…' card aid-1"
    std::string describe() const;
};

std::string describe(const std::vector<question_view>& questions);

// The room as a client knows it: a welcome snapshot, then every room event
// applied in seq order. Follows the contract's meaning of each event.
struct room_view {
    std::uint64_t seq = 0;  // the last seq applied (the welcome's seq at first)
    std::string status;
    std::int64_t ends_at = 0;
    std::optional<json> card;              // the card showing; nullopt when none
    std::vector<std::string> cards_shown;  // ids of the `card` events applied, in order
    std::string notice;
    std::map<std::string, question_view> questions;
    std::vector<std::string> question_order;  // ids in order of first appearance
    std::vector<std::string> comments;        // ids of published comments not taken down, oldest first

    // From a welcome that carries `state` (throws std::runtime_error otherwise).
    static room_view from_welcome(const json& welcome);
    // Applies one room event (events without seq are ignored).
    void apply(const json& event);

    const question_view* question(const std::string& id) const;
    // What a snapshot lists: visible, answering and answered questions by votes
    // (most first), then ts (oldest first); ties keep the order of first appearance.
    std::vector<question_view> listed() const;
    // The card's id, or "" when none.
    std::string card_id() const;
};

// The state a client holds after a welcome (given as its bytes, with
// `state`) and the room events it received as (seq, bytes), up to `upto`
// (all when nullopt); e.g. a viewer_report's welcome_text and event_log.
room_view view_of(const std::string& welcome_text,
                  const std::vector<std::pair<std::uint64_t, std::string>>& events,
                  std::optional<std::uint64_t> upto = std::nullopt);

// A list in a canonical order: votes (most first), ts (oldest first), then id;
// for comparing two lists that may order equal (votes, ts) differently.
std::vector<question_view> canonical(std::vector<question_view> list);

// The welcome's state.questions, in the order the server listed them.
std::vector<question_view> snapshot_questions(const json& welcome);

// True when `list` is ordered by votes (most first), then ts (oldest first).
bool ordered_by_votes_then_ts(const std::vector<question_view>& list);

// Everything one connection received: the welcome, the room events by seq
// (checked against the seq rule), and the objects that carry no seq (acks,
// errors, `mod.*`).
class room_log {
  public:
    room_log() = default;
    explicit room_log(const json& welcome, std::optional<std::uint64_t> since = std::nullopt) { start(welcome, since); }

    // A resumed welcome (given `since`, the hello's) is followed by the events after `since`.
    void start(const json& welcome, std::optional<std::uint64_t> since = std::nullopt);
    void feed(const json& m);

    const std::optional<json>& welcome() const noexcept { return welcome_; }
    const seq_checker& seq() const noexcept { return seq_; }
    std::uint64_t last_seq() const noexcept { return seq_.last(); }
    // Room events by seq.
    const std::map<std::uint64_t, json>& events() const noexcept { return events_; }
    // Objects without seq, in arrival order (the welcome excluded).
    const std::vector<json>& others() const noexcept { return others_; }
    // Room events of one type, in seq order.
    std::vector<json> events_of(std::string_view type) const;
    // Objects without seq of one type (e.g. "mod.question"), in arrival order.
    std::vector<json> others_of(std::string_view type) const;

    // The welcome's state with every event up to `upto` (all when nullopt) applied.
    room_view view(std::optional<std::uint64_t> upto = std::nullopt) const;

  private:
    std::optional<json> welcome_;
    seq_checker seq_;
    std::map<std::uint64_t, json> events_;
    std::vector<json> others_;
};

// A joined ws_client whose every received object goes into its room_log.
class logged_client {
  public:
    logged_client(std::uint16_t port, const hello_args& hello, clock::duration timeout = 10s);

    ws_client& client() { return *conn_.client; }
    ws_client* operator->() { return conn_.client.get(); }
    const json& welcome() const { return conn_.welcome; }
    room_log& log() { return log_; }
    const room_log& log() const { return log_; }

    // Sends `body` (carrying "id": id) and returns the reply; everything read
    // meanwhile is logged. nullopt when no reply came in time.
    std::optional<json> request(const std::string& body, const std::string& id, clock::duration timeout = 5s);
    // Reads (logging) until `done` holds, checked before each read; false on timeout or end.
    bool pump_until(const std::function<bool()>& done, clock::duration timeout);
    // Reads (logging) until an object satisfies `pred`; returns it.
    std::optional<json> wait_for(const std::function<bool(const json&)>& pred, clock::duration timeout);
    // Reads (logging) until the room seq reached `seq`.
    bool pump_to_seq(std::uint64_t seq, clock::duration timeout) {
        return pump_until([&] { return log_.last_seq() >= seq; }, timeout);
    }
    // Reads what has already arrived (logging), without waiting for more than `quiet`.
    void drain(clock::duration quiet = 0ms);

  private:
    joined conn_;
    room_log log_;
};

// Request builders: {"type":type,"id":id} plus the fields added by the caller.
json_object request_object(std::string_view type, std::string_view id);

// prefix followed by the decimal n: numbered("v", 12) == "v12" (request ids, names).
std::string numbered(std::string_view prefix, std::uint64_t n);

}  // namespace liveroom::test
