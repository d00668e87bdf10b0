#include "server/net/router.hpp"

#include "protocol/encode.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/net/rest_api.hpp"
#include "server/net/static_files.hpp"

namespace liveroom::net {

namespace http = boost::beast::http;

namespace {
core::metric http_requests("liveroom_http_requests_total", "HTTP requests served", core::metric::kind::counter);
}

http_response make_response(const http_request& req,
                            http::status status,
                            std::string body,
                            std::string_view content_type) {
    http_response res{status, req.version()};
    res.set(http::field::server, "liveroom");
    res.set(http::field::content_type, content_type);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    if (content_type.substr(0, 9) == "text/html") {
        // The pages load only their own scripts and styles (no inline code, no
        // style attributes: see web/README.md); cards may show https images,
        // media and embeds. connect-src 'self' covers ws:/wss: to this host.
        res.set("Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
                "media-src 'self' https: blob:; frame-src https:; connect-src 'self'; object-src 'none'; "
                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        res.set("X-Frame-Options", "DENY");  // frame-ancestors for browsers without CSP 2
        res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
        res.set("Cross-Origin-Opener-Policy", "same-origin");
    }
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

http_response make_error(const http_request& req,
                         http::status status,
                         std::string_view code,
                         std::string_view message) {
    protocol::json_out j;
    j.begin_object();
    j.key("error");
    j.w().StartObject();
    j.field("code", code).field("message", message);
    j.w().EndObject();
    return make_response(req, status, std::string(j.finish()), "application/json");
}

void route(hub::hub& h, http_request&& req, respond_fn respond) {
    http_requests.add();
    const std::string_view target(req.target().data(), req.target().size());
    if (target == "/api/cluster" && req.method() == http::verb::get) {
        if (auto* c = h.cluster()) {
            respond(make_response(req, http::status::ok, c->status_json(), "application/json"));
        } else {
            respond(make_error(req, http::status::not_found, "not_found", "this server is not in a cluster"));
        }
        return;
    }
    if (target.substr(0, 5) == "/api/" || target == "/api") {
        handle_api(h, std::move(req), std::move(respond));
        return;
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        respond(make_error(req, http::status::method_not_allowed, "bad_request", "only GET here"));
        return;
    }
    if (target == "/healthz") {
        respond(make_response(req, http::status::ok, "ok\n", "text/plain; charset=utf-8"));
        return;
    }
    if (target == "/metrics") {
        respond(make_response(req, http::status::ok, core::render_metrics(), "text/plain; version=0.0.4"));
        return;
    }
    auto file = load_static(h.config().web_root, target);
    if (!file) {
        respond(make_error(req, http::status::not_found, "not_found", "no such page"));
        return;
    }
    auto res = make_response(req, http::status::ok, std::move(file->body), file->content_type);
    res.set(http::field::cache_control, "no-cache");
    respond(std::move(res));
}

}  // namespace liveroom::net
