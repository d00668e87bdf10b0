#include "server/net/ws_session.hpp"

#include <array>
#include <cerrno>
#include <random>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_cat.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <sys/socket.h>
#include <sys/uio.h>

#include "protocol/text.hpp"
#include "server/auth/jwt.hpp"
#include "server/core/clock.hpp"
#include "server/core/handler_pool.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/room_runner.hpp"
#include "server/hub/worker.hpp"
#include "server/net/buffer_budget.hpp"
#include "server/net/session_registry.hpp"

namespace liveroom::net {

namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {
core::metric connections("liveroom_ws_connections", "open WebSocket connections", core::metric::kind::gauge);
core::metric connections_total("liveroom_ws_connections_total",
                               "WebSocket connections accepted",
                               core::metric::kind::counter);
core::metric frames_sent("liveroom_ws_frames_sent_total",
                         "WebSocket messages written (each may batch events)",
                         core::metric::kind::counter);
core::metric bytes_sent("liveroom_ws_bytes_sent_total", "WebSocket payload bytes written", core::metric::kind::counter);
core::metric deliveries("liveroom_deliveries_total",
                        "room events delivered to connections",
                        core::metric::kind::counter);
core::metric drops("liveroom_drops_total",
                   "droppable events skipped for slow connections",
                   core::metric::kind::counter);
core::metric resyncs("liveroom_resyncs_total", "slow connections closed to resync (1013)", core::metric::kind::counter);
core::metric frames_received("liveroom_ws_frames_received_total",
                             "WebSocket messages received",
                             core::metric::kind::counter);
core::metric bad_frames("liveroom_ws_bad_requests_total",
                        "client messages refused as malformed",
                        core::metric::kind::counter);
core::metric rate_limited("liveroom_ws_rate_limited_total",
                          "client messages refused over the connection's request rate",
                          core::metric::kind::counter);
core::metric flood_closes("liveroom_ws_flood_closes_total",
                          "connections closed (1008) for flooding past --flood-factor",
                          core::metric::kind::counter);
core::metric room_full("liveroom_ws_refused_room_full_total",
                       "hellos refused (1013) at --max-room-connections",
                       core::metric::kind::counter);
core::metric outbox_closes("liveroom_ws_outbox_closes_total",
                           "connections closed (1013) whose unread replies passed --slow-hard-bytes",
                           core::metric::kind::counter);
core::metric buffer_resyncs("liveroom_ws_buffer_resyncs_total",
                            "stalled connections closed (1013) while all queued bytes passed --max-buffered-mb",
                            core::metric::kind::counter);

// A write in flight this long while the buffer budget is spent marks a
// connection as one of the slowest: it resyncs to give its bytes back.
constexpr std::int64_t stalled_write_ms = 1000;

std::string guest_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    char buf[24];
    std::snprintf(buf, sizeof buf, "g-%012llx", static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFULL));
    return buf;
}

std::string default_name(const std::string& id) {
    // 观众 + four digits derived from the id: stable for a guest id.
    const std::size_t h = std::hash<std::string>{}(id) % 10000;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04zu", h);
    return std::string("观众") + buf;
}

// The message limits of a viewer's connection, or of a moderator's or host's.
core::request_limiter::limits request_limits(const core::config& cfg, bool staff) {
    return {.rate = static_cast<double>(staff ? cfg.staff_requests_per_s : cfg.viewer_requests_per_s),
            .burst = static_cast<double>(staff ? cfg.staff_request_burst : cfg.viewer_request_burst),
            .flood_factor = static_cast<double>(cfg.flood_factor),
            .flood_seconds = static_cast<double>(cfg.flood_seconds)};
}
}  // namespace

std::int64_t ws_session::open_count() noexcept {
    return connections.get();
}

buffer_budget& buffers() noexcept {
    static buffer_budget b;
    return b;
}

ws_session::ws_session(
    ws_transport_t&& transport, hub::hub& h, hub::worker& w, session_registry& reg, core::ip_lease lease)
    : stream_(std::move(transport)),
      hub_(h),
      worker_(w),
      registry_(reg),
      lease_(std::move(lease)),
      limiter_(request_limits(h.config(), false)),
      reader_(h.config().max_frame_bytes),
      hello_timer_(w.ioc().get_executor()) {}

