#include "server/net/rest_api.hpp"

#include <boost/asio/post.hpp>
#include <rapidjson/document.h>

#include "protocol/decode.hpp"
#include "protocol/text.hpp"
#include "server/auth/jwt.hpp"
#include "server/core/clock.hpp"
#include "server/hub/hub.hpp"
#include "server/net/room_data_api.hpp"
#include "server/net/router.hpp"
#include "server/room/spec_json.hpp"

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

// GET /api/rooms/{id}/replay and /draws/{draw}: public for rooms that admit
// guests, else any token for the room. Returns false for other targets.
bool serve_replay(hub::hub& h, std::string_view target, http_request& req, respond_fn& respond) {
    constexpr std::string_view prefix = "/api/rooms/";
    if (req.method() != http::verb::get || target.substr(0, prefix.size()) != prefix) {
        return false;
    }
    // {id}/replay or {id}/draws/{draw}
    const std::string_view rest = target.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return false;
    }
    const std::string_view id = rest.substr(0, slash);
    const std::string_view sub = rest.substr(slash + 1);
    constexpr std::string_view draws = "draws/";
    const bool is_draw = sub.substr(0, draws.size()) == draws && sub.size() > draws.size();
    if (sub != "replay" && !is_draw) {
        return false;
    }
    auto room = h.find(id);
    if (!room) {
        respond(make_error(req, http::status::not_found, "not_found", "no such room"));
        return true;
    }
    if (!room->allow_guests()) {
        std::string why;
        auto who = bearer(h, req, why);
        if (!who || !auth::admits(*who, id)) {
            respond(
                make_error(req, http::status::unauthorized, "forbidden", who ? "the token is for another room" : why));
            return true;
        }
    }
    if (is_draw) {
        handle_draw(std::move(room), std::string(sub.substr(draws.size())), std::move(req), std::move(respond));
    } else {
        handle_replay(h, std::move(room), std::move(req), std::move(respond));
    }
    return true;
}

}  // namespace

void handle_api(hub::hub& h, http_request&& req, respond_fn respond) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) {
        target = target.substr(0, q);
    }
    std::string why;
    if (target == "/api/public/rooms" && req.method() == http::verb::get) {
        // The list for the home page: rooms that are live or scheduled and
        // admit guests; ended rooms only with ?ended=1 (their replays).
        const bool ended = req.target().find("ended=1") != boost::beast::string_view::npos;
        protocol::json_out j;
        j.begin_object();
        j.key("rooms");
        j.w().StartArray();
        for (const auto& r : h.list()) {
            if (!r->allow_guests() || !h.find(r->id())) {
                continue;
            }
            if ((r->status() == protocol::room_status::ended) != ended) {
                continue;
            }
            r->write_public_summary(j);
        }
        j.w().EndArray();
        respond(make_response(req, http::status::ok, std::string(j.finish()), "application/json"));
        return;
    }
    if (serve_replay(h, target, req, respond)) {
        return;
    }
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
            if (auto err = room::parse_spec(req.body(), spec)) {
                respond(make_error(req, http::status::bad_request, "bad_request", *err));
                return;
            }
            if (!may_manage(*who, spec.id)) {
                respond(make_error(req, http::status::forbidden, "forbidden", "only an admin or the room's host"));
                return;
            }
            h.create_stored(std::move(spec), [req = std::move(req), respond = std::move(respond)](
                                                 std::shared_ptr<hub::room_runner> r, bool duplicate) mutable {
                if (!r) {
                    respond(duplicate
                                ? make_error(req, http::status::conflict, "duplicate", "a room with this id exists")
                                : make_error(req, http::status::service_unavailable, "rate_limited",
                                             "the room could not be saved (storage full or failing)"));
                    return;
                }
                protocol::json_out j;
                j.begin_object();
                r->write_summary_fields(j);
                respond(make_response(req, http::status::created, std::string(j.finish()), "application/json"));
            });
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
    if (sub == "export" && req.method() == http::verb::get) {
        handle_export(h, std::move(room), std::move(req), std::move(respond));
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
            room->handle(a, request, core::now_ms(),
                         [req = std::move(req), respond = std::move(respond)](std::string out) mutable {
                             const bool ok = std::string_view(out).starts_with(R"({"type":"ack")");
                             respond(make_response(req, ok ? http::status::ok : http::status::unprocessable_entity,
                                                   std::move(out), "application/json"));
                         });
        });
        return;
    }
    respond(make_error(req, http::status::not_found, "not_found", "no such API"));
}

}  // namespace liveroom::net
