#pragma once

#include <memory>
#include <string>

#include <boost/system/error_code.hpp>

#include "protocol/decode.hpp"
#include "server/core/ip_limiter.hpp"
#include "server/core/request_limiter.hpp"
#include "server/fanout/batch.hpp"
#include "server/hub/member.hpp"
#include "server/hub/room_runner.hpp"
#include "server/net/socket.hpp"
#include "server/net/transport.hpp"
#include "server/net/ws_frame.hpp"
#include "server/room/room.hpp"

namespace liveroom::hub {
class hub;
class worker;
class room_runner;
struct local_room;
}  // namespace liveroom::hub

namespace liveroom::net {

class session_registry;

// One WebSocket connection, after its opening handshake (http_session):
// reads requests, sends its private replies and the room's events. Lives on
// one worker; one write in flight at a time; everything pending goes out as
// one '\n'-joined message (fanout::batch). The framing is ws_frame's; an
// idle plain connection waits for readability and holds no read buffer.
class ws_session : public hub::member, public hub::mod_listener, public std::enable_shared_from_this<ws_session> {
  public:
    // `lease` holds this connection's place in its address's count (per-IP cap).
    ws_session(ws_transport_t&& transport, hub::hub& h, hub::worker& w, session_registry& reg, core::ip_lease lease);
    ~ws_session() override;

    // Starts the session; `first_bytes` are what the client sent after its
    // upgrade request (usually nothing).
    void run(std::string first_bytes);

    // Open WebSocket connections in this process (for the global cap).
    static std::int64_t open_count() noexcept;

    // hub::member: the room published; send if idle.
    void on_room_frames() override;
    void on_room_rewound(std::uint64_t last_seq) override;
    void on_room_banned(const std::string& user) override;
    void on_room_unavailable() override;

    // Worker thread: graceful close with 1001 (server shutting down).
    void shutdown();
    // Worker thread, about once a second: a ping after half of
    // --idle-timeout-ms without a byte from the client; the connection is
    // dropped after all of it.
    void check_idle(std::int64_t now_ms);

    // Any thread: queue a private message (ack, error, welcome) on this
    // session's worker.
    void send_private_from_anywhere(std::string msg) override;

  private:
    void do_read();
    void on_readable(boost::system::error_code ec);
    void on_read(boost::system::error_code ec, std::size_t bytes);
    void on_read_error(boost::system::error_code ec);
    // Handles every complete frame in rx_; false once the connection is done.
    bool on_bytes();
    void release_rx();
    void on_message(std::string_view text, bool is_text);
    void on_hello_timeout(boost::system::error_code ec);
    void handle(protocol::request&& r);
    void handle_hello(protocol::req::hello&& h, std::string id, bool has_id);
    void on_joined(std::shared_ptr<hub::room_runner> room, std::string welcome, std::uint64_t cursor, bool quiz_open);
    void send_private(std::string_view msg);
    void send_error(std::string_view id, bool has_id, protocol::errc code, std::string_view message);
    void send_control(std::string frame);
    void kick();
    void on_write(boost::system::error_code ec, std::size_t bytes);
    void close_with(std::uint16_t code, std::string_view reason);
    void close_socket();
    void drop();
    void end_connection();
    void leave_room();
    void write_pending();
    void start_write(bool with_message);
    void check_stall();
    // Brings this session's share of the global buffer budget up to date.
    void account();

    template <class Fn>
    auto bound(Fn&& fn);  // binds the worker's handler memory

    ws_transport_t stream_;
    hub::hub& hub_;
    hub::worker& worker_;
    session_registry& registry_;
    core::ip_lease lease_;
    core::request_limiter limiter_;
    ws::reader reader_;
    std::string rx_;  // bytes received and not yet parsed: empty while idle
    timer_t hello_timer_;

    std::shared_ptr<hub::room_runner> room_;
    hub::local_room* local_ = nullptr;
    room::actor actor_;
    std::uint64_t cursor_ = 1;
    bool joining_ = false;
    std::vector<protocol::request> early_;  // requests that came before the welcome
    static constexpr std::size_t max_early_requests = 16;
    static constexpr std::size_t plain_read_bytes = 4096;  // transient: freed once parsed
    static constexpr std::size_t tls_read_bytes = 512;     // held by the pending TLS read
    static constexpr std::size_t keep_outbox_bytes = 256;

    std::string outbox_;           // private messages not yet written
    std::string inflight_outbox_;  // private messages in the current write
    std::string control_;          // control frames (pong, ping, close) not yet written
    std::string tx_head_;          // the current write's control frames and message header
    fanout::batch batch_;
    bool writing_ = false;
    bool write_has_message_ = false;  // the write in flight carries batch_
    bool closing_ = false;            // a close was asked for; no more messages
    bool close_after_ = false;        // a close frame is still to be sent
    bool close_sent_ = false;         // our close frame is written (or being written)
    bool close_received_ = false;     // the client's close frame arrived
    bool read_done_ = false;          // no more reads (end of stream, error, or the close)
    bool ping_sent_ = false;          // an idle ping is out and nothing came back yet
    std::uint16_t close_code_ = 1000;
    std::string close_reason_;
    bool registered_ = false;
    // When a quiz.open (or a welcome showing an open quiz) was last written
    // to this connection: a quiz answer's time counts from there.
    std::int64_t quiz_open_at_ = 0;
    bool quiz_mark_pending_ = false;     // the next write carries the welcome's open quiz
    bool write_marks_quiz_ = false;      // the write in flight carries a quiz.open
    std::int64_t write_started_ms_ = 0;  // monotonic, of the write in flight
    std::int64_t last_rx_ms_ = 0;        // monotonic, of the last bytes from the client
    std::int64_t accounted_ = 0;         // bytes counted in the global buffer budget
    bool stall_check_armed_ = false;     // hello_timer_ waits to check a stuck write

  public:
    std::size_t registry_index = 0;
};

}  // namespace liveroom::net
