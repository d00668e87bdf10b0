#include "server/net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/net/origin_policy.hpp"
#include "server/net/router.hpp"
#include "server/net/ws_frame.hpp"
#include "server/net/ws_session.hpp"

namespace liveroom::net {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
core::metric refused_full("liveroom_ws_refused_full_total",
                          "WebSocket upgrades refused at --max-connections",
                          core::metric::kind::counter);
core::metric refused_origin("liveroom_ws_refused_origin_total",
                            "WebSocket upgrades refused (403) for an Origin not allowed (--allowed-origins)",
                            core::metric::kind::counter);
core::metric body_too_large("liveroom_http_body_too_large_total",
                            "HTTP requests refused (413) for a body over --max-body-bytes",
                            core::metric::kind::counter);
core::metric header_too_large("liveroom_http_header_too_large_total",
                              "HTTP requests refused (431) for header fields over --max-header-bytes",
                              core::metric::kind::counter);
core::metric tls_handshakes_failed("liveroom_tls_handshake_failures_total",
                                   "TLS handshakes that failed or timed out",
                                   core::metric::kind::counter);
core::metric plain_on_tls("liveroom_http_plain_on_tls_total",
                          "plain HTTP requests on a TLS port, redirected to https (308)",
                          core::metric::kind::counter);
core::metric refusing("liveroom_http_refusals_in_progress",
                      "connections refused at accept that are being answered",
                      core::metric::kind::gauge);
core::metric request_timeouts("liveroom_http_request_timeouts_total",
                              "HTTP connections dropped with a request unfinished at --handshake-timeout-ms",
                              core::metric::kind::counter);

// How long a refused client may go on sending before the connection closes.
constexpr std::chrono::seconds linger_time{2};

// An error answer after which the connection closes (the rest of the request
// is not read, so the connection cannot carry another one).
http_response closing_error(http::status status, std::string_view code, std::string_view message) {
    http_request req;
    req.version(11);
    auto res = make_error(req, status, code, message);
    res.keep_alive(false);
    return res;
}
}  // namespace

http_session::http_session(socket_t&& socket,
                           hub::hub& h,
                           hub::worker& w,
                           session_registry& reg,
                           core::ip_lease lease,
                           boost::asio::ssl::context* tls,
                           std::optional<refusal> refuse)
    : stream_(http_stream_t(std::move(socket))),
      lease_(std::move(lease)),
      tls_(tls),
      refusal_(refuse),
      hub_(h),
      worker_(w),
      registry_(reg) {
    if (refusal_) {
        refusing.add();
    }
}

http_session::~http_session() {
    if (refusal_) {
        refusing.sub();
    }
}

std::int64_t http_session::refusals_in_progress() noexcept {
    return refusing.get();
}

void http_session::run() {
    if (tls_ == nullptr) {
        boost::asio::dispatch(stream_.get_executor(),
                              beast::bind_front_handler(&http_session::do_read, shared_from_this()));
        return;
    }
    stream_.tcp().expires_after(std::chrono::milliseconds(hub_.config().handshake_timeout_ms));
    beast::async_detect_ssl(stream_.tcp(), buffer_,
                            beast::bind_front_handler(&http_session::on_detect, shared_from_this()));
}

void http_session::on_detect(beast::error_code ec, bool is_tls) {
    if (ec) {
        if (ec == beast::error::timeout) {
            request_timeouts.add();
        }
        return;
    }
    if (!is_tls) {
        plain_on_tls_ = true;
        do_read();
        return;
    }
    stream_.start_tls(*tls_);
    stream_.tcp().expires_after(std::chrono::milliseconds(hub_.config().handshake_timeout_ms));
    stream_.tls().async_handshake(boost::asio::ssl::stream_base::server, buffer_.data(),
                                  beast::bind_front_handler(&http_session::on_handshake, shared_from_this()));
}

void http_session::on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
        tls_handshakes_failed.add();
        return;
    }
    buffer_.consume(used);
    do_read();
}

