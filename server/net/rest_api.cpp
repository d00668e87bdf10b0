#include "server/net/rest_api.hpp"

#include <boost/asio/post.hpp>
#include <rapidjson/document.h>

#include "protocol/decode.hpp"
#include "protocol/text.hpp"
#include "server/auth/jwt.hpp"
#include "server/core/clock.hpp"
#include "server/hub/hub.hpp"
#include "server/net/router.hpp"

namespace liveroom::net {

namespace http = boost::beast::http;

namespace {

std::optional<auth::claims> bearer(hub::hub& h, const http_request& req, std::string& why) {
    const auto it = req.find(http::field::authorization);
    if (it == req.end()) {
        why = "an Authorization: Bearer <token> header is required";
        return std::nullopt;
    }
    std::string_view v(it->value().data(), it->value().size());
    if (v.substr(0, 7) != "Bearer ") {
        why = "the Authorization header must be 'Bearer <token>'";
        return std::nullopt;
    }
    auto r = auth::verify(v.substr(7), h.config().secret, core::now_ms() / 1000);
    if (!r.ok) {
        why = std::string(auth::to_string(r.error));
        return std::nullopt;
    }
    return r.ok;
}

// Admin, or host of that room (a host token for "*" may manage any room).
bool may_manage(const auth::claims& c, std::string_view room) {
    return c.role == protocol::role::admin || (c.role == protocol::role::host && auth::admits(c, room));
}

bool valid_room_id(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        const bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Parses a room spec from a JSON body; returns an error text on failure.
std::optional<std::string> parse_spec(std::string_view body, room::room_spec& spec) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) {
        return "the body must be a JSON object";
    }
    auto str = [&](const rapidjson::Value& o, const char* k, std::size_t max, bool required,
                   std::string& out) -> std::optional<std::string> {
        auto it = o.FindMember(k);
        if (it == o.MemberEnd() || it->value.IsNull()) {
            if (required) {
                return std::string("missing field '") + k + "'";
            }
            return std::nullopt;
        }
        if (!it->value.IsString()) {
            return std::string("field '") + k + "' must be a string";
        }
        out = protocol::clean_text(std::string_view(it->value.GetString(), it->value.GetStringLength()), true);
        if (protocol::code_points(out) > max) {
            return std::string("field '") + k + "' is longer than " + std::to_string(max) + " characters";
        }
        return std::nullopt;
    };
    if (auto e = str(d, "id", 64, true, spec.id)) {
        return e;
    }
    if (!valid_room_id(spec.id)) {
        return "field 'id' must be 1-64 characters of A-Z a-z 0-9 - _";
    }
    if (auto e = str(d, "title", 100, true, spec.title)) {
        return e;
    }
    for (const char* k : {"starts_at", "ends_at"}) {
        auto it = d.FindMember(k);
        if (it != d.MemberEnd() && !it->value.IsNull()) {
            if (!it->value.IsInt64() || it->value.GetInt64() < 0) {
                return std::string("field '") + k + "' must be ms since the epoch";
            }
            (std::string_view(k) == "starts_at" ? spec.starts_at : spec.ends_at) = it->value.GetInt64();
        }
    }
    if (spec.ends_at != 0 && spec.ends_at < spec.starts_at) {
        return "ends_at must not be before starts_at";
    }
    if (auto it = d.FindMember("allow_guests"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsBool()) {
            return "field 'allow_guests' must be true or false";
        }
        spec.allow_guests = it->value.GetBool();
    }
    if (auto it = d.FindMember("segments"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray() || it->value.Size() > 50) {
            return "field 'segments' must be a list of at most 50";
        }
        for (const auto& s : it->value.GetArray()) {
            if (!s.IsObject()) {
                return "each segment must be an object {title, presenter}";
            }
            room::segment seg;
            if (auto e = str(s, "title", 100, true, seg.title)) {
                return "segment: " + *e;
            }
            if (auto e = str(s, "presenter", 64, false, seg.presenter)) {
                return "segment: " + *e;
            }
            spec.segments.push_back(std::move(seg));
        }
    }
    if (auto it = d.FindMember("cards"); it != d.MemberEnd() && !it->value.IsNull()) {
        if (!it->value.IsArray() || it->value.Size() > 500) {
            return "field 'cards' must be a list of at most 500";
        }
        for (const auto& c : it->value.GetArray()) {
            if (!c.IsObject()) {
                return "each card must be an object";
            }
            protocol::card card;
            if (auto e = str(c, "id", 64, false, card.id)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "title", 100, true, card.title)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "body", 2000, false, card.body)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "image", 2048, false, card.image)) {
                return "card: " + *e;
            }
            if (auto e = str(c, "link", 2048, false, card.link)) {
                return "card: " + *e;
            }
            if (auto s = c.FindMember("segment"); s != c.MemberEnd() && !s->value.IsNull()) {
                if (!s->value.IsInt() || s->value.GetInt() < 0 || s->value.GetInt() > 1000) {
                    return "card: field 'segment' must be a segment index";
                }
                card.segment = s->value.GetInt();
            }
            spec.cards.push_back(std::move(card));
        }
    }
    return std::nullopt;
}

}  // namespace

