#include "bench/crowd_worker.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/asio/post.hpp>

#include "bench/json_append.hpp"
#include "bench/sys_stats.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds tick_period{50};
constexpr std::size_t viewer_write_buffer = 512;
constexpr std::size_t viewer_read_chunk = 8192;
constexpr std::size_t max_connecting = 384;  // per worker: connections waiting for their welcome
constexpr std::size_t max_recent_questions = 64;
constexpr int max_pick_tries = 16;

// Things people write in the demo room's evening (a union policy explainer).
constexpr std::string_view comment_texts[] = {
    "谢谢讲解！",      "驿站在哪里可以查到？", "学习了",         "外卖骑手也能用驿站吗",    "声音有点小",
    "这个政策太好了👍", "我们单位还没有驿站",   "已经加入工会了", "great explainer, thanks", "住院津贴好申请吗",
};
constexpr std::string_view question_texts[] = {
    "没有固定单位的快递员可以入会吗？",
    "重大疾病互助金多久能到账？",
    "驿站晚上几点关门？",
    "住院津贴需要哪些材料？",
    "退休以后还能参加互助保障吗？",
    "Can gig workers without an employer join the union?",
};

// splitmix64: a stable hash of (viewer, activity) for "is this viewer one of the share".
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

constexpr char request_letter[viewer_action_count] = {'c', 'a', 'v', 'l', 'q'};

// Our request ids are "<letter><send time µs>": the answer alone tells kind and latency.
bool parse_request_id(std::string_view id, viewer_action& action, std::int64_t& sent_us) {
    if (id.size() < 2) {
        return false;
    }
    const char* letter = std::find(std::begin(request_letter), std::end(request_letter), id[0]);
    if (letter == std::end(request_letter)) {
        return false;
    }
    action = static_cast<viewer_action>(letter - std::begin(request_letter));
    return parse_i64(id.substr(1), sent_us);
}

}  // namespace

crowd_worker::crowd_worker(const ws_target& target,
                           const crowd_clock& clock,
                           const scenario& sc,
                           std::vector<asio::ip::address> sources,
                           unsigned index,
                           unsigned count)
    : target_(target),
      clock_(clock),
      sc_(sc),
      sources_(std::move(sources)),
      index_(index),
      count_(count),
      timer_(io_.ioc()),
      rng_(mix(sc.seed * 1000 + index)),
      m_(clock.intervals) {
    append_json_escaped(room_json_, sc.room);
    recent_questions_.reserve(max_recent_questions);
    for (std::size_t i = 0; i < viewer_action_count; ++i) {
        m_.requests[to_string(static_cast<viewer_action>(i))];
    }
}

crowd_worker::~crowd_worker() {
    io_.stop();
}

void crowd_worker::start() {
    io_.start([] {});
    asio::post(io_.ioc(), [this] {
        timer_.expires_at(clock_.start);
        timer_.async_wait([this](boost::beast::error_code ec) {
            if (!ec) {
                tick();
            }
        });
    });
}

void crowd_worker::stop() {
    io_.stop();
}

void crowd_worker::close_all() {
    asio::post(io_.ioc(), [this] {
        // The tick goes on (it only updates the gauges now), so the controller sees the ends.
        for (const auto& c : clients_) {
            if (c) {
                c->close();
            }
        }
    });
}

void crowd_worker::arm_timer() {
    timer_.expires_after(tick_period);
    timer_.async_wait([this](boost::beast::error_code ec) {
        if (!ec) {
            tick();
        }
    });
}