template <class Fn>
auto ws_session::bound(Fn&& fn) {
    return asio::bind_allocator(core::handler_allocator<char>(worker_.handler_memory()), std::forward<Fn>(fn));
}

ws_session::~ws_session() {
    if (accounted_ != 0) {
        buffers().add(worker_.index(), -accounted_);
    }
    leave_room();
    if (registered_) {
        registry_.remove(*this);
        connections.sub();
    }
}

void ws_session::run(std::string first_bytes) {
    if (!stream_.is_tls()) {
        // Reads are attempted only once the socket is readable (do_read), so
        // they must never block.
        boost::system::error_code ec;
        stream_.plain().non_blocking(true, ec);
        if (ec) {
            return;
        }
    }
    registry_.add(*this);
    registered_ = true;
    connections.add();
    connections_total.add();
    last_rx_ms_ = core::mono_ms();
    hello_timer_.expires_after(std::chrono::milliseconds(hub_.config().hello_timeout_ms));
    hello_timer_.async_wait(bound(beast::bind_front_handler(&ws_session::on_hello_timeout, shared_from_this())));
    rx_ = std::move(first_bytes);
    if (!rx_.empty() && !on_bytes()) {
        return;
    }
    do_read();
}

void ws_session::on_hello_timeout(boost::system::error_code ec) {
    if (ec || room_ || joining_) {
        return;
    }
    close_with(ws::close_code::policy_error, "hello timeout");
}

// A plain connection waits for readability with no buffer, then reads what
// is there into rx_, which is released again once parsed: an idle viewer
// holds no read memory. Over TLS the bytes may already sit in the TLS layer,
// so a (small) read stays pending instead.
void ws_session::do_read() {
    if (read_done_) {
        return;
    }
    if (!stream_.is_tls()) {
        stream_.plain().async_wait(socket_t::wait_read,
                                   bound(beast::bind_front_handler(&ws_session::on_readable, shared_from_this())));
        return;
    }
    const std::size_t have = rx_.size();
    rx_.resize(have + tls_read_bytes);
    stream_.async_read_some(asio::buffer(rx_.data() + have, tls_read_bytes),
                            bound(beast::bind_front_handler(&ws_session::on_read, shared_from_this())));
}

// Reads until the socket has nothing more: the reactor reports readability
// by edges, so bytes left behind would wait for the client's next send. A
// client that keeps the socket full gets `max_reads` reads, then a turn at
// the back of the queue (the other handlers of the worker run meanwhile).
void ws_session::on_readable(boost::system::error_code ec) {
    if (ec) {
        on_read_error(ec);
        return;
    }
    constexpr int max_reads = 16;
    for (int i = 0; i < max_reads; ++i) {
        if (rx_.capacity() == 0) {
            rx_.swap(worker_.read_scratch());  // borrowed while rx_ holds bytes (release_rx)
        }
        const std::size_t have = rx_.size();
        rx_.resize(have + plain_read_bytes);
        const std::size_t n = stream_.plain().read_some(asio::buffer(rx_.data() + have, plain_read_bytes), ec);
        rx_.resize(have + n);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            if (rx_.empty()) {
                release_rx();  // nothing held while idle
            }
            do_read();
            return;
        }
        if (ec) {
            on_read_error(ec);
            return;
        }
        if (!on_bytes()) {
            return;
        }
    }
    asio::post(stream_.get_executor(),
               bound([self = shared_from_this()] { self->on_readable(boost::system::error_code{}); }));
}

void ws_session::on_read(boost::system::error_code ec, std::size_t bytes) {
    rx_.resize(rx_.size() - tls_read_bytes + bytes);
    if (ec) {
        on_read_error(ec);
        return;
    }
    if (on_bytes()) {
        do_read();
    }
}

// End of stream, a reset, or the socket closed under the read.
void ws_session::on_read_error(boost::system::error_code) {
    read_done_ = true;
    release_rx();
    if (closing_ && close_sent_) {
        close_socket();  // the client ended after our close frame
        return;
    }
    drop();
}

