#include "server/hub/room_runner.hpp"

#include <array>

#include <boost/asio/post.hpp>
#include <rapidjson/document.h>

#include "server/core/clock.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/worker.hpp"
#include "server/room/draw.hpp"
#include "server/room/spec_json.hpp"

namespace liveroom::hub {

// A presence event's counters (0 for what it lacks).
protocol::presence parse_presence(std::string_view body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    auto get = [&](const char* k) -> std::int64_t {
        auto it = d.IsObject() ? d.FindMember(k) : d.MemberEnd();
        return d.IsObject() && it != d.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
    };
    return {get("online"), get("peak"), get("views"), get("likes")};
}

namespace {

core::metric events_published("liveroom_events_published_total",
                              "room events published (each serialized once)",
                              core::metric::kind::counter);
core::metric event_bytes("liveroom_event_bytes_total", "bytes of room events serialized", core::metric::kind::counter);
core::metric requests_total("liveroom_requests_total", "requests applied by rooms", core::metric::kind::counter);
core::metric request_errors("liveroom_request_errors_total",
                            "requests refused with an error",
                            core::metric::kind::counter);

constexpr std::string_view storage_failed = "the server could not save this (storage full or failing); try again later";
constexpr int refuse_after_failure_ms = 2000;
}  // namespace

core::metric rewinds("liveroom_room_rewinds_total",
                     "rooms reloaded from the event log (or the cluster stream) after a failed write",
                     core::metric::kind::counter);

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

room_runner::room_runner(hub& h,
                         room::room_spec spec,
                         std::size_t index,
                         std::size_t owner,
                         std::uint32_t ring_size,
                         store::event_log* log,
                         cluster_link* cluster)
    : hub_(h),
      log_(log),
      cluster_(cluster),
      id_(spec.id),
      index_(index),
      owner_(owner),
      allow_guests_(spec.allow_guests),
      room_(std::move(spec), h.comment_policy()),
      ring_(ring_size),
      crit_before_(ring_size, 0),
      wake_(new wake_flag[h.size()]),
      timer_(h.worker_at(owner).ioc()) {
    if (cluster_ != nullptr) {
        mode_ = mode::follower;
    }
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
    if (replaying_) {
        return;  // rebuilding state: these events are in the log already
    }
    const std::uint64_t seq = ++seq_;
    const std::int64_t ts = core::now_ms();
    json_.begin(type).field("seq", seq).field("ts", ts);
    write(json_);
    const std::string_view bytes = json_.finish();
    // Critical bytes before each seq still in the ring: a resume whose
    // critical backlog would exceed the hard bound gets a snapshot instead.
    crit_before_[seq & (crit_before_.size() - 1)] = crit_total_;
    if (cls == fanout::frame_class::critical) {
        crit_total_ += bytes.size();
    }
    events_published.add();
    event_bytes.add(static_cast<std::int64_t>(bytes.size()));
    if (!writes()) {
        publish_event(seq, cls, key, bytes);
        wake_workers();
        return;
    }
    step().events.push_back(
        {seq, ts, std::string(type), static_cast<int>(cls), static_cast<int>(key), std::string(bytes)});
}

void room_runner::publish_event(std::uint64_t seq, fanout::frame_class cls, std::uint8_t key, std::string_view bytes) {
    ring_.publish(fanout::frame::make(seq, cls, key, bytes));
    committed_ = seq;
}

void room_runner::emit_mod(std::string_view type, const std::function<void(protocol::json_out&)>& write) {
    if (replaying_ || (moderators_.empty() && cluster_ == nullptr)) {
        return;
    }
    json_.begin(type).field("ts", core::now_ms());
    write(json_);
    std::string msg(json_.finish());
    if (writes()) {
        step_mods_.push_back(std::move(msg));  // sent with the step, once it is durable
        return;
    }
    send_mod(msg);
}

bool room_runner::read_only(const protocol::request_body& body) noexcept {
    return std::holds_alternative<protocol::req::rank>(body) ||
           std::holds_alternative<protocol::req::user_comments>(body);
}

void room_runner::banned(std::string_view user) {
    // Rebuilding state is silent; a follower applying the owner's live
    // steps closes its own sessions of the banned user.
    if (replaying_ && !(mode_ == mode::follower && caught_up_)) {
        return;
    }
    for (std::size_t w = 0; w < hub_.size(); ++w) {
        boost::asio::post(hub_.worker_at(w).ioc(), [self = shared_from_this(), w, user = std::string(user)] {
            self->hub_.worker_at(w).on_ban(*self, user);
        });
    }
}

void room_runner::send_mod(const std::string& msg) {
    if (cluster_ != nullptr && mode_ == mode::owner) {
        cluster_->publish_mod(id_, msg);  // moderators on other nodes
    }
    on_remote_mod(msg);
}

void room_runner::on_remote_mod(const std::string& msg) {
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

store::batch& room_runner::step() {
    if (!step_) {
        step_ = std::make_shared<store::batch>();
        step_->room = id_;
    }
    return *step_;
}

void room_runner::end_step(pending_reply r) {
    if (r.msg.empty()) {
        r.to = nullptr;
    }
    if (!writes()) {
        if (r.to) {
            r.to(std::move(r.msg));
        }
        return;
    }
    const bool writes = step_ && (!step_->commands.empty() || !step_->events.empty());
    if (writes) {
        inflight_.push_back({std::move(step_), std::move(step_mods_), {}});
        step_.reset();
        step_mods_.clear();
        if (r.to) {
            inflight_.back().replies.push_back(std::move(r));
        }
        auto done = [self = shared_from_this()](bool ok) {
            boost::asio::post(self->owner().ioc(), [self, ok] { self->on_written(ok); });
        };
        if (cluster_ != nullptr) {
            cluster_->publish(id_, inflight_.back().batch, std::move(done));
        } else {
            log_->submit(inflight_.back().batch, std::move(done));
        }
        return;
    }
    if (!inflight_.empty()) {
        // Nothing to write, but earlier steps are not durable yet: reply
        // after them, in order.
        auto& last = inflight_.back();
        for (auto& m : step_mods_) {
            last.mods.push_back(std::move(m));
        }
        step_mods_.clear();
        if (r.to) {
            last.replies.push_back(std::move(r));
        }
        return;
    }
    for (const auto& m : step_mods_) {
        send_mod(m);
    }
    step_mods_.clear();
    if (r.to) {
        r.to(std::move(r.msg));
    }
}

void room_runner::on_written(bool ok) {
    inflight f = std::move(inflight_.front());
    inflight_.pop_front();
    if (ok && !broken_) {
        // Replies first: each is one post to its connection's worker, queued
        // ahead of the wake below, so an ack does not wait behind a delivery
        // pass over thousands of connections (the quiz-burst ack tail).
        for (auto& r : f.replies) {
            r.to(std::move(r.msg));
        }
        for (const auto& e : f.batch->events) {
            publish_event(e.seq, static_cast<fanout::frame_class>(e.cls), static_cast<std::uint8_t>(e.key), e.body);
        }
        if (!f.batch->events.empty()) {
            wake_workers();
        }
        for (const auto& m : f.mods) {
            send_mod(m);
        }
        if (cluster_ != nullptr && log_ != nullptr) {
            log_->submit(f.batch, {});  // this node's copy of the room (replay, export)
        }
    } else {
        // Not written: its events are never published and its requests get
        // an error; once no step is in flight the room reloads from the log.
        broken_ = true;
        for (auto& r : f.replies) {
            if (r.wrote) {
                r.msg = std::string(
                    protocol::encode_error(json_, r.id, r.has_id, protocol::errc::rate_limited, storage_failed));
            }
            r.to(std::move(r.msg));
        }
    }
    if (broken_ && inflight_.empty()) {
        if (cluster_ != nullptr) {
            rebuild_from_stream();
        } else {
            rewind();
        }
    }
}

void room_runner::replay_log() {
    replaying_ = true;
    log_->read_commands(id_, [&](const store::command_rec& c) { apply_command(c); });
    replaying_ = false;
}

void room_runner::apply_command(const store::command_rec& c) {
    if (c.kind == "tick") {
        room_.on_tick(c.ts, *this);
    } else if (c.kind == "join") {
        room_.on_join({c.actor, c.name, static_cast<protocol::role>(c.role), {}}, c.ts);
    } else {
        auto decoded = protocol::decode_request(c.body);
        if (auto* r = std::get_if<protocol::request>(&decoded)) {
            const room::actor a{c.actor, c.name, static_cast<protocol::role>(c.role), {}};
            room::server_inputs in;
            in.replaying = true;
            in.recorded = c.aux;
            room_.apply(a, r->body, c.ts, *this, in);
        } else {
            LR_ERROR("store", "room %s: command %llu is unreadable; skipped", id_.c_str(),
                     static_cast<unsigned long long>(c.n));
        }
    }
    next_command_ = c.n + 1;
}

void room_runner::rewind() {
    rewinds.add();
    LR_WARN("room", "room %s: a write failed; reloading from the event log at seq %llu", id_.c_str(),
            static_cast<unsigned long long>(committed_));
    if (seq_ > committed_) {
        crit_total_ = crit_before_[(committed_ + 1) & (crit_before_.size() - 1)];
    }
    seq_ = committed_;
    room_ = room::room(room_.spec(), hub_.comment_policy());
    next_command_ = 1;
    replay_log();
    mirror_state();
    broken_ = false;
    refuse_until_ = core::now_ms() + refuse_after_failure_ms;
    log_->resume_room(id_);
    // A session welcomed with state past the log resyncs (1013).
    for (std::size_t w = 0; w < hub_.size(); ++w) {
        boost::asio::post(hub_.worker_at(w).ioc(), [self = shared_from_this(), w, last = committed_] {
            self->hub_.worker_at(w).on_rewind(*self, last);
        });
    }
}

std::uint64_t room_runner::recover() {
    if (log_ == nullptr) {
        return 0;
    }
    replay_log();
    seq_ = committed_ = log_->last_seq(id_);
    const std::uint64_t cap = ring_.capacity();
    const std::uint64_t first = seq_ >= cap ? seq_ - cap + 1 : 1;
    ring_.reset_head(first - 1);
    crit_total_ = 0;
    for (const auto& e : log_->read_events(id_, first, cap)) {
        publish_stored(e);
    }
    if (auto p = log_->last_event(id_, "presence")) {
        last_presence_ = parse_presence(p->body);
        last_presence_.online = 0;
        counters_.peak.store(last_presence_.peak, std::memory_order_relaxed);
        counters_.views.store(last_presence_.views, std::memory_order_relaxed);
        counters_.likes.store(last_presence_.likes, std::memory_order_relaxed);
    }
    mirror_state();
    return next_command_ - 1;
}

// An event as stored (log or stream) into the ring, with its critical-bytes
// bookkeeping; seq_ and committed_ follow it.
void room_runner::publish_stored(const store::event_rec& e) {
    crit_before_[e.seq & (crit_before_.size() - 1)] = crit_total_;
    if (e.cls == static_cast<int>(fanout::frame_class::critical)) {
        crit_total_ += e.body.size();
    }
    publish_event(e.seq, static_cast<fanout::frame_class>(e.cls), static_cast<std::uint8_t>(e.key), e.body);
    seq_ = e.seq;
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
    if (cluster_ != nullptr && (!linked_ || !caught_up_)) {
        out.assign(protocol::encode_error(json_, {}, false, protocol::errc::rate_limited,
                                          "this server cannot reach the room right now; reconnect"));
        return welcome_retry;
    }
    if (room_.is_banned(who.id) && !protocol::can_moderate(who.role)) {
        out.assign(protocol::encode_error(json_, {}, false, protocol::errc::banned, "you are banned from this room"));
        return welcome_refused;
    }
    unique_viewers_.insert(std::hash<std::string>{}(who.id));
    if (mode_ == mode::follower) {
        cluster_->forward_join(id_, who);  // the owner records it; it comes back in the stream
    } else {
        record_join(who, now);
    }
    const bool moderator = protocol::can_moderate(who.role) && listener != nullptr;
    if (moderator) {
        moderators_.push_back(listener);
    }
    // The state is as of seq_ (the last seq assigned); events after
    // `committed_` reach the ring once durable, so the session waits for them.
    const std::uint64_t head = seq_;
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
        if (moderator) {
            room_.write_state(json_, counters_.read(), true, now);
        } else {
            // A viewer's snapshot is the same for every joiner until the room
            // changes (a seq): built once per seq, not once per join. Its
            // presence is the last published one, as of that seq.
            if (viewer_state_seq_ != seq_ || viewer_state_.empty()) {
                state_json_.begin_value();
                room_.write_state(state_json_, last_presence_, false, now);
                viewer_state_.assign(state_json_.text());
                viewer_state_seq_ = seq_;
            }
            json_.w().RawValue(viewer_state_.data(), viewer_state_.size(), rapidjson::kObjectType);
        }
    }
    out.assign(json_.finish());
    return resumed ? *since + 1 : head + 1;
}

void room_runner::record_join(const room::actor& who, std::int64_t now) {
    room_.on_join(who, now);
    if (writes()) {
        // Joins are recorded (shield mode holds newcomers, on replay too);
        // nothing waits for this write.
        step().commands.push_back(
            {next_command_++, now, "join", who.id, who.name, static_cast<int>(who.role), "join", "", ""});
        end_step({});
    }
}

void room_runner::handle(
    const room::actor& who, const protocol::request& r, std::int64_t now, reply_fn reply, room::server_inputs in) {
    requests_total.add();
    pending_reply pr;
    pr.to = std::move(reply);
    pr.id = r.id;
    pr.has_id = r.has_id;
    auto refuse = [&](protocol::errc code, std::string_view message) {
        request_errors.add();
        pr.msg = std::string(protocol::encode_error(json_, r.id, r.has_id, code, message));
        end_step(std::move(pr));
    };
    if (cluster_ != nullptr && mode_ != mode::owner) {
        if (!linked_ || broken_ || !caught_up_) {
            refuse(protocol::errc::rate_limited, "this server cannot reach the room right now; reconnect");
            return;
        }
        // The owner applies it and answers (through the cluster).
        cluster_->forward(id_, who, r.raw, r.id, in.elapsed_ms, r.has_id ? std::move(pr.to) : nullptr);
        return;
    }
    if (writes() && (broken_ || now < refuse_until_)) {
        refuse(protocol::errc::rate_limited, storage_failed);
        return;
    }
    if (seq_ - committed_ > ring_.capacity() / 2) {
        refuse(protocol::errc::rate_limited, "the room is busy saving; try again shortly");
        return;
    }
    if (std::holds_alternative<protocol::req::quiz_open>(r.body)) {
        in.seed = room::fresh_seed();  // committed by its hash now, revealed by a draw
    }
    if (!std::holds_alternative<protocol::req::quiz_answer>(r.body)) {
        in.elapsed_ms = -1;
    }
    in.replaying = false;
    room::reply rep = room_.apply(who, r.body, now, *this, in);
    mirror_state();
    if (rep.ok) {
        viewer_state_.clear();  // some changes (a ban's count) publish no seq at once
    }
    if (!rep.ok) {
        refuse(rep.code, rep.message);
        return;
    }
    if (writes() && !read_only(r.body)) {
        step().commands.push_back({next_command_++, now, "request", who.id, who.name, static_cast<int>(who.role),
                                   std::string(protocol::type_name(r.body)), r.raw, std::move(rep.record)});
        pr.wrote = true;
    }
    if (r.has_id) {
        json_.begin("ack").field("id", r.id);
        if (rep.ack_fields) {
            rep.ack_fields(json_);
        }
        pr.msg.assign(json_.finish());
    }
    end_step(std::move(pr));
}

void room_runner::mirror_state() noexcept {
    status_mirror_.store(static_cast<int>(room_.status()), std::memory_order_relaxed);
    ends_at_mirror_.store(room_.ends_at(), std::memory_order_relaxed);
    seq_mirror_.store(committed_, std::memory_order_relaxed);
}

void room_runner::write_summary(protocol::json_out& j) const {
    j.w().StartObject();
    write_summary_fields(j);
    j.w().EndObject();
}

void room_runner::write_public_summary(protocol::json_out& j) const {
    const auto& spec = room_.spec();
    j.w().StartObject();
    j.field("id", spec.id).field("title", spec.title).field("starts_at", spec.starts_at);
    j.field("ends_at", ends_at_mirror_.load(std::memory_order_relaxed)).field("status", protocol::to_string(status()));
    j.field("online", counters_.online.load(std::memory_order_relaxed));
    j.w().EndObject();
}

void room_runner::write_summary_fields(protocol::json_out& j) const {
    const auto& spec = room_.spec();
    auto& w = j.w();
    const auto status = static_cast<protocol::room_status>(status_mirror_.load(std::memory_order_relaxed));
    j.field("id", spec.id).field("title", spec.title).field("starts_at", spec.starts_at);
    j.field("ends_at", ends_at_mirror_.load(std::memory_order_relaxed)).field("allow_guests", spec.allow_guests);
    j.field("status", protocol::to_string(status));
    room::write_program(j, spec);
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
    if (writes() && (broken_ || now < refuse_until_ || mode_ == mode::follower)) {
        arm_tick();  // storage failing, or another node owns the room: nothing is published here
        return;
    }
    const std::uint64_t before = seq_;
    room_.on_tick(now, *this);  // coalesced vote changes, scheduled start
    if (writes() && seq_ != before) {
        // The tick changed the room: replaying it rebuilds the same state.
        step().commands.push_back({next_command_++, now, "tick", "", "", 0, "tick", "", ""});
    }
    mirror_state();
    const protocol::presence p = total_presence(now);
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
    end_step({});
    arm_tick();
}

void room_runner::arm_tick() {
    timer_.expires_after(std::chrono::milliseconds(coalesce_interval_ms));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) {
            self->tick();
        }
    });
}

void room_runner::publish_mod_counters(std::int64_t now) {
    if (moderators_.empty() && cluster_ == nullptr) {
        return;
    }
    const protocol::presence p = total_presence(now);
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