void crowd_worker::tick() {
    const auto now = steady::now();
    const double t_s = clock_.scenario_seconds(now);
    const double dt_s = started_ ? std::max(0.0, t_s - last_t_s_) : 0;
    started_ = true;
    last_t_s_ = t_s;
    const bool active = clock_.active.load(std::memory_order_relaxed) && t_s <= sc_.duration_s;
    if (clock_.shutting_down.load(std::memory_order_relaxed)) {
        // Closing: nothing new.
    } else if (active) {
        while (timeline_next_ < sc_.timeline.size() && sc_.timeline[timeline_next_].at_s <= t_s) {
            const timeline_step& step = sc_.timeline[timeline_next_++];
            if (step.what == "drop_all") {
                drop_all(t_s, step.back_within_s);
            }
        }
        churn(t_s, dt_s);
        follow_target(t_s);
        act(dt_s);
        send_due_answers(now);
    } else {
        bring_back(t_s);  // only comebacks (after cuts and server closes) continue
    }
    count_at_final();
    online.set(online_.size());
    connecting.set(connecting_);
    arm_timer();
}

void crowd_worker::churn(double t_s, double dt_s) {
    if (sc_.leave_per_min <= 0 || online_.empty()) {
        return;
    }
    leave_owed_ += static_cast<double>(online_.size()) * sc_.leave_per_min / 60.0 * dt_s;
    while (leave_owed_ >= 1 && !online_.empty()) {
        leave_owed_ -= 1;
        const auto pick = random_online();
        leave(static_cast<std::uint32_t>(pick), sc_.leave_abruptly, t_s);
    }
}

void crowd_worker::follow_target(double t_s) {
    // This worker's share of the curve: the remainder goes to the lower-numbered workers.
    const auto total = static_cast<std::uint64_t>(std::llround(sc_.online_at(t_s)));
    const std::uint64_t target = total / count_ + (index_ < total % count_ ? 1 : 0);
    bring_back(t_s);
    // Viewers that were cut or closed and are on their way back count as present.
    std::uint64_t present = online_.size() + connecting_ + comebacks_.size();
    // Leavers who chose to come back fill free places before new viewers.
    while (present < target && !rejoins_.empty() && rejoins_.top().due_s <= t_s && connecting_ < max_connecting) {
        const std::uint32_t slot = rejoins_.top().slot;
        rejoins_.pop();
        if (viewers_[slot].st == state::away) {
            connect(slot, true);
            ++present;
        }
    }
    while (present < target && connecting_ < max_connecting) {
        connect(new_viewer(), false);
        ++present;
    }
    while (present > target && !online_.empty()) {
        leave(static_cast<std::uint32_t>(random_online()), sc_.leave_abruptly, t_s);
        --present;
    }
}

void crowd_worker::act(double dt_s) {
    if (online_.empty()) {
        return;
    }
    for (std::size_t i = 0; i < viewer_action_count; ++i) {
        const auto a = static_cast<viewer_action>(i);
        const activity& spec = sc_.of(a);
        if (a == viewer_action::quiz_answer || spec.share <= 0 || spec.per_min <= 0) {
            continue;
        }
        if (a == viewer_action::vote && recent_questions_.empty()) {
            continue;
        }
        owed_[i] += static_cast<double>(online_.size()) * spec.share * spec.per_min / 60.0 * dt_s;
        while (owed_[i] >= 1) {
            owed_[i] -= 1;
            for (int tries = 0; tries < max_pick_tries; ++tries) {
                const auto slot = static_cast<std::uint32_t>(random_online());
                if (eligible(viewers_[slot], a)) {
                    send_request(slot, a);
                    break;
                }
            }
        }
    }
}

void crowd_worker::send_due_answers(steady::time_point now) {
    while (!answers_.empty() && answers_.top().due <= now) {
        const pending_answer p = answers_.top();
        answers_.pop();
        if (viewers_[p.slot].st == state::online) {
            send_answer(p.slot, quizzes_[p.quiz]);
        }
    }
}

void crowd_worker::drop_all(double t_s, double back_within_real_s) {
    const std::int64_t now_us = wall_micros();
    std::uniform_real_distribution<double> back(0, back_within_real_s * clock_.speed);
    while (!online_.empty()) {
        const std::uint32_t slot = online_.back();
        leave(slot, true, t_s, false);
        viewer& v = viewers_[slot];
        v.st = state::away;
        v.dropped_at_us = now_us;
        comebacks_.push(rejoin{t_s + back(rng_), slot});
    }
}

