#pragma once

// A connection that is plain TCP or TLS, chosen at accept. This header and
// the few net/ translation units that include it (http_session, ws_session,
// server, session_registry) are the only ones that see Asio's SSL; its
// implementation is compiled once in server/asio_impl.cpp.

#include <utility>
#include <variant>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "server/net/socket.hpp"

namespace liveroom::net {

using tls_stream_t = boost::beast::ssl_stream<http_stream_t>;

// A stream that is either `Plain` (http_stream_t for HTTP, socket_t for a
// WebSocket) or TLS over an http_stream_t. Each operation dispatches on the
// variant's index: one branch per read or write, no allocation, no virtual
// call; the handler (and its bound allocator) reaches the stream unchanged.
template <class Plain>
class flex_stream {
  public:
    using executor_type = executor_t;

    explicit flex_stream(Plain&& plain) : v_(std::in_place_index<0>, std::move(plain)) {}
    explicit flex_stream(tls_stream_t&& tls) : v_(std::in_place_index<1>, std::move(tls)) {}

    executor_type get_executor() noexcept {
        return std::visit([](auto& s) -> executor_type { return s.get_executor(); }, v_);
    }

    bool is_tls() const noexcept { return v_.index() == 1; }
    Plain& plain() { return std::get<0>(v_); }
    tls_stream_t& tls() { return std::get<1>(v_); }

    // Turns the plain stream into TLS with `ctx` (before any TLS byte was read).
    void start_tls(boost::asio::ssl::context& ctx) requires std::is_same_v<Plain, http_stream_t> {
        http_stream_t tcp(std::move(std::get<0>(v_)));
        v_.template emplace<1>(std::move(tcp), ctx);
    }

    // The TCP layer with its deadlines (HTTP only).
    http_stream_t& tcp() requires std::is_same_v<Plain, http_stream_t> {
        return is_tls() ? tls().next_layer() : plain();
    }

    // Closes the TCP socket at once (no TLS close_notify, no WebSocket close).
    void close(boost::system::error_code& ec) {
        if (is_tls()) {
            tls().next_layer().socket().close(ec);
        } else if constexpr (std::is_same_v<Plain, http_stream_t>) {
            plain().socket().close(ec);
        } else {
            plain().close(ec);
        }
    }

    template <class MutableBufferSequence, class ReadHandler>
    void async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
        if (is_tls()) {
            tls().async_read_some(buffers, std::forward<ReadHandler>(handler));
        } else {
            plain().async_read_some(buffers, std::forward<ReadHandler>(handler));
        }
    }

    template <class ConstBufferSequence, class WriteHandler>
    void async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
        if (is_tls()) {
            tls().async_write_some(buffers, std::forward<WriteHandler>(handler));
        } else {
            plain().async_write_some(buffers, std::forward<WriteHandler>(handler));
        }
    }

  private:
    std::variant<Plain, tls_stream_t> v_;
};

using http_transport_t = flex_stream<http_stream_t>;
using ws_transport_t = flex_stream<socket_t>;

// How Beast closes the socket of a flex_stream on an error (found by ADL).
template <class Plain>
void beast_close_socket(flex_stream<Plain>& s) {
    boost::system::error_code ignored;
    s.close(ignored);
}

// How a WebSocket over a flex_stream ends its connection (found by Beast
// through argument-dependent lookup): TLS close_notify, then TCP.
template <class Plain>
void teardown(boost::beast::role_type role, flex_stream<Plain>& s, boost::system::error_code& ec) {
    using boost::beast::websocket::teardown;
    if (s.is_tls()) {
        teardown(role, s.tls(), ec);
    } else {
        teardown(role, s.plain(), ec);
    }
}

template <class Plain, class TeardownHandler>
void async_teardown(boost::beast::role_type role, flex_stream<Plain>& s, TeardownHandler&& handler) {
    using boost::beast::websocket::async_teardown;
    if (s.is_tls()) {
        async_teardown(role, s.tls(), std::forward<TeardownHandler>(handler));
    } else {
        async_teardown(role, s.plain(), std::forward<TeardownHandler>(handler));
    }
}

}  // namespace liveroom::net
