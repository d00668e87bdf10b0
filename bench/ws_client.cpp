#include "bench/ws_client.hpp"

#include <utility>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <netinet/in.h>
#include <sys/socket.h>

namespace liveroom::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr std::size_t max_spare_strings = 64;
constexpr std::size_t max_message_bytes = 8 * 1024 * 1024;
constexpr std::size_t min_read_room = 1024;

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto address = ep.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(ep.port());
}

}  // namespace

const char* to_string(ws_stage stage) {
    switch (stage) {
        case ws_stage::connect:
            return "connect";
        case ws_stage::handshake:
            return "handshake";
        case ws_stage::read:
            return "read";
        case ws_stage::write:
            return "write";
        case ws_stage::close:
            return "close";
    }
    return "?";
}

template <class Fn>
auto ws_client::bound(Fn&& fn) {
    return asio::bind_allocator(core::handler_allocator<char>(pool_), std::forward<Fn>(fn));
}

ws_client::ws_client(asio::io_context& ioc,
                     core::handler_pool& pool,
                     const ws_target& target,
                     ws_client_handler& handler,
                     std::uint32_t tag,
                     std::size_t write_buffer_bytes,
                     std::size_t read_chunk)
    : ws_(ioc),
      pool_(pool),
      target_(target),
      handler_(handler),
      tag_(tag),
      read_chunk_(read_chunk < 512 ? 512 : read_chunk) {
    ws_.write_buffer_bytes(write_buffer_bytes < 64 ? 64 : write_buffer_bytes);
    ws_.auto_fragment(false);
    ws_.read_message_max(max_message_bytes);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "liveroom-bench"); }));
}

void ws_client::start(const asio::ip::address& source) {
    source_ = source;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    beast::error_code ec;
    socket.open(target_.endpoint.protocol(), ec);
    if (!ec && !source.is_unspecified()) {
#if defined(IP_BIND_ADDRESS_NO_PORT)
        if (source.is_v4()) {
            // Choose the local port at connect time, per destination: with several source
            // addresses this lets each one use the whole ephemeral range.
            int one = 1;
            (void)::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        }
#endif
        socket.bind(tcp::endpoint(source, 0), ec);
    }
    if (ec) {
        // Report from a fresh handler call, never from inside start().
        asio::post(ws_.get_executor(), bound([self = shared_from_this(), ec] { self->finish(ws_stage::connect, ec); }));
        return;
    }
    beast::get_lowest_layer(ws_).expires_after(target_.connect_timeout);
    beast::get_lowest_layer(ws_).async_connect(
        target_.endpoint, bound([self = shared_from_this()](beast::error_code e) { self->on_connect(e); }));
}

void ws_client::on_connect(beast::error_code ec) {
    if (ec) {
        finish(ws_stage::connect, ec);
        return;
    }
    if (closing_) {
        finish(ws_stage::connect, asio::error::operation_aborted);
        return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    upgrade_response_ = std::make_unique<beast::http::response<beast::http::string_body>>();
    ws_.async_handshake(*upgrade_response_, target_.host_header, target_.path,
                        bound([self = shared_from_this()](beast::error_code e) { self->on_handshake(e); }));
}

void ws_client::on_handshake(beast::error_code ec) {
    if (upgrade_response_) {
        http_status_ = upgrade_response_->result_int();
        upgrade_response_.reset();
    }
    if (ec) {
        finish(ws_stage::handshake, ec);
        return;
    }
    if (closing_) {
        finish(ws_stage::handshake, asio::error::operation_aborted);
        return;
    }
    // From here the WebSocket layer's own timer governs (only our close handshake).
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout opt{};
    opt.handshake_timeout = target_.close_timeout;
    opt.idle_timeout = websocket::stream_base::none();
    opt.keep_alive_pings = false;
    ws_.set_option(opt);
    open_ = true;
    handler_.on_open(*this);
    if (!ended_ && !closing_) {
        do_read();
    }
}

void ws_client::do_read() {
    // Read into the room the buffer already has (behind a partial object), so it settles at
    // read_chunk_ bytes and is not reallocated; it grows only for an object longer than that.
    const std::size_t room = buffer_.capacity() - buffer_.size();
    const std::size_t limit = room >= min_read_room ? room : read_chunk_;
    ws_.async_read_some(buffer_, limit,
                        bound([self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); }));
}