void crowd_worker::bring_back(double t_s) {
    while (!comebacks_.empty() && comebacks_.top().due_s <= t_s && connecting_ < max_connecting) {
        const std::uint32_t slot = comebacks_.top().slot;
        comebacks_.pop();
        if (viewers_[slot].st == state::away) {
            connect(slot, true);
        }
    }
}

void crowd_worker::count_at_final() {
    const std::int64_t final_seq = clock_.final_seq.load(std::memory_order_relaxed);
    if (final_seq < 0) {
        return;
    }
    std::uint64_t n = 0;
    for (const std::uint32_t slot : online_) {
        n += viewers_[slot].seq.last_seen() >= final_seq ? 1 : 0;
    }
    at_final.set(n);
}

std::uint32_t crowd_worker::new_viewer() {
    if (!free_slots_.empty()) {
        const std::uint32_t slot = free_slots_.back();
        free_slots_.pop_back();
        const std::uint32_t id = viewers_[slot].id;
        viewers_[slot] = viewer{};
        viewers_[slot].id = id;
        return slot;
    }
    const auto slot = static_cast<std::uint32_t>(viewers_.size());
    viewers_.emplace_back();
    viewers_.back().id = slot * count_ + index_;
    clients_.emplace_back();
    return slot;
}

void crowd_worker::connect(std::uint32_t slot, bool resuming) {
    viewer& v = viewers_[slot];
    v.st = state::connecting;
    v.resuming = resuming && v.since >= 0;
    v.outstanding = 0;
    v.connect_at_us = wall_micros();
    ++connecting_;
    const auto& source = sources_[(connections_made_++ * count_ + index_) % sources_.size()];
    auto client =
        std::make_shared<ws_client>(io_.ioc(), pool_, target_, *this, slot, viewer_write_buffer, viewer_read_chunk);
    clients_[slot] = client;
    client->start(source);
}

void crowd_worker::set_online(std::uint32_t slot, bool on) {
    viewer& v = viewers_[slot];
    if (on && v.online_pos < 0) {
        v.online_pos = static_cast<std::int32_t>(online_.size());
        online_.push_back(slot);
    } else if (!on && v.online_pos >= 0) {
        const std::uint32_t last = online_.back();
        online_[static_cast<std::size_t>(v.online_pos)] = last;
        viewers_[last].online_pos = v.online_pos;
        online_.pop_back();
        v.online_pos = -1;
    }
}

void crowd_worker::leave(std::uint32_t slot, bool cut, double t_s, bool may_rejoin) {
    viewer& v = viewers_[slot];
    set_online(slot, false);
    v.since = v.seq.last_seen();
    v.st = state::away;
    departures.add();
    if (cut) {
        ++m_.drops;
    } else {
        ++m_.leaves;
    }
    if (v.outstanding != 0) {
        m_.abandoned_requests += v.outstanding;
        requests_abandoned.add(v.outstanding);
        v.outstanding = 0;
    }
    if (const auto& c = clients_[slot]) {
        if (cut) {
            c->abort();
        } else {
            c->close();
        }
    }
    std::uniform_real_distribution<double> u(0, 1);
    if (may_rejoin && sc_.rejoin_share > 0 && u(rng_) < sc_.rejoin_share) {
        std::uniform_real_distribution<double> after(sc_.rejoin_after_min_s, sc_.rejoin_after_max_s);
        rejoins_.push(rejoin{t_s + after(rng_), slot});
    }
}

bool crowd_worker::eligible(const viewer& v, viewer_action a) const {
    const double share = sc_.of(a).share;
    const std::uint64_t h = mix((static_cast<std::uint64_t>(v.id) << 4) + static_cast<std::uint64_t>(a) + sc_.seed);
    return static_cast<double>(h >> 11) * 0x1.0p-53 < share;
}

std::int64_t crowd_worker::random_online() {
    std::uniform_int_distribution<std::size_t> pick(0, online_.size() - 1);
    return online_[pick(rng_)];
}