bool ws_session::on_bytes() {
    last_rx_ms_ = core::mono_ms();
    ping_sent_ = false;
    std::size_t pos = 0;
    bool go_on = true;
    while (go_on) {
        const ws::event e = reader_.next(rx_, pos);
        switch (e.what) {
            case ws::event::kind::need_more:
                go_on = false;
                break;
            case ws::event::kind::text:
            case ws::event::kind::binary:
                if (!closing_) {
                    on_message(e.payload, e.what == ws::event::kind::text);
                }
                break;
            case ws::event::kind::ping:
                if (!closing_) {
                    send_control(ws::control_frame(ws::opcode::pong, e.payload));
                }
                break;
            case ws::event::kind::pong:
                break;
            case ws::event::kind::close:
                close_received_ = true;
                read_done_ = true;
                if (close_sent_) {
                    if (!writing_) {
                        end_connection();  // the close handshake is complete
                    }
                } else {
                    // Echo the client's code (RFC 6455 §5.5.1); the socket
                    // closes once the reply is written.
                    close_with(e.code == ws::close_code::no_status ? ws::close_code::normal : e.code, "");
                }
                go_on = false;
                break;
            case ws::event::kind::fail:
                bad_frames.add();
                read_done_ = true;
                close_with(e.code, e.why);
                go_on = false;
                break;
        }
    }
    if (read_done_) {
        release_rx();
        return false;
    }
    rx_.erase(0, pos);
    if (rx_.empty()) {
        release_rx();  // no partial frame: the buffer is not kept per connection
    }
    return true;
}

// rx_ holds no bytes: its buffer goes back to the worker's read scratch
// (when larger than what the scratch has), else it is freed.
void ws_session::release_rx() {
    rx_.clear();
    std::string& scratch = worker_.read_scratch();
    if (scratch.capacity() < rx_.capacity()) {
        scratch.swap(rx_);
    }
    std::string().swap(rx_);
}

void ws_session::on_message(std::string_view text, bool is_text) {
    frames_received.add();
    // Every message counts, ping and malformed ones too, before any work.
    const auto verdict = limiter_.on_message(core::mono_ms());
    if (verdict == core::request_limiter::verdict::flooding) {
        flood_closes.add();
        close_with(ws::close_code::policy_error, "flooding");
    } else if (verdict == core::request_limiter::verdict::limited) {
        rate_limited.add();
        // Answered only when the request has an id (the contract); decoded
        // for that id alone, nothing is applied.
        auto decoded = protocol::decode_request(text);
        if (auto* r = std::get_if<protocol::request>(&decoded); r != nullptr && r->has_id) {
            send_error(r->id, true, protocol::errc::rate_limited, "too many requests: slow down");
        } else if (auto* err = std::get_if<protocol::decode_error>(&decoded); err != nullptr && err->has_id) {
            send_error(err->id, true, protocol::errc::rate_limited, "too many requests: slow down");
        }
    } else if (!is_text) {
        send_error({}, false, protocol::errc::bad_request, "binary messages are not accepted");
    } else {
        auto decoded = protocol::decode_request(text);
        if (auto* err = std::get_if<protocol::decode_error>(&decoded)) {
            bad_frames.add();
            send_error(err->id, err->has_id, err->code, err->message);
        } else {
            handle(std::move(std::get<protocol::request>(decoded)));
        }
    }
}

void ws_session::check_idle(std::int64_t now_ms) {
    if (closing_) {
        return;
    }
    const std::int64_t idle = hub_.config().idle_timeout_ms;
    if (now_ms - last_rx_ms_ >= idle) {
        drop();  // nothing from the client, not even a pong: the peer is gone
        return;
    }
    if (!ping_sent_ && now_ms - last_rx_ms_ >= idle / 2) {
        ping_sent_ = true;
        send_control(ws::control_frame(ws::opcode::ping, {}));
    }
}

void ws_session::send_control(std::string frame) {
    control_.append(frame);
    kick();
}

