#include "server/hub/room_runner.hpp"

#include <array>

#include <boost/asio/post.hpp>

#include "server/core/clock.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/worker.hpp"

namespace liveroom::hub {

namespace {
core::metric events_published("liveroom_events_published_total",
                              "room events published (each serialized once)",
                              core::metric::kind::counter);
core::metric event_bytes("liveroom_event_bytes_total", "bytes of room events serialized", core::metric::kind::counter);
core::metric requests_total("liveroom_requests_total", "requests applied by rooms", core::metric::kind::counter);
core::metric request_errors("liveroom_request_errors_total",
                            "requests refused with an error",
                            core::metric::kind::counter);
}  // namespace

void room_counters::joined() noexcept {
    views.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = online.fetch_add(1, std::memory_order_relaxed) + 1;
    std::int64_t p = peak.load(std::memory_order_relaxed);
    while (now > p && !peak.compare_exchange_weak(p, now, std::memory_order_relaxed)) {
    }
}

protocol::presence room_counters::read() const noexcept {
    return {online.load(std::memory_order_relaxed), peak.load(std::memory_order_relaxed),
            views.load(std::memory_order_relaxed), likes.load(std::memory_order_relaxed)};
}

room_runner::room_runner(hub& h, room::room_spec spec, std::size_t index, std::size_t owner, std::uint32_t ring_size)
    : hub_(h),
      id_(spec.id),
      index_(index),
      owner_(owner),
      allow_guests_(spec.allow_guests),
      room_(std::move(spec)),
      ring_(ring_size),
      crit_before_(ring_size, 0),
      wake_(new wake_flag[h.size()]),
      timer_(h.worker_at(owner).ioc()) {
    mirror_state();
}

room_runner::~room_runner() = default;

worker& room_runner::owner() {
    return hub_.worker_at(owner_);
}

void room_runner::emit(std::string_view type,
                       fanout::frame_class cls,
                       std::uint8_t key,
                       const std::function<void(protocol::json_out&)>& write) {
    const std::uint64_t seq = ++seq_;
    json_.begin(type).field("seq", seq).field("ts", core::now_ms());
    write(json_);
    const std::string_view bytes = json_.finish();
    ring_.publish(fanout::frame::make(seq, cls, key, bytes));
    // Critical bytes before each seq still in the ring: a resume whose
    // critical backlog would exceed the hard bound gets a snapshot instead.
    crit_before_[seq & (crit_before_.size() - 1)] = crit_total_;
    if (cls == fanout::frame_class::critical) {
        crit_total_ += bytes.size();
    }
    events_published.add();
    event_bytes.add(static_cast<std::int64_t>(bytes.size()));
    wake_workers();
}

void room_runner::emit_mod(std::string_view type, const std::function<void(protocol::json_out&)>& write) {
    if (moderators_.empty()) {
        return;
    }
    json_.begin(type).field("ts", core::now_ms());
    write(json_);
    const std::string msg(json_.finish());
    // Compact the list, dropping closed connections (never self-move).
    std::size_t live = 0;
    for (std::size_t i = 0; i < moderators_.size(); ++i) {
        if (auto m = moderators_[i].lock()) {
            m->send_private_from_anywhere(msg);
            if (live != i) {
                moderators_[live] = std::move(moderators_[i]);
            }
            ++live;
        }
    }
    moderators_.resize(live);
}

void room_runner::wake_workers() {
    // One post per worker per burst: a worker whose wake is still pending
    // will see this event too, because it clears the flag before draining
    // (both sides seq_cst: see server/README.md).
    for (std::size_t w = 0; w < hub_.size(); ++w) {
        if (!wake_[w].pending.exchange(true, std::memory_order_seq_cst)) {
            boost::asio::post(hub_.worker_at(w).ioc(), [self = shared_from_this(), w] {
                self->wake_[w].pending.store(false, std::memory_order_seq_cst);
                self->hub_.worker_at(w).on_wake(*self);
            });
        }
    }
}

std::uint64_t room_runner::welcome(const room::actor& who,
                                   const std::shared_ptr<mod_listener>& listener,
                                   std::optional<std::uint64_t> since,
                                   std::int64_t now,
                                   std::string& out) {
    unique_viewers_.insert(who.id);
    const bool moderator = protocol::can_moderate(who.role) && listener != nullptr;
    if (moderator) {
        moderators_.push_back(listener);
    }
    const std::uint64_t head = ring_.head();
    const bool resumed = since && *since <= head && *since + 1 >= ring_.oldest() &&
                         (*since == head || crit_total_ - crit_before_[(*since + 1) & (crit_before_.size() - 1)] <=
                                                hub_.config().slow_hard_bytes);
    json_.begin("welcome").field("room", id_);
    json_.key("you");
    json_.w().StartObject();
    json_.field("id", who.id).field("name", who.name).field("role", protocol::to_string(who.role));
    if (!who.resume_token.empty()) {
        json_.field("token", who.resume_token);  // a guest keeps its identity across reconnects
    }
    json_.w().EndObject();
    json_.field("seq", head).field("resumed", resumed).field("server_time", now);
    if (!resumed) {
        json_.key("state");
        room_.write_state(json_, counters_.read(), moderator, now);
    }
    out.assign(json_.finish());
    return resumed ? *since + 1 : head + 1;
}

void room_runner::handle(const room::actor& who, const protocol::request& r, std::int64_t now, std::string& out) {
    requests_total.add();
    room::reply rep = room_.apply(who, r.body, now, *this);
    mirror_state();
    if (!rep.ok) {
        request_errors.add();
        out.assign(protocol::encode_error(json_, r.id, r.has_id, rep.code, rep.message));
        return;
    }
    if (!r.has_id) {
        out.clear();
        return;
    }
    json_.begin("ack").field("id", r.id);
    if (rep.ack_fields) {
        rep.ack_fields(json_);
    }
    out.assign(json_.finish());
}

void room_runner::mirror_state() noexcept {
    status_mirror_.store(static_cast<int>(room_.status()), std::memory_order_relaxed);
    ends_at_mirror_.store(room_.ends_at(), std::memory_order_relaxed);
}

void room_runner::write_summary(protocol::json_out& j) const {
    j.w().StartObject();
    write_summary_fields(j);
    j.w().EndObject();
}

void room_runner::write_summary_fields(protocol::json_out& j) const {
    const auto& spec = room_.spec();
    auto& w = j.w();
    const auto status = static_cast<protocol::room_status>(status_mirror_.load(std::memory_order_relaxed));
    j.field("id", spec.id).field("title", spec.title).field("starts_at", spec.starts_at);
    j.field("ends_at", ends_at_mirror_.load(std::memory_order_relaxed)).field("allow_guests", spec.allow_guests);
    j.field("status", protocol::to_string(status));
    j.key("segments");
    w.StartArray();
    for (const auto& s : spec.segments) {
        w.StartObject();
        j.field("title", s.title).field("presenter", s.presenter);
        w.EndObject();
    }
    w.EndArray();
    j.key("cards");
    w.StartArray();
    for (const auto& c : spec.cards) {
        j.value(c);
    }
    w.EndArray();
    const protocol::presence p = counters_.read();
    j.key("counters");
    w.StartObject();
    j.field("online", p.online).field("peak", p.peak).field("views", p.views).field("likes", p.likes);
    w.EndObject();
}

void room_runner::start_ticking() {
    ticking_ = true;
    tick();
}

void room_runner::stop_ticking() {
    ticking_ = false;
    timer_.cancel();
}

void room_runner::tick() {
    if (!ticking_) {
        return;
    }
    const std::int64_t now = core::now_ms();
    room_.on_tick(now, *this);  // coalesced vote changes, scheduled start
    mirror_state();
    const protocol::presence p = counters_.read();
    if (p.peak > last_presence_.peak) {
        peak_at_ = now;
    }
    const bool changed = p.online != last_presence_.online || p.peak != last_presence_.peak ||
                         p.views != last_presence_.views || p.likes != last_presence_.likes;
    if (changed && now - last_presence_at_ >= hub_.config().presence_interval_ms) {
        last_presence_ = p;
        last_presence_at_ = now;
        emit("presence", fanout::frame_class::latest, room::presence_key, [&](protocol::json_out& j) {
            j.field("online", p.online).field("peak", p.peak).field("views", p.views).field("likes", p.likes);
        });
    }
    publish_mod_counters(now);
    timer_.expires_after(std::chrono::milliseconds(coalesce_interval_ms));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) {
            self->tick();
        }
    });
}

void room_runner::publish_mod_counters(std::int64_t now) {
    if (moderators_.empty()) {
        return;
    }
    const protocol::presence p = counters_.read();
    const auto& st = room_.stats();
    const std::array<std::int64_t, 8> values{p.online,
                                             p.peak,
                                             p.views,
                                             static_cast<std::int64_t>(unique_viewers_.size()),
                                             p.likes,
                                             static_cast<std::int64_t>(st.questions),
                                             static_cast<std::int64_t>(room_.questions().answered_count()),
                                             static_cast<std::int64_t>(st.comments)};
    if (values == last_mod_counters_) {
        return;
    }
    last_mod_counters_ = values;
    emit_mod("mod.counters", [&](protocol::json_out& j) {
        j.field("online", values[0]).field("peak", values[1]).field("peak_at", peak_at_).field("views", values[2]);
        j.field("unique", values[3]).field("likes", values[4]).field("questions", values[5]);
        j.field("answered", values[6]).field("comments", values[7]);
        j.key("backlog");
        room_.write_backlog(j, now);
    });
}

}  // namespace liveroom::hub