void http_session::do_read() {
    parser_.emplace();
    parser_->body_limit(hub_.config().max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(hub_.config().max_header_bytes));
    // One deadline for the whole request, not per read: a client that trickles
    // a byte at a time is dropped as surely as one that stalls.
    // A refused connection gets a short while to send its request.
    const int timeout_ms =
        refusal_ ? std::min(hub_.config().handshake_timeout_ms, 2000) : hub_.config().handshake_timeout_ms;
    stream_.tcp().expires_after(std::chrono::milliseconds(timeout_ms));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
        beast::error_code ignored;
        stream_.tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        return;
    }
    if (ec == http::error::body_limit) {
        body_too_large.add();
        refused_ = true;
        send(closing_error(http::status::payload_too_large, "too_large", "request body too large"));
        return;
    }
    if (ec == http::error::header_limit) {
        header_too_large.add();
        refused_ = true;
        send(closing_error(http::status::request_header_fields_too_large, "too_large",
                           "request header fields too large"));
        return;
    }
    if (ec) {
        // A keep-alive connection idle between requests also times out here;
        // only a started request (or a connection that never sent one) counts.
        if (ec == beast::error::timeout && (parser_->got_some() || requests_ == 0)) {
            request_timeouts.add();
        }
        return;  // timeout, reset, malformed: drop the connection
    }
    ++requests_;
    http_request req = parser_->release();
    if (refusal_) {
        refused_ = true;
        auto res = make_error(req, http::status::too_many_requests, "rate_limited", refusal_->message);
        res.set(http::field::retry_after, "1");
        res.keep_alive(false);
        send(std::move(res));
        return;
    }
    if (plain_on_tls_) {
        plain_on_tls.add();
        refused_ = true;
        const auto host = req[http::field::host];
        if (host.empty()) {
            send(closing_error(http::status::bad_request, "bad_request", "this port speaks TLS: use https or wss"));
            return;
        }
        auto res =
            make_error(req, http::status::permanent_redirect, "bad_request", "this port speaks TLS: use https or wss");
        res.set(http::field::location, "https://" + std::string(host) + std::string(req.target()));
        res.keep_alive(false);
        send(std::move(res));
        return;
    }
    if (beast::websocket::is_upgrade(req)) {
        upgrade(std::move(req));
        return;
    }
    auto self = shared_from_this();
    route(hub_, std::move(req), [self](http_response res) {
        // Handlers may answer from another worker: come back to ours.
        boost::asio::post(self->stream_.get_executor(),
                          [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
}

void http_session::upgrade(http_request&& req) {
    const std::string_view target(req.target().data(), req.target().size());
    if (target != "/ws" && target.substr(0, 4) != "/ws?") {
        send(make_error(req, http::status::not_found, "not_found", "WebSocket endpoint is /ws"));
        return;
    }
    std::optional<std::string_view> origin;
    if (const auto it = req.find(http::field::origin); it != req.end()) {
        origin = std::string_view(it->value().data(), it->value().size());
    }
    const auto host = req[http::field::host];
    const bool single_origin = req.count(http::field::origin) <= 1;
    if (!single_origin ||
        !allowed(check_origin(origin, std::string_view(host.data(), host.size()), hub_.config().allowed_origins))) {
        refused_origin.add();
        auto res = make_error(req, http::status::forbidden, "forbidden",
                              "WebSocket connections from this page's origin are not allowed (--allowed-origins)");
        res.keep_alive(false);
        refused_ = true;
        send(std::move(res));
        return;
    }
    if (ws_session::open_count() >= hub_.config().max_connections) {
        refused_full.add();
        send(make_error(req, http::status::service_unavailable, "rate_limited",
                        "the server is full; try again shortly"));
        return;
    }
    // The opening handshake (RFC 6455 §4.2): version 13 and a well-formed
    // key, answered with 101 and the key's accept value.
    if (req[http::field::sec_websocket_version] != "13") {
        auto res = make_error(req, http::status::upgrade_required, "bad_request", "WebSocket version 13 only");
        res.set(http::field::sec_websocket_version, "13");
        send(std::move(res));
        return;
    }
    const auto key = req[http::field::sec_websocket_key];
    if (!ws::valid_client_key(std::string_view(key.data(), key.size()))) {
        send(make_error(req, http::status::bad_request, "bad_request", "missing or malformed Sec-WebSocket-Key"));
        return;
    }
    auto res = std::make_shared<http::response<http::empty_body>>(http::status::switching_protocols, req.version());
    res->set(http::field::upgrade, "websocket");
    res->set(http::field::connection, "Upgrade");
    res->set(http::field::sec_websocket_accept, ws::accept_key(std::string_view(key.data(), key.size())));
    res->set(http::field::server, "liveroom");
    stream_.tcp().expires_after(std::chrono::milliseconds(hub_.config().handshake_timeout_ms));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
        if (!ec) {
            self->start_websocket();
        }
    });
}

void http_session::start_websocket() {
    stream_.tcp().expires_never();
    // Bytes the client sent after its upgrade request are its first frames.
    const auto early = buffer_.cdata();
    std::string first(static_cast<const char*>(early.data()), early.size());
    ws_transport_t transport =
        stream_.is_tls() ? ws_transport_t(std::move(stream_.tls())) : ws_transport_t(stream_.tcp().release_socket());
    std::make_shared<ws_session>(std::move(transport), hub_, worker_, registry_, std::move(lease_))
        ->run(std::move(first));
}

void http_session::send(http_response res) {
    res_ = std::make_shared<http_response>(std::move(res));
    stream_.tcp().expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&http_session::on_write, shared_from_this(), res_->keep_alive()));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
    res_.reset();
    if (ec) {
        return;
    }
    if (!keep_alive) {
        if (refused_) {
            linger();
        } else {
            beast::error_code ignored;
            stream_.tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
        }
        return;
    }
    do_read();
}

void http_session::linger() {
    beast::error_code ignored;
    stream_.tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    stream_.tcp().expires_after(linger_time);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_session::on_linger, shared_from_this()));
}

void http_session::on_linger(beast::error_code ec, std::size_t) {
    if (ec) {
        return;  // end of stream, reset or the linger deadline: close
    }
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&http_session::on_linger, shared_from_this()));
}

}  // namespace liveroom::net