void crowd_worker::send_request(std::uint32_t slot, viewer_action a) {
    const auto& client = clients_[slot];
    if (!client || !client->is_open()) {
        return;
    }
    const std::int64_t now_us = wall_micros();
    std::string msg = client->take_buffer();
    msg += R"({"type":")";
    msg += to_string(a);
    msg += R"(","id":")";
    msg += request_letter[static_cast<std::size_t>(a)];
    append_number(msg, now_us);
    msg += '"';
    switch (a) {
        case viewer_action::comment:
        case viewer_action::ask: {
            const bool ask = a == viewer_action::ask;
            std::uniform_int_distribution<std::size_t> pick(
                0, (ask ? std::size(question_texts) : std::size(comment_texts)) - 1);
            msg += R"(,"text":"t=)";
            append_number(msg, now_us);
            msg += ';';
            append_json_escaped(msg, ask ? question_texts[pick(rng_)] : comment_texts[pick(rng_)]);
            msg += '"';
            break;
        }
        case viewer_action::vote: {
            std::uniform_int_distribution<std::size_t> pick(0, recent_questions_.size() - 1);
            msg += R"(,"qid":")";
            append_json_escaped(msg, recent_questions_[pick(rng_)]);
            msg += '"';
            break;
        }
        case viewer_action::like: {
            std::uniform_int_distribution<int> n(1, 3);
            msg += R"(,"count":)";
            append_number(msg, n(rng_));
            break;
        }
        case viewer_action::quiz_answer:
            return;  // send_answer
    }
    msg += '}';
    client->send(std::move(msg));
    ++m_.requests[to_string(a)].sent;
    ++viewers_[slot].outstanding;
    requests_sent.add();
}

void crowd_worker::send_answer(std::uint32_t slot, const quiz_info& q) {
    const auto& client = clients_[slot];
    if (!client || !client->is_open()) {
        return;
    }
    const std::int64_t now_us = wall_micros();
    std::uniform_int_distribution<int> pick(0, std::max(0, q.options - 1));
    std::string msg = client->take_buffer();
    msg += R"({"type":"quiz.answer","id":"q)";
    append_number(msg, now_us);
    msg += R"(","quiz":")";
    append_json_escaped(msg, q.id);
    msg += R"(","choice":)";
    if (q.multi) {
        msg += '[';
        append_number(msg, pick(rng_));
        msg += ']';
    } else {
        append_number(msg, pick(rng_));
    }
    msg += '}';
    client->send(std::move(msg));
    ++m_.requests["quiz.answer"].sent;
    ++viewers_[slot].outstanding;
    requests_sent.add();
}

void crowd_worker::on_open(ws_client& client) {
    const viewer& v = viewers_[client.tag()];
    std::string hello = client.take_buffer();
    hello += R"({"type":"hello","room":")";
    hello += room_json_;
    hello += R"(","name":"bench-)";
    append_number(hello, v.id);
    hello += '"';
    if (v.resuming) {
        hello += R"(,"since":)";
        append_number(hello, v.since);
    }
    hello += '}';
    client.send(std::move(hello));
}

void crowd_worker::on_text(ws_client& client, std::string_view frame) {
    const std::uint32_t slot = client.tag();
    if (clients_[slot].get() != &client) {
        return;  // a connection this viewer has already left
    }
    const state st = viewers_[slot].st;
    if (st != state::online && st != state::connecting) {
        return;
    }
    const std::int64_t now_us = wall_micros();
    for_each_object(frame, [&](std::string_view object) {
        if (!scan_message(object, fields_)) {
            ++m_.malformed;
            return;
        }
        const std::string_view type = fields_.type;
        if (type == "welcome") {
            on_welcome(slot, now_us);
        } else if (type == "ack") {
            on_answer(slot, true, now_us);
        } else if (type == "error") {
            on_answer(slot, false, now_us);
        } else if (type == "skipped") {
            if (fields_.has_from && fields_.has_to) {
                viewers_[slot].seq.on_skipped(fields_.from, fields_.to);
            }
        } else if (fields_.has_seq) {
            on_room_event(slot, now_us);
        }
    });
    viewer& v = viewers_[slot];
    if (v.seq.gaps() != v.reported_gaps) {
        gaps.add(v.seq.gaps() - v.reported_gaps);
        v.reported_gaps = v.seq.gaps();
    }
}

