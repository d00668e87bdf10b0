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

namespace liveroom::room {

// Who is making a request.
struct actor {
    std::string id;
    std::string name;
    protocol::role role = protocol::role::viewer;
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
};

// Keys of `latest` frames (only the newest of a key matters to a slow viewer).
inline constexpr std::uint8_t presence_key = 1;

// The outcome of a request for the requester: an ack (with extra fields
// written by `ack_fields`) or an error.
struct reply {
    bool ok = true;
    protocol::errc code = protocol::errc::bad_request;
    std::string message;
    std::function<void(protocol::json_out&)> ack_fields;  // may be empty
};

// The live room's state and rules. Pure: no I/O, no threads; time is an
// argument. Owned and driven by one thread (hub/room_runner).
class room {
  public:
    explicit room(room_spec spec);

    const room_spec& spec() const noexcept { return spec_; }
    const std::string& id() const noexcept { return spec_.id; }
    protocol::room_status status() const noexcept { return status_; }
    std::int64_t ends_at() const noexcept { return ends_at_; }

    // Applies a non-hello request from `who` at time `now`.
    reply apply(const actor& who, const protocol::request_body& body, std::int64_t now, event_sink& sink);

    // Writes the welcome's `state` object (snapshot) as the value of a key
    // already written.
    void write_state(protocol::json_out& j, const protocol::presence& p) const;

    // Starts the room if it is scheduled and its start time has come.
    void on_tick(std::int64_t now, event_sink& sink);

  private:
    reply show_card(const protocol::req::card_show& r, event_sink& sink);
    reply set_notice(const protocol::req::notice_set& r, event_sink& sink);
    reply add_comment(const actor& who, const protocol::req::comment& r, event_sink& sink);
    reply start(std::string_view reason, event_sink& sink);
    reply extend(const protocol::req::room_extend& r, event_sink& sink);
    reply end(event_sink& sink);
    void emit_status(std::string_view reason, event_sink& sink);

    room_spec spec_;
    protocol::room_status status_ = protocol::room_status::scheduled;
    std::int64_t ends_at_ = 0;
    std::optional<protocol::card> card_;
    std::string notice_;
    std::deque<protocol::comment> recent_comments_;
    std::size_t max_recent_comments_ = 50;
    std::uint64_t next_id_ = 1;
};

}  // namespace liveroom::room