void ws_client::on_read(beast::error_code ec) {
    if (ended_) {
        return;
    }
    if (ec) {
        if (!closing_) {
            finish(ws_stage::read, ec);
        }
        return;  // while closing, the close handler reports
    }
    const auto data = buffer_.cdata();
    const std::string_view text(static_cast<const char*>(data.data()), data.size());
    if (ws_.is_message_done()) {
        if (ws_.got_text() && !text.empty()) {
            handler_.on_text(*this, text);
        }
        buffer_.consume(buffer_.size());
    } else {
        // Hand over the complete objects; keep a partial trailing one for the next chunk.
        const std::size_t last_newline = text.rfind('\n');
        if (last_newline != std::string_view::npos) {
            if (ws_.got_text()) {
                handler_.on_text(*this, text.substr(0, last_newline));
            }
            buffer_.consume(last_newline + 1);
        }
    }
    if (!ended_ && !closing_) {
        do_read();
    }
}

void ws_client::send(std::string text) {
    if (!open_ || closing_ || ended_) {
        return;
    }
    queue_.push_back(std::move(text));
    if (!writing_) {
        do_write();
    }
}

std::string ws_client::take_buffer() {
    if (spare_.empty()) {
        return {};
    }
    std::string s = std::move(spare_.back());
    spare_.pop_back();
    s.clear();
    return s;
}

void ws_client::do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    bound([self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); }));
}

void ws_client::on_write(beast::error_code ec) {
    writing_ = false;
    if (ended_) {
        return;
    }
    if (ec) {
        if (!closing_) {
            finish(ws_stage::write, ec);
        }
        return;
    }
    if (spare_.size() < max_spare_strings) {
        spare_.push_back(std::move(queue_.front()));
    }
    queue_.pop_front();
    if (!queue_.empty() && !closing_) {
        do_write();
    }
}

void ws_client::close() {
    if (ended_ || closing_) {
        return;
    }
    closing_ = true;
    if (!open_) {
        // Still connecting or upgrading: abort; the pending handler reports.
        beast::get_lowest_layer(ws_).close();
        return;
    }
    ws_.async_close(websocket::close_code::normal,
                    bound([self = shared_from_this()](beast::error_code ec) { self->finish(ws_stage::close, ec); }));
}

void ws_client::abort() {
    if (ended_) {
        return;
    }
    closing_ = true;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    beast::error_code ignored;
    if (socket.is_open()) {
        socket.set_option(asio::socket_base::linger(true, 0), ignored);
    }
    beast::get_lowest_layer(ws_).close();
    asio::post(ws_.get_executor(),
               bound([self = shared_from_this()] { self->finish(ws_stage::close, asio::error::operation_aborted); }));
}

void ws_client::finish(ws_stage stage, beast::error_code ec) {
    if (ended_) {
        return;
    }
    ended_ = true;
    open_ = false;
    // The queue stays: a write still in flight refers to its front string.
    handler_.on_end(*this, stage, ec);
}

std::string ws_client::describe(ws_stage stage, beast::error_code ec) const {
    const std::string to = endpoint_text(target_.endpoint);
    switch (stage) {
        case ws_stage::connect: {
            const std::string from = source_.is_unspecified() ? std::string() : " from " + source_.to_string();
            if (ec == beast::error::timeout) {
                return "connect to " + to + from + ": timed out after " +
                       std::to_string(target_.connect_timeout.count()) + " ms";
            }
            return "connect to " + to + from + ": " + ec.message();
        }
        case ws_stage::handshake:
            if (ec == websocket::error::upgrade_declined) {
                return "handshake with " + to + target_.path + ": upgrade declined (HTTP " +
                       std::to_string(http_status_) + ")";
            }
            if (ec == beast::error::timeout) {
                return "handshake with " + to + target_.path + ": timed out";
            }
            return "handshake with " + to + target_.path + ": " + ec.message();
        case ws_stage::read:
        case ws_stage::write:
        case ws_stage::close:
            if (ec == websocket::error::closed) {
                const auto& reason = ws_.reason();
                std::string text = "closed by the server (code " + std::to_string(reason.code);
                if (!reason.reason.empty()) {
                    text += ": " + std::string(reason.reason.data(), reason.reason.size());
                }
                return text + ")";
            }
            return std::string(to_string(stage)) + ": " + ec.message();
    }
    return ec.message();
}

}  // namespace liveroom::bench