void crowd_worker::on_welcome(std::uint32_t slot, std::int64_t now_us) {
    viewer& v = viewers_[slot];
    if (v.st != state::connecting) {
        return;
    }
    --connecting_;
    v.st = state::online;
    set_online(slot, true);
    m_.welcome_ms.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - v.connect_at_us)));
    if (!v.welcomed_once) {
        v.welcomed_once = true;
        ++m_.viewers;
    }
    if (v.resuming) {
        ++m_.rejoins;
        rejoins.add();
        if (fields_.resumed) {
            ++m_.resumed;
            v.replay_until = fields_.has_seq ? fields_.seq : -1;
        } else {
            ++m_.snapshots;
            if (fields_.has_seq) {
                v.seq.rebase(fields_.seq);
            }
        }
        if (v.dropped_at_us != 0) {
            m_.reconnect_ms.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - v.dropped_at_us)));
            v.dropped_at_us = 0;
        }
    } else {
        ++m_.joins;
        joins.add();
        if (fields_.has_seq) {
            v.seq.rebase(fields_.seq);
        }
    }
}

void crowd_worker::on_answer(std::uint32_t slot, bool ok, std::int64_t now_us) {
    viewer_action a{};
    std::int64_t sent_us = 0;
    if (!parse_request_id(fields_.id, a, sent_us)) {
        if (!ok) {
            ++m_.unsolicited_errors;
            request_errors.add();
        }
        return;
    }
    viewer& v = viewers_[slot];
    if (v.outstanding > 0) {
        --v.outstanding;
    }
    requests_answered.add();
    request_stats& r = m_.requests[to_string(a)];
    if (ok) {
        ++r.acked;
        r.ack_latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - sent_us)));
    } else {
        r.error(fields_.code, fields_.message);
        request_errors.add();
    }
}

void crowd_worker::record_latency(event_kind kind, std::int64_t latency_us, std::int64_t now_us) {
    const auto lat = static_cast<std::uint64_t>(std::max<std::int64_t>(0, latency_us));
    const auto k = static_cast<std::size_t>(kind);
    m_.latency[k].record(lat);
    ++m_.deliveries[k];
    const std::int64_t since_start = now_us - clock_.start_wall_us;
    std::size_t i = since_start <= 0 ? 0 : static_cast<std::size_t>(since_start / clock_.interval_us);
    i = std::min(i, clock_.intervals - 1);
    m_.interval_latency[i].record(lat);
    ++m_.interval_deliveries[i];
    deliveries.add();
    latency_sum_us.add(lat);
}

