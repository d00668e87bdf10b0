#pragma once

#include <memory>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "protocol/decode.hpp"
#include "server/core/ip_limiter.hpp"
#include "server/core/request_limiter.hpp"
#include "server/fanout/batch.hpp"
#include "server/hub/member.hpp"
#include "server/hub/room_runner.hpp"
#include "server/net/socket.hpp"
#include "server/net/transport.hpp"
#include "server/room/room.hpp"

namespace liveroom::hub {
class hub;
class worker;
class room_runner;
struct local_room;
}  // namespace liveroom::hub

namespace liveroom::net {

class session_registry;

// One WebSocket connection: reads requests, sends its private replies and
// the room's events. Lives on one worker; one write in flight at a time;
// everything pending goes out as one '\n'-joined message (fanout::batch).
class ws_session : public hub::member, public hub::mod_listener, public std::enable_shared_from_this<ws_session> {
  public:
    using request_t = boost::beast::http::request<boost::beast::http::string_body>;

    // `lease` holds this connection's place in its address's count (per-IP cap).
    ws_session(ws_transport_t&& transport, hub::hub& h, hub::worker& w, session_registry& reg, core::ip_lease lease);
    ~ws_session() override;

    void run(request_t req);

    // Open WebSocket connections in this process (for the global cap).
    static std::int64_t open_count() noexcept;

    // hub::member: the room published; send if idle.
    void on_room_frames() override;
    void on_room_rewound(std::uint64_t last_seq) override;
    void on_room_banned(const std::string& user) override;
    void on_room_unavailable() override;

    // Worker thread: graceful close with 1001 (server shutting down).
    void shutdown();

    // Any thread: queue a private message (ack, error, welcome) on this
    // session's worker.
    void send_private_from_anywhere(std::string msg) override;

  private:
    void on_accept(boost::beast::error_code ec);
    void do_read();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void on_hello_timeout(boost::beast::error_code ec);
    void handle(protocol::request&& r);
    void handle_hello(protocol::req::hello&& h, std::string id, bool has_id);
    void on_joined(std::shared_ptr<hub::room_runner> room, std::string welcome, std::uint64_t cursor, bool quiz_open);
    void send_private(std::string_view msg);
    void send_error(std::string_view id, bool has_id, protocol::errc code, std::string_view message);
    void kick();
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void close_with(std::uint16_t code, std::string_view reason);
    void leave_room();
    void write_pending();
    void check_stall();
    // Brings this session's share of the global buffer budget up to date.
    void account();

    template <class Fn>
    auto bound(Fn&& fn);  // binds the worker's handler memory

    boost::beast::websocket::stream<ws_transport_t> ws_;
    hub::hub& hub_;
    hub::worker& worker_;
    session_registry& registry_;
    core::ip_lease lease_;
    core::request_limiter limiter_;
    boost::beast::flat_buffer read_buf_;
    timer_t hello_timer_;

    std::shared_ptr<hub::room_runner> room_;
    hub::local_room* local_ = nullptr;
    room::actor actor_;
    std::uint64_t cursor_ = 1;
    bool joining_ = false;
    std::vector<protocol::request> early_;  // requests that came before the welcome
    static constexpr std::size_t max_early_requests = 16;
    static constexpr std::size_t read_step_bytes = 128;
    static constexpr std::size_t keep_outbox_bytes = 256;

    std::string outbox_;           // private messages not yet written
    std::string inflight_outbox_;  // private messages in the current write
    fanout::batch batch_;
    bool writing_ = false;
    bool closing_ = false;      // a close was asked for; no more writes
    bool close_after_ = false;  // close once the current write completes
    std::uint16_t close_code_ = 1000;
    std::string close_reason_;
    bool registered_ = false;
    // When a quiz.open (or a welcome showing an open quiz) was last written
    // to this connection: a quiz answer's time counts from there.
    std::int64_t quiz_open_at_ = 0;
    bool quiz_mark_pending_ = false;     // the next write carries the welcome's open quiz
    bool write_marks_quiz_ = false;      // the write in flight carries a quiz.open
    std::int64_t write_started_ms_ = 0;  // monotonic, of the write in flight
    std::int64_t accounted_ = 0;         // bytes counted in the global buffer budget
    bool stall_check_armed_ = false;     // hello_timer_ waits to check a stuck write

  public:
    std::size_t registry_index = 0;
};

}  // namespace liveroom::net