void ws_session::handle(protocol::request&& r) {
    if (auto* h = std::get_if<protocol::req::hello>(&r.body)) {
        if (room_ || joining_) {
            send_error(r.id, r.has_id, protocol::errc::bad_request, "already joined a room");
            return;
        }
        handle_hello(std::move(*h), std::move(r.id), r.has_id);
        return;
    }
    if (joining_) {
        // Sent right after hello, before the welcome: keep the order, bounded.
        if (early_.size() >= max_early_requests) {
            send_error(r.id, r.has_id, protocol::errc::rate_limited, "wait for the welcome");
            return;
        }
        early_.push_back(std::move(r));
        return;
    }
    if (!room_) {
        send_error(r.id, r.has_id, protocol::errc::bad_request, "send hello first");
        return;
    }
    if (std::holds_alternative<protocol::req::ping>(r.body)) {
        if (r.has_id) {
            protocol::json_out j;
            send_private(j.begin("ack").field("id", r.id).field("server_time", core::now_ms()).finish());
        }
        return;
    }
    if (auto* like = std::get_if<protocol::req::like>(&r.body)) {
        // Counted here, published by the room's tick: never one broadcast per like.
        room_->counters().likes.fetch_add(like->count, std::memory_order_relaxed);
        if (r.has_id) {
            protocol::json_out j;
            send_private(j.begin("ack").field("id", r.id).finish());
        }
        return;
    }
    room::server_inputs in;
    if (std::holds_alternative<protocol::req::quiz_answer>(r.body) && quiz_open_at_ != 0) {
        in.elapsed_ms = core::now_ms() - quiz_open_at_;  // from when the quiz reached this connection
    }
    asio::post(room_->owner().ioc(), [self = shared_from_this(), room = room_, r = std::move(r), in]() {
        room->handle(
            self->actor_, r, core::now_ms(),
            [self](std::string out) { self->send_private_from_anywhere(std::move(out)); }, in);
    });
}

void ws_session::handle_hello(protocol::req::hello&& h, std::string id, bool has_id) {
    const std::int64_t now = core::now_ms();
    auto room = hub_.find(h.room);
    const auto policy = ws::close_code::policy_error;
    if (h.token) {
        auto v = auth::verify(*h.token, hub_.config().secret, now / 1000);
        if (!v.ok) {
            send_error(id, has_id, protocol::errc::forbidden, auth::to_string(v.error));
            close_with(policy, "bad token");
            return;
        }
        if (!auth::admits(*v.ok, h.room)) {
            send_error(id, has_id, protocol::errc::forbidden, "the token is for another room");
            close_with(policy, "token room mismatch");
            return;
        }
        actor_.id = v.ok->sub;
        actor_.name = protocol::clean_name(v.ok->name, 32);
        actor_.role = v.ok->role;
        if (protocol::can_moderate(actor_.role)) {
            // The hello was the first message: a fresh bucket at the staff rate.
            limiter_ = core::request_limiter(request_limits(hub_.config(), true));
        }
    }
    if (!room) {
        send_error(id, has_id, protocol::errc::not_found, "no such room");
        close_with(policy, "no such room");
        return;
    }
    // The room's cap admits its moderators and hosts even when full, so an
    // evening can always be run. `online` counts joined connections; joins in
    // flight on other threads may pass it by a few.
    const int room_cap = hub_.config().max_room_connections;
    if (room_cap > 0 && !protocol::can_moderate(actor_.role) &&
        room->counters().online.load(std::memory_order_relaxed) >= room_cap) {
        room_full.add();
        send_error(id, has_id, protocol::errc::rate_limited, "the room is full; try again later");
        close_with(ws::close_code::try_again_later, "room full");
        return;
    }
    if (!h.token) {
        if (!room->allow_guests()) {
            send_error(id, has_id, protocol::errc::forbidden, "this room needs a token");
            close_with(policy, "guests not allowed");
            return;
        }
        actor_.id = guest_id();
        actor_.name = h.name;
        actor_.role = protocol::role::viewer;
    }
    if (actor_.name.empty()) {
        actor_.name = h.name.empty() ? default_name(actor_.id) : h.name;
    }
    if (!h.token) {
        auth::claims c{actor_.id, actor_.name, protocol::role::viewer, room->id(), now / 1000 + 12 * 3600};
        actor_.resume_token = auth::sign(c, hub_.config().secret);
    }
    joining_ = true;
    asio::post(room->owner().ioc(), [self = shared_from_this(), room, since = h.since, now]() mutable {
        std::string welcome;
        const std::uint64_t cursor = room->welcome(self->actor_, self, since, now, welcome);
        const bool quiz_open = room->quiz_open();
        asio::post(self->worker_.ioc(),
                   [self, room = std::move(room), welcome = std::move(welcome), cursor, quiz_open]() mutable {
                       self->on_joined(std::move(room), std::move(welcome), cursor, quiz_open);
                   });
    });
}

