#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/json.hpp"

namespace liveroom::test {

struct ws_client_options {
    clock::duration connect_timeout = 10s;  // TCP connect + WebSocket upgrade
    // SO_RCVBUF set before connecting. A small one turns off the kernel's
    // receive autotuning, so a client that stops reading backs up quickly.
    std::optional<int> receive_buffer_bytes;
    std::size_t max_message_bytes = 64 * 1024 * 1024;
    std::string target = "/ws";
};

// The contract's hello.
struct hello_args {
    std::string room = "demo";
    std::optional<std::string> token;
    std::string name = "tester";
    std::optional<std::uint64_t> since;

    std::string to_json() const;
};

// A synchronous WebSocket client for tests: every call is bounded by a
// timeout, nothing runs in the background. It owns its io_context and only
// reads from the socket while one of its calls runs — a client the test does
// not call is a client that has stopped reading (its socket stays open).
//
// Server→client frames may carry several JSON objects separated by "\n";
// receive() hands them out one object at a time.
class ws_client {
  public:
    explicit ws_client(ws_client_options options = {});
    ~ws_client();
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // Connects to 127.0.0.1:port and upgrades; throws std::runtime_error on failure or timeout.
    void connect(std::uint16_t port);

    // Writes bytes straight to the TCP socket, bypassing the WebSocket layer
    // (e.g. a hand-made frame the server must refuse). A failure here leaves
    // the WebSocket state untouched, so what the server sent can still be read.
    bool write_raw(std::string_view bytes, clock::duration timeout, std::string* error = nullptr);

    // Sends one text frame; throws when it was not written within the timeout or failed.
    void send(std::string_view text, clock::duration timeout = 5s);
    // The same without throwing; false (and *error) on failure.
    bool try_send(std::string_view text, clock::duration timeout, std::string* error = nullptr);

    // The next JSON object from the server; nullopt when none arrived within
    // the timeout or the connection has ended (see closed()). An object that is
    // not valid JSON throws.
    std::optional<json> receive(clock::duration timeout);

    // Reads until an object satisfies `pred` and returns it; the objects read
    // before it are appended to *others when given. nullopt on timeout or end.
    std::optional<json> wait_for(const std::function<bool(const json&)>& pred,
                                 clock::duration timeout,
                                 std::vector<json>* others = nullptr);
    std::optional<json> wait_for_type(std::string_view type,
                                      clock::duration timeout,
                                      std::vector<json>* others = nullptr);
    // The ack or error whose "id" is `id`.
    std::optional<json> reply_to(std::string_view id, clock::duration timeout, std::vector<json>* others = nullptr);
    // Sends `request` (which carries "id": id) and waits for its reply.
    std::optional<json> request(std::string_view request,
                                std::string_view id,
                                clock::duration timeout = 5s,
                                std::vector<json>* others = nullptr);

    // Sends hello and returns the server's first answer (welcome or error).
    std::optional<json> hello(const hello_args& args, clock::duration timeout = 5s);

    // Reads (collecting into *others) until the connection ends; false on timeout.
    bool wait_closed(clock::duration timeout, std::vector<json>* others = nullptr);

    // Closing handshake with `code`, bounded; the socket is dropped if it does not finish in time.
    void close(std::uint16_t code = 1000, clock::duration timeout = 5s);
    // Drops the TCP connection without a closing handshake.
    void abort();

    bool closed() const noexcept { return ended_; }
    // The code of the server's close frame, when the connection ended with one.
    std::optional<std::uint16_t> close_code() const noexcept { return close_code_; }
    std::string close_reason() const { return close_reason_; }
    // "close 1008 (reason)" or "transport error: ..." or "open".
    std::string end_description() const;
    // Objects received and not yet handed out.
    std::size_t buffered() const noexcept { return pending_.size(); }
    std::uint64_t frames_received() const noexcept { return frames_; }

  private:
    bool run_until(const std::function<bool()>& done, const deadline& until);
    void start_read();
    void on_end(const boost::beast::error_code& ec);

    ws_client_options options_;
    boost::asio::io_context ioc_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer read_buf_;
    std::string write_buf_;
    std::deque<std::string> pending_;
    int outstanding_ = 0;
    bool reading_ = false;
    bool connected_ = false;
    bool ended_ = false;
    boost::beast::error_code end_ec_;
    std::optional<std::uint16_t> close_code_;
    std::string close_reason_;
    std::uint64_t frames_ = 0;
};

// One masked, final client→server text frame carrying `payload`, as bytes on the wire.
std::string masked_text_frame(std::string_view payload);

// {"type":"notice.set","id":id,"text":text}
std::string notice_request(std::string_view id, std::string_view text);

}  // namespace liveroom::test
