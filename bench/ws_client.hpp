#pragma once

// A lean asynchronous WebSocket client connection (Beast), for a load generator that runs
// tens of thousands of them. One io_context thread owns each connection: every member
// function and every handler call happens on that thread, so there is no locking.
//
// Reads are bounded: message data arrives in chunks of at most `read_chunk` bytes into one
// reused buffer of about that size, and the handler gets the complete '\n'-separated
// objects seen so far (a partial trailing object waits for the next chunk). So a server that
// batches hundreds of KiB into one frame does not grow every connection's buffer to that
// size. Writes are queued, one in flight, and their strings are recycled.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/rate_policy.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "server/core/handler_pool.hpp"

namespace liveroom::bench {

// Where every connection goes; resolved once and shared read-only by all connections.
struct ws_target {
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host_header;                            // "127.0.0.1:8080"
    std::string path;                                   // "/ws"
    std::chrono::milliseconds connect_timeout{10'000};  // TCP connect + upgrade handshake
    std::chrono::milliseconds close_timeout{5'000};     // our close handshake
};

enum class ws_stage { connect, handshake, read, write, close };
const char* to_string(ws_stage stage);

class ws_client;

// Receives one connection's events on the connection's io_context thread.
class ws_client_handler {
  public:
    // The upgrade succeeded; the handler may send().
    virtual void on_open(ws_client& client) = 0;
    // One or more complete '\n'-separated objects of a text message (a whole message, or
    // the complete objects of its part read so far). The view is valid only during the call.
    virtual void on_text(ws_client& client, std::string_view objects) = 0;
    // Called exactly once, when the connection is over: `stage` says where; `ec` is the
    // error, or success after a close that we started and that completed cleanly.
    virtual void on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) = 0;

  protected:
    ~ws_client_handler() = default;
};

class ws_client : public std::enable_shared_from_this<ws_client> {
  public:
    // `tag` is the handler's own index for this connection. `write_buffer_bytes` sizes
    // Beast's per-connection masking buffer (viewers send little: keep it small);
    // `read_chunk` bounds each read (an object longer than that still arrives whole).
    // Operation state comes from `pool`, which belongs to the thread running `ioc` and
    // must outlive it.
    ws_client(boost::asio::io_context& ioc,
              core::handler_pool& pool,
              const ws_target& target,
              ws_client_handler& handler,
              std::uint32_t tag,
              std::size_t write_buffer_bytes,
              std::size_t read_chunk);

    // Opens the socket, binds it to `source` (port chosen at connect time) unless
    // `source` is unspecified, connects, upgrades. Ends with on_open or on_end.
    void start(const boost::asio::ip::address& source);

    // Queues one text message; ignored unless the connection is open and not closing.
    void send(std::string text);
    // A recycled, cleared string to build the next message in.
    std::string take_buffer();

    // Starts a clean close (1000), or aborts a connection that is not open yet.
    void close();
    // Cuts the connection at once, as a network failure would: no close handshake, the
    // socket is reset (SO_LINGER 0, so no TIME_WAIT is left behind). on_end follows (stage
    // close, operation_aborted) from a fresh handler call.
    void abort();

    std::uint32_t tag() const { return tag_; }
    bool is_open() const { return open_ && !closing_; }
    std::size_t queued() const { return queue_.size(); }

    // A one-line description of a failure, for reports: the stage, the addresses, the
    // error, and for a close by the server its code and reason.
    std::string describe(ws_stage stage, boost::beast::error_code ec) const;

  private:
    void on_connect(boost::beast::error_code ec);
    void on_handshake(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec);
    void do_write();
    void on_write(boost::beast::error_code ec);
    void finish(ws_stage stage, boost::beast::error_code ec);
    // Binds the pool's allocator to a completion handler.
    template <class Fn>
    auto bound(Fn&& fn);

    // The io_context's concrete executor, not tcp_stream's any_io_executor: through the
    // polymorphic executor every completion is type-erased into a heap-allocated function.
    using socket_stream = boost::beast::
        basic_stream<boost::asio::ip::tcp, boost::asio::io_context::executor_type, boost::beast::unlimited_rate_policy>;

    boost::beast::websocket::stream<socket_stream> ws_;
    boost::beast::flat_buffer buffer_;
    core::handler_pool& pool_;
    const ws_target& target_;
    ws_client_handler& handler_;
    std::unique_ptr<boost::beast::http::response<boost::beast::http::string_body>> upgrade_response_;
    std::deque<std::string> queue_;
    std::vector<std::string> spare_;
    boost::asio::ip::address source_;
    std::uint32_t tag_;
    std::size_t read_chunk_;
    unsigned http_status_ = 0;
    bool open_ = false;
    bool closing_ = false;
    bool writing_ = false;
    bool ended_ = false;
};

}  // namespace liveroom::bench