void ws_session::on_joined(std::shared_ptr<hub::room_runner> room,
                           std::string welcome,
                           std::uint64_t cursor,
                           bool quiz_open) {
    joining_ = false;
    if (closing_) {
        return;
    }
    if (cursor == hub::welcome_retry) {
        send_private(welcome);  // this node cannot serve the room now: another may
        close_with(ws::close_code::try_again_later, "room unavailable here");
        return;
    }
    if (cursor == hub::welcome_refused) {
        send_private(welcome);  // the refusal (banned)
        close_with(ws::close_code::policy_error, "banned");
        return;
    }
    hello_timer_.cancel();
    room_ = std::move(room);
    room_->counters().joined();
    local_ = &worker_.subscribe(*room_, *this);
    cursor_ = cursor;
    quiz_mark_pending_ = quiz_open;
    send_private(welcome);
    // The guest's resume token went out in the welcome; the session has no
    // further use for it (a few hundred bytes per viewer).
    std::string().swap(actor_.resume_token);
    auto early = std::move(early_);
    early_.clear();
    for (auto& r : early) {
        handle(std::move(r));
    }
}

void ws_session::send_private_from_anywhere(std::string msg) {
    asio::post(worker_.ioc(), [self = shared_from_this(), msg = std::move(msg)] { self->send_private(msg); });
}

void ws_session::send_private(std::string_view msg) {
    if (closing_) {
        return;
    }
    // A client that sends requests and never reads the replies: bounded. (The
    // outbox grows only while a write is in flight; one message, such as a
    // large welcome, always fits.)
    if (!outbox_.empty() && outbox_.size() + msg.size() > hub_.config().slow_hard_bytes) {
        outbox_closes.add();
        close_with(ws::close_code::try_again_later, "too slow: replies not read");
        return;
    }
    if (!outbox_.empty()) {
        outbox_ += '\n';
    }
    outbox_.append(msg);
    kick();
}

void ws_session::send_error(std::string_view id, bool has_id, protocol::errc code, std::string_view message) {
    protocol::json_out j;
    send_private(protocol::encode_error(j, id, has_id, code, message));
}

void ws_session::on_room_frames() {
    kick();
}

void ws_session::on_room_rewound(std::uint64_t last_seq) {
    if (cursor_ > last_seq + 1) {
        resyncs.add();
        close_with(ws::close_code::try_again_later, "room reloaded: reconnect with since");
    }
}

void ws_session::on_room_unavailable() {
    resyncs.add();
    close_with(ws::close_code::try_again_later, "this server lost the cluster: reconnect with since");
}

void ws_session::on_room_banned(const std::string& user) {
    if (actor_.id == user && !protocol::can_moderate(actor_.role)) {
        send_error({}, false, protocol::errc::banned, "you are banned from this room");
        close_with(ws::close_code::policy_error, "banned");
    }
}

void ws_session::kick() {
    write_pending();
    account();
}

void ws_session::account() {
    const auto now = static_cast<std::int64_t>(outbox_.size() + (writing_ ? batch_.bytes() : 0));
    if (now != accounted_) {
        buffers().add(worker_.index(), now - accounted_);
        accounted_ = now;
    }
}