void handle_api(hub::hub& h, http_request&& req, respond_fn respond) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) {
        target = target.substr(0, q);
    }
    std::string why;
    auto who = bearer(h, req, why);
    if (!who) {
        respond(make_error(req, http::status::unauthorized, "forbidden", why));
        return;
    }
    if (target == "/api/rooms") {
        if (req.method() == http::verb::get) {
            protocol::json_out j;
            j.begin_object();
            j.key("rooms");
            j.w().StartArray();
            for (const auto& r : h.list()) {
                r->write_summary(j);
            }
            j.w().EndArray();
            respond(make_response(req, http::status::ok, std::string(j.finish()), "application/json"));
            return;
        }
        if (req.method() == http::verb::post) {
            room::room_spec spec;
            if (auto err = parse_spec(req.body(), spec)) {
                respond(make_error(req, http::status::bad_request, "bad_request", *err));
                return;
            }
            if (!may_manage(*who, spec.id)) {
                respond(make_error(req, http::status::forbidden, "forbidden", "only an admin or the room's host"));
                return;
            }
            auto r = h.create(std::move(spec));
            if (!r) {
                respond(make_error(req, http::status::conflict, "duplicate", "a room with this id exists"));
                return;
            }
            protocol::json_out j;
            j.begin_object();
            r->write_summary_fields(j);
            respond(make_response(req, http::status::created, std::string(j.finish()), "application/json"));
            return;
        }
        respond(make_error(req, http::status::method_not_allowed, "bad_request", "use GET or POST"));
        return;
    }
    constexpr std::string_view prefix = "/api/rooms/";
    if (target.substr(0, prefix.size()) != prefix) {
        respond(make_error(req, http::status::not_found, "not_found", "no such API"));
        return;
    }
    std::string_view rest = target.substr(prefix.size());
    const auto slash = rest.find('/');
    const std::string_view id = rest.substr(0, slash);
    const std::string_view sub = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto room = h.find(id);
    if (!room) {
        respond(make_error(req, http::status::not_found, "not_found", "no such room"));
        return;
    }
    const bool reading = sub.empty() && req.method() == http::verb::get;
    const bool moderator_of_room = protocol::can_moderate(who->role) && auth::admits(*who, id);
    if (!may_manage(*who, id) && !(reading && moderator_of_room)) {
        respond(make_error(req, http::status::forbidden, "forbidden", "only an admin or the room's host"));
        return;
    }
    if (reading) {
        protocol::json_out j;
        j.begin_object();
        room->write_summary_fields(j);
        respond(make_response(req, http::status::ok, std::string(j.finish()), "application/json"));
        return;
    }
    if (sub == "events" && req.method() == http::verb::post) {
        auto decoded = protocol::decode_request(req.body());
        if (auto* err = std::get_if<protocol::decode_error>(&decoded)) {
            protocol::json_out j;
            respond(make_response(req, http::status::bad_request,
                                  std::string(protocol::encode_error(j, err->id, err->has_id, err->code, err->message)),
                                  "application/json"));
            return;
        }
        auto request = std::get<protocol::request>(std::move(decoded));
        if (std::holds_alternative<protocol::req::hello>(request.body)) {
            respond(make_error(req, http::status::bad_request, "bad_request", "hello is for WebSocket clients"));
            return;
        }
        room::actor a{who->sub, who->name, who->role};
        if (!request.has_id) {
            request.id = "rest";
            request.has_id = true;
        }
        boost::asio::post(room->owner().ioc(), [room, a = std::move(a), request = std::move(request),
                                                req = std::move(req), respond = std::move(respond)]() mutable {
            std::string out;
            room->handle(a, request, core::now_ms(), out);
            const bool ok = out.rfind(R"({"type":"ack")", 0) == 0;
            respond(make_response(req, ok ? http::status::ok : http::status::unprocessable_entity, std::move(out),
                                  "application/json"));
        });
        return;
    }
    respond(make_error(req, http::status::not_found, "not_found", "no such API"));
}

}  // namespace liveroom::net
