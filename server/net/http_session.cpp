#include "server/net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/net/router.hpp"
#include "server/net/ws_session.hpp"

namespace liveroom::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
core::metric refused_full("liveroom_ws_refused_full_total",
                          "WebSocket upgrades refused at --max-connections",
                          core::metric::kind::counter);
}

http_session::http_session(socket_t&& socket, hub::hub& h, hub::worker& w, session_registry& reg)
    : stream_(std::move(socket)), hub_(h), worker_(w), registry_(reg) {}

void http_session::run() {
    boost::asio::dispatch(stream_.get_executor(),
                          beast::bind_front_handler(&http_session::do_read, shared_from_this()));
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(hub_.config().max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::milliseconds(hub_.config().handshake_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    if (ec) {
        if (ec == http::error::body_limit) {
            http_request dummy;
            dummy.version(11);
            send(make_error(dummy, http::status::payload_too_large, "too_large", "request body too large"));
        }
        return;  // timeout, reset, malformed: drop the connection
    }
    http_request req = parser_->release();
    if (beast::websocket::is_upgrade(req)) {
        const std::string_view target(req.target().data(), req.target().size());
        if (target != "/ws" && target.substr(0, 4) != "/ws?") {
            send(make_error(req, http::status::not_found, "not_found", "WebSocket endpoint is /ws"));
            return;
        }
        if (ws_session::open_count() >= hub_.config().max_connections) {
            refused_full.add();
            send(make_error(req, http::status::service_unavailable, "rate_limited",
                            "the server is full; try again shortly"));
            return;
        }
        stream_.expires_never();
        std::make_shared<ws_session>(stream_.release_socket(), hub_, worker_, registry_)->run(std::move(req));
        return;
    }
    auto self = shared_from_this();
    route(hub_, std::move(req), [self](http_response res) {
        // Handlers may answer from another worker: come back to ours.
        boost::asio::post(self->stream_.get_executor(),
                          [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
}

void http_session::send(http_response res) {
    res_ = std::make_shared<http_response>(std::move(res));
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this(), res_->keep_alive()));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    res_.reset();
    if (ec) {
        return;
    }
    if (!keep_alive) {
        beast::error_code ignored;
        stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    do_read();
}

}  // namespace liveroom::net