void ws_session::write_pending() {
    if (writing_) {
        // The global buffer budget is spent: check (once) whether this write
        // is still stuck when it has been in flight for stalled_write_ms. The
        // timer is free once joined (the hello timeout is over).
        if (buffers().over() && !closing_ && !stall_check_armed_ && room_) {
            stall_check_armed_ = true;
            const auto wait = std::max<std::int64_t>(0, write_started_ms_ + stalled_write_ms - core::mono_ms());
            hello_timer_.expires_after(std::chrono::milliseconds(wait));
            hello_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                self->stall_check_armed_ = false;
                if (!ec) {
                    self->check_stall();
                }
            });
        }
        return;
    }
    if (close_sent_) {
        return;  // nothing follows a close frame
    }
    tx_head_.swap(control_);
    control_.clear();
    if (closing_) {
        if (!close_after_) {
            return;  // dropped without a close frame
        }
        close_after_ = false;
        close_sent_ = true;
        if (!outbox_.empty()) {
            // Its last words (the error that explains the close) go first.
            char header[ws::max_header_bytes];
            tx_head_.append(header, ws::write_header(header, ws::opcode::text, outbox_.size()));
            tx_head_.append(outbox_);
            outbox_.clear();
        }
        tx_head_.append(ws::close_frame(close_code_, close_reason_));
        start_write(false);
        return;
    }
    inflight_outbox_.swap(outbox_);
    outbox_.clear();
    const auto& cfg = hub_.config();
    const fanout::batch_limits limits{cfg.max_batch_bytes, cfg.slow_soft_bytes, cfg.slow_hard_bytes};
    const auto r = batch_.gather(local_ != nullptr ? &local_->feed : nullptr, cursor_, inflight_outbox_, limits);
    if (r == fanout::batch::result::resync) {
        // Still to go, before the close frame: the control frames and the
        // private messages (an ack must not be lost to a resync).
        control_.swap(tx_head_);
        outbox_.swap(inflight_outbox_);
        resyncs.add();
        close_with(ws::close_code::try_again_later, "too slow: reconnect with since");
        return;
    }
    if (r == fanout::batch::result::empty) {
        if (!tx_head_.empty()) {
            start_write(false);  // control frames only
        }
        return;
    }
    char header[ws::max_header_bytes];
    tx_head_.append(header, ws::write_header(header, ws::opcode::text, batch_.bytes()));
    write_marks_quiz_ = quiz_mark_pending_ || batch_.last().marked;
    quiz_mark_pending_ = false;
    start_write(true);
}

// One write: tx_head_ (control frames, then the message's header), then the
// message itself when `with_message` (the batch's shared frames, not copied).
// A plain socket is tried at once with one non-blocking sendmsg: most writes
// fit the socket's buffer, and then there is no operation, no completion
// handler and no trip through the io_context. What does not fit goes out
// through an asynchronous write.
void ws_session::start_write(bool with_message) {
    writing_ = true;
    write_has_message_ = with_message;
    write_started_ms_ = core::mono_ms();
    const asio::const_buffer head(tx_head_.data(), tx_head_.size());
    const fanout::buffer_view message = with_message ? batch_.buffers() : fanout::buffer_view(nullptr, nullptr);
    const auto all = beast::buffers_cat(head, message);
    std::size_t sent = 0;
    if (!stream_.is_tls()) {
        constexpr std::size_t max_iov = 128;
        std::array<iovec, max_iov> iov;
        std::size_t count = 0;
        std::size_t total = 0;
        bool whole = true;
        const auto put = [&](const asio::const_buffer& b) {
            if (count == max_iov) {
                whole = false;
            } else if (b.size() != 0) {
                iov[count++] = iovec{const_cast<void*>(b.data()), b.size()};
                total += b.size();
            }
        };
        put(head);
        for (const asio::const_buffer& b : message) {
            put(b);
        }
        msghdr msg{};
        msg.msg_iov = iov.data();
        msg.msg_iovlen = count;
        const ssize_t n = ::sendmsg(stream_.plain().native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            on_write(boost::system::error_code(errno, boost::system::system_category()), 0);
            return;
        }
        sent = n > 0 ? static_cast<std::size_t>(n) : 0;
        if (whole && sent == total) {
            on_write({}, sent);
            return;
        }
    }
    beast::buffers_suffix<std::decay_t<decltype(all)>> rest(all);
    rest.consume(sent);
    asio::async_write(stream_, rest, bound(beast::bind_front_handler(&ws_session::on_write, shared_from_this())));
}

