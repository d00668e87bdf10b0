#pragma once

#include <memory>
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "server/core/ip_limiter.hpp"
#include "server/net/http_types.hpp"
#include "server/net/socket.hpp"
#include "server/net/transport.hpp"

namespace liveroom::hub {
class hub;
class worker;
}  // namespace liveroom::hub

namespace liveroom::net {

class session_registry;

// One HTTP connection: reads requests, answers them through the router, and
// hands a WebSocket upgrade on /ws over to a ws_session on the same worker.
//
// Limits, each breach counted in /metrics: a request (line, header fields and
// body) must arrive within --handshake-timeout-ms, else the connection is
// dropped (slowloris); header fields over --max-header-bytes get 431 and a
// body over --max-body-bytes gets 413, then the connection closes; an upgrade
// from an Origin the policy refuses (origin_policy.hpp) gets 403.
//
// With a TLS context (--tls-cert/--tls-key) the first bytes decide: a TLS
// ClientHello gets the handshake and then https/wss; a plain HTTP request
// gets a 308 redirect to https:// (and a plain WebSocket upgrade fails).
// A connection refused at accept (per-IP limits) is read once and answered
// with the refusal (429), so the client sees a reason.
class http_session : public std::enable_shared_from_this<http_session> {
  public:
    // Why a connection refused at accept is refused.
    struct refusal {
        const char* message = "";
    };

    http_session(socket_t&& socket,
                 hub::hub& h,
                 hub::worker& w,
                 session_registry& reg,
                 core::ip_lease lease,
                 boost::asio::ssl::context* tls,
                 std::optional<refusal> refuse = std::nullopt);
    ~http_session();
    void run();

    // Connections refused at accept still being answered (a bound on them).
    static std::int64_t refusals_in_progress() noexcept;

  private:
    void on_detect(boost::beast::error_code ec, bool is_tls);
    void on_handshake(boost::beast::error_code ec, std::size_t used);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void upgrade(http_request&& req);
    void start_websocket();  // after the 101: the connection becomes a ws_session
    void send(http_response res);
    void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
    // After a refusal: stop sending, then read and discard what the client is
    // still sending for a short while, so that closing does not reset the
    // connection and destroy the error response before the client reads it.
    void linger();
    void on_linger(boost::beast::error_code ec, std::size_t bytes);

    http_transport_t stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::shared_ptr<http_response> res_;
    std::size_t requests_ = 0;   // served on this connection
    bool refused_ = false;       // the last answer refused the request: linger before closing
    bool plain_on_tls_ = false;  // plain HTTP on a TLS port: redirect
    core::ip_lease lease_;
    boost::asio::ssl::context* tls_;
    std::optional<refusal> refusal_;
    hub::hub& hub_;
    hub::worker& worker_;
    session_registry& registry_;
};

}  // namespace liveroom::net
