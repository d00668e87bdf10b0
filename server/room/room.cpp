#include "server/room/room.hpp"

#include <charconv>
#include <variant>

namespace liveroom::room {

using protocol::errc;
namespace req = protocol::req;

namespace {

reply refuse(errc code, std::string message) {
    reply r;
    r.ok = false;
    r.code = code;
    r.message = std::move(message);
    return r;
}

// "m42": a one-letter kind and a number (to_chars: GCC 12 warns falsely on
// string concatenation here).
std::string make_id(char kind, std::uint64_t n) {
    char buf[24];
    buf[0] = kind;
    auto r = std::to_chars(buf + 1, buf + sizeof buf, n);
    return std::string(buf, r.ptr);
}

template <class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};

}  // namespace

room::room(room_spec spec) : spec_(std::move(spec)), ends_at_(spec_.ends_at) {
    for (std::size_t i = 0; i < spec_.cards.size(); ++i) {
        if (spec_.cards[i].id.empty()) {
            spec_.cards[i].id = make_id('c', i + 1);
        }
    }
}

reply room::apply(const actor& who, const protocol::request_body& body, std::int64_t now, event_sink& sink) {
    (void)now;
    if (protocol::is_moderator_request(body) && !protocol::can_moderate(who.role)) {
        return refuse(errc::forbidden, "only moderators and hosts may do that");
    }
    return std::visit(overloaded{
                          [&](const req::card_show& r) { return show_card(r, sink); },
                          [&](const req::notice_set& r) { return set_notice(r, sink); },
                          [&](const req::comment& r) { return add_comment(who, r, sink); },
                          [&](const req::room_start&) { return start("started", sink); },
                          [&](const req::room_extend& r) { return extend(r, sink); },
                          [&](const req::room_end&) { return end(sink); },
                          [&](const auto&) { return refuse(errc::bad_request, "this request is not supported yet"); },
                      },
                      body);
}

reply room::show_card(const req::card_show& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (r.deck_id) {
        const protocol::card* found = nullptr;
        for (const auto& c : spec_.cards) {
            if (c.id == *r.deck_id) {
                found = &c;
            }
        }
        if (found == nullptr) {
            return refuse(errc::not_found, "no card '" + *r.deck_id + "' in the deck");
        }
        card_ = *found;
    } else {
        card_ = *r.card;
        card_->id = make_id('n', next_id_++);
    }
    sink.emit("card", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        j.key("card");
        j.value(*card_);
    });
    return {};
}

reply room::set_notice(const req::notice_set& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    notice_ = r.text;
    sink.emit("notice", fanout::frame_class::critical, 0, [&](protocol::json_out& j) { j.field("text", notice_); });
    return {};
}

reply room::add_comment(const actor& who, const req::comment& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    protocol::comment c{make_id('m', next_id_++), {who.id, who.name}, r.text};
    sink.emit("comment", fanout::frame_class::droppable, 0, [&](protocol::json_out& j) {
        j.key("comment");
        j.value(c);
    });
    recent_comments_.push_back(c);
    while (recent_comments_.size() > max_recent_comments_) {
        recent_comments_.pop_front();
    }
    reply out;
    out.ack_fields = [id = c.id, text = c.text](protocol::json_out& j) { j.field("cid", id).field("text", text); };
    return out;
}

void room::emit_status(std::string_view reason, event_sink& sink) {
    sink.emit("room.status", fanout::frame_class::critical, 0, [&](protocol::json_out& j) {
        j.field("status", protocol::to_string(status_)).field("ends_at", ends_at_).field("reason", reason);
    });
}

reply room::start(std::string_view reason, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    if (status_ == protocol::room_status::live) {
        return {};  // idempotent
    }
    status_ = protocol::room_status::live;
    emit_status(reason, sink);
    return {};
}

reply room::extend(const req::room_extend& r, event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return refuse(errc::closed, "the room has ended");
    }
    ends_at_ += static_cast<std::int64_t>(r.minutes) * 60 * 1000;
    emit_status("extended", sink);
    reply out;
    out.ack_fields = [ends = ends_at_](protocol::json_out& j) { j.field("ends_at", ends); };
    return out;
}

reply room::end(event_sink& sink) {
    if (status_ == protocol::room_status::ended) {
        return {};  // idempotent
    }
    status_ = protocol::room_status::ended;
    emit_status("ended", sink);
    return {};
}

void room::on_tick(std::int64_t now, event_sink& sink) {
    if (status_ == protocol::room_status::scheduled && spec_.starts_at != 0 && now >= spec_.starts_at) {
        start("started", sink);
    }
}

void room::write_state(protocol::json_out& j, const protocol::presence& p) const {
    auto& w = j.w();
    w.StartObject();
    j.field("status", protocol::to_string(status_)).field("ends_at", ends_at_);
    j.key("card");
    if (card_) {
        j.value(*card_);
    } else {
        w.Null();
    }
    j.field("notice", notice_);
    j.key("questions");
    w.StartArray();
    w.EndArray();
    j.key("comments");
    w.StartArray();
    for (const auto& c : recent_comments_) {
        j.value(c);
    }
    w.EndArray();
    j.null_field("quiz");
    j.key("presence");
    w.StartObject();
    j.field("online", p.online).field("peak", p.peak).field("views", p.views).field("likes", p.likes);
    w.EndObject();
    w.EndObject();
}

}  // namespace liveroom::room