void ws_session::check_stall() {
    // A connection whose write has not drained for a while, while all queued
    // bytes are over the cap, is among the slowest: it resyncs (by `since`)
    // and its bytes are given back.
    if (writing_ && !closing_ && buffers().over() && core::mono_ms() - write_started_ms_ >= stalled_write_ms) {
        buffer_resyncs.add();
        close_with(ws::close_code::try_again_later, "server busy: reconnect with since");
    }
}

void ws_session::on_write(boost::system::error_code ec, std::size_t) {
    writing_ = false;
    fanout::batch::stats st;
    std::size_t batch_bytes = 0;
    if (write_has_message_) {
        st = batch_.last();
        batch_bytes = batch_.bytes();
        batch_.release(worker_.pool());
        if (inflight_outbox_.capacity() > keep_outbox_bytes) {
            // A welcome snapshot is a few KB: do not keep that per idle viewer.
            std::string().swap(inflight_outbox_);
        } else {
            inflight_outbox_.clear();
        }
    }
    if (tx_head_.capacity() > keep_outbox_bytes) {
        std::string().swap(tx_head_);
    } else {
        tx_head_.clear();
    }
    if (ec) {
        drop();
        return;
    }
    if (close_sent_) {
        // Our close frame is out: the client answers with its own (on_bytes
        // closes then), or is dropped after a while.
        if (close_received_ || read_done_) {
            end_connection();
            return;
        }
        hello_timer_.expires_after(std::chrono::seconds(2));
        hello_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            if (!e) {
                self->close_socket();
            }
        });
        account();
        return;
    }
    if (write_has_message_) {
        if (write_marks_quiz_) {
            quiz_open_at_ = core::now_ms();
        }
        frames_sent.add();
        bytes_sent.add(static_cast<std::int64_t>(batch_bytes));
        deliveries.add(static_cast<std::int64_t>(st.frames));
        if (st.skipped != 0) {
            drops.add(static_cast<std::int64_t>(st.skipped));
        }
    }
    // Everything that arrived meanwhile goes out as one message: private
    // replies now; room events now too, unless a delivery pass is running or
    // waiting, which takes them (worker::defer_to_pass).
    if (outbox_.empty() && control_.empty() && local_ != nullptr && local_->feed.head() >= cursor_ &&
        worker_.defer_to_pass(*local_)) {
        account();
        return;
    }
    kick();
}

void ws_session::close_with(std::uint16_t code, std::string_view reason) {
    if (closing_) {
        return;
    }
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
    close_after_ = true;
    hello_timer_.cancel();
    leave_room();
    if (!writing_) {
        kick();
        return;
    }
    // A write is in flight: close after it, unless it is stuck (a viewer that
    // stopped reading), then drop the connection; it resumes with `since`.
    hello_timer_.expires_after(std::chrono::seconds(2));
    hello_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && self->writing_) {
            self->close_socket();
        }
    });
}

// After the close handshake: TLS says close_notify first (bounded by the
// timer), so that the client reads its close frame as a clean end.
void ws_session::end_connection() {
    if (!stream_.is_tls() || (read_done_ && !close_received_)) {
        close_socket();
        return;
    }
    read_done_ = true;
    hello_timer_.expires_after(std::chrono::seconds(2));
    hello_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
        if (!e) {
            self->close_socket();
        }
    });
    stream_.tls().async_shutdown(
        bound([self = shared_from_this()](boost::system::error_code) { self->close_socket(); }));
}

// Ends the connection without a close frame: the peer is gone or broke it.
void ws_session::drop() {
    closing_ = true;
    close_after_ = false;
    leave_room();
    account();
    close_socket();
}

// Ends the TCP connection at once; pending operations complete with errors
// and release the session.
void ws_session::close_socket() {
    read_done_ = true;
    boost::system::error_code ignored;
    hello_timer_.cancel();
    stream_.close(ignored);
}

void ws_session::shutdown() {
    close_with(ws::close_code::going_away, "server shutting down");
}

void ws_session::leave_room() {
    if (room_ && local_ != nullptr) {
        worker_.unsubscribe(*room_, *this);
        room_->counters().left();
        local_ = nullptr;
    }
}

}  // namespace liveroom::net