void crowd_worker::on_room_event(std::uint32_t slot, std::int64_t now_us) {
    viewer& v = viewers_[slot];
    v.seq.on_event(fields_.seq, true);
    if (fields_.seq <= v.replay_until) {
        // Replayed after a resumed welcome: delivered, but its age is the time away, not fan-out.
        ++m_.replayed;
        return;
    }
    event_kind kind = event_kind_of(fields_.type);
    std::string_view text = fields_.text;
    if (kind == event_kind::comment || kind == event_kind::question || kind == event_kind::quiz_open) {
        std::string_view id;
        int options = 0;
        bool multi = false;
        for_each_member(fields_.body, [&](std::string_view key, std::string_view value, json_kind k) {
            if (k == json_kind::string && key == "text") {
                text = value;
            } else if (k == json_kind::string && key == "id") {
                id = value;
            } else if (k == json_kind::array && key == "options") {
                for_each_element(value, [&options](std::string_view, json_kind) { ++options; });
            } else if (k == json_kind::literal && key == "multi") {
                multi = value == "true";
            }
        });
        if (kind == event_kind::question) {
            auto it = question_first_seq_.find(std::string(id));
            if (it == question_first_seq_.end()) {
                question_first_seq_.emplace(std::string(id), fields_.seq);
                if (recent_questions_.size() < max_recent_questions) {
                    recent_questions_.emplace_back(id);
                } else {
                    recent_questions_[recent_next_++ % max_recent_questions] = std::string(id);
                }
            } else if (it->second != fields_.seq) {
                kind = event_kind::question_update;
            }
        } else if (kind == event_kind::quiz_open && !id.empty()) {
            std::size_t qi = quizzes_.size();
            for (std::size_t i = 0; i < quizzes_.size(); ++i) {
                if (quizzes_[i].id == id) {
                    qi = i;
                }
            }
            if (qi == quizzes_.size()) {
                quizzes_.push_back(quiz_info{std::string(id), std::max(2, options), multi});
            }
            const activity& spec = sc_.of(viewer_action::quiz_answer);
            if (clock_.active.load(std::memory_order_relaxed) && eligible(v, viewer_action::quiz_answer)) {
                std::uniform_real_distribution<double> delay(0, spec.within_s / clock_.speed);
                answers_.push(pending_answer{steady::now() + std::chrono::duration_cast<steady::duration>(
                                                                 std::chrono::duration<double>(delay(rng_))),
                                             slot, static_cast<std::uint32_t>(qi)});
            }
        }
    }
    std::int64_t sent_us = 0;
    if (latency_from_text(kind) && parse_send_time(text, sent_us)) {
        record_latency(kind, now_us - sent_us, now_us);
    } else if (fields_.has_ts) {
        record_latency(kind, now_us - fields_.ts * 1000, now_us);
    }
}

void crowd_worker::on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) {
    const std::uint32_t slot = client.tag();
    if (clients_[slot].get() != &client) {
        return;  // an old connection of a viewer that has reconnected since
    }
    auto keep = std::move(clients_[slot]);  // the caller holds its own reference too
    viewer& v = viewers_[slot];
    if (v.outstanding != 0) {
        m_.abandoned_requests += v.outstanding;
        requests_abandoned.add(v.outstanding);
        v.outstanding = 0;
    }
    const bool shutting_down = clock_.shutting_down.load(std::memory_order_relaxed);
    if (v.st == state::connecting) {
        --connecting_;
        v.st = state::away;
        ++m_.connect_failures;
        failures.add();
        if (!shutting_down && m_.first_connect_error.empty()) {
            m_.first_connect_error = client.describe(stage, ec);
        }
        if (v.resuming && !shutting_down) {
            // A comeback that failed: try again a little later, as a page would.
            comebacks_.push(rejoin{last_t_s_ + clock_.speed, slot});
        } else if (!v.welcomed_once) {
            // Never joined: the slot serves the next new viewer (memory stays bounded when
            // the server refuses connections for a long time).
            v.st = state::idle;
            free_slots_.push_back(slot);
        }
        return;
    }
    if (v.st == state::online) {
        // Not our doing: the server closed it (1013 too slow, 1001 shutting down) or the network failed.
        set_online(slot, false);
        v.since = v.seq.last_seen();
        v.st = state::away;
        if (shutting_down) {
            return;
        }
        ++m_.server_closes;
        server_closes.add();
        if (m_.first_server_close.empty()) {
            m_.first_server_close = client.describe(stage, ec);
        }
        std::uniform_real_distribution<double> back(0.2, 1.0);
        v.dropped_at_us = wall_micros();
        comebacks_.push(rejoin{last_t_s_ + back(rng_) * clock_.speed, slot});
    }
}

crowd_metrics crowd_worker::metrics() const {
    crowd_metrics m = m_;
    for (const viewer& v : viewers_) {
        const seq_tracker& s = v.seq;
        m.room_events += s.events();
        m.gaps += s.gaps();
        m.missing_seqs += s.missing();
        m.viewers_with_gaps += s.gaps() != 0 ? 1 : 0;
        m.duplicates += s.duplicates();
        m.skipped_messages += s.skipped_messages();
        m.skipped_seqs += s.skipped_span();
    }
    return m;
}

}  // namespace liveroom::bench
