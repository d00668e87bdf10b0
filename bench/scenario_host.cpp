#include "bench/scenario_host.hpp"

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

constexpr std::size_t max_open_questions = 4096;

void append_string(std::string& out, std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":\"";
    append_json_escaped(out, value);
    out += '"';
}

bool parse_step_id(std::string_view id, std::size_t& i) {
    if (id.size() < 2 || id[0] != 'h') {
        return false;
    }
    const auto [ptr, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), i);
    return ec == std::errc{} && ptr == id.data() + id.size();
}

}  // namespace

scenario_host::scenario_host(const ws_target& target, const crowd_clock& clock, const scenario& sc, std::string token)
    : link_(target, sc.room, token), clock_(clock), timer_(link_.ioc()) {
    for (const auto& step : sc.timeline) {
        if (!step.by_viewers()) {
            steps_.push_back(&step);
            requests_[step.what];
        }
    }
    sent_at_us_.assign(steps_.size(), 0);
}

scenario_host::~scenario_host() {
    link_.stop();
}

void scenario_host::start(const asio::ip::address& source) {
    link_.start(source, *this);
}

void scenario_host::stop() {
    link_.stop();
}

void scenario_host::close() {
    link_.close(timer_);
}

void scenario_host::fail(std::string why) {
    failure_.offer(std::move(why));
    state_.store(state::failed, std::memory_order_release);
    timer_.cancel();
}

void scenario_host::play() {
    asio::post(link_.ioc(), [this] {
        next_ = 0;
        arm();
    });
}

void scenario_host::arm() {
    if (next_ >= steps_.size() || current() != state::ready) {
        return;
    }
    const auto due = clock_.start + std::chrono::duration_cast<steady::duration>(
                                        std::chrono::duration<double>(steps_[next_]->at_s / clock_.speed));
    timer_.expires_at(due);
    timer_.async_wait([this](boost::beast::error_code ec) {
        if (ec || current() != state::ready || link_.client() == nullptr || !link_.client()->is_open()) {
            return;
        }
        const double t_s = clock_.scenario_seconds(steady::now());
        while (next_ < steps_.size() && steps_[next_]->at_s <= t_s + 1e-9) {
            send_step(next_++);
        }
        arm();
    });
}

void scenario_host::skip(const timeline_step& step, const char* why) {
    skipped.add();
    if (first_skip.wanted()) {
        first_skip.offer(step.what + ": " + why);
    }
}

void scenario_host::send_step(std::size_t i) {
    const timeline_step& step = *steps_[i];
    ws_client& client = *link_.client();
    std::string msg = client.take_buffer();
    msg += R"({"type":")";
    msg += step.what;
    msg += R"(","id":"h)";
    append_number(msg, static_cast<std::int64_t>(i));
    msg += '"';
    if (step.what == "card.show") {
        append_string(msg, "card", step.card);
    } else if (step.what == "notice.set") {
        // A send time in the text makes the notice's delivery latency end to end.
        std::string text = "t=" + std::to_string(wall_micros()) + ";" + step.text;
        append_string(msg, "text", text);
    } else if (step.what == "quiz.open") {
        append_string(msg, "question", step.question);
        msg += R"(,"options":[)";
        for (std::size_t k = 0; k < step.options.size(); ++k) {
            msg += k == 0 ? "\"" : ",\"";
            append_json_escaped(msg, step.options[k]);
            msg += '"';
        }
        msg += R"(],"correct":[)";
        for (std::size_t k = 0; k < step.correct.size(); ++k) {
            if (k != 0) {
                msg += ',';
            }
            append_number(msg, step.correct[k]);
        }
        // The quiz runs on the server's clock: compress its duration too (at least 1 s).
        const auto seconds =
            step.seconds <= 0 ? 0 : std::max<std::int64_t>(1, std::llround(step.seconds / clock_.speed));
        msg += R"(],"seconds":)";
        append_number(msg, seconds);
        append_string(msg, "scoring", step.scoring);
    } else if (step.what == "quiz.close" || step.what == "draw") {
        if (step.what == "quiz.close" && last_quiz_.empty()) {
            skip(step, "no quiz was opened (quiz.open was refused or not acked yet)");
            return;
        }
        if (!last_quiz_.empty()) {
            append_string(msg, "quiz", last_quiz_);
        }
        if (step.what == "draw") {
            msg += R"(,"count":)";
            append_number(msg, step.count);
        }
    } else if (step.what == "question.answer") {
        if (open_questions_.empty()) {
            skip(step, "no visible question to answer");
            return;
        }
        append_string(msg, "qid", open_questions_.front());
        open_questions_.pop_front();
        append_string(msg, "answer", step.text);
    } else if (step.what == "room.extend") {
        msg += R"(,"minutes":)";
        append_number(msg, step.minutes);
    }
    msg += '}';
    sent_at_us_[i] = wall_micros();
    client.send(std::move(msg));
    ++requests_[step.what].sent;
    sent.add();
}

void scenario_host::on_open(ws_client& client) {
    link_.hello(client);
}

void scenario_host::follow_question(std::string_view body) {
    std::string_view id;
    std::string_view status;
    for_each_member(body, [&](std::string_view key, std::string_view value, json_kind kind) {
        if (kind == json_kind::string && key == "id") {
            id = value;
        } else if (kind == json_kind::string && key == "status") {
            status = value;
        }
    });
    const auto it = std::find(open_questions_.begin(), open_questions_.end(), id);
    if (status == "visible") {
        if (it == open_questions_.end() && open_questions_.size() < max_open_questions) {
            open_questions_.emplace_back(id);
        }
    } else if (it != open_questions_.end()) {
        open_questions_.erase(it);
    }
}

void scenario_host::on_text(ws_client& client, std::string_view frame) {
    const std::int64_t now_us = wall_micros();
    for_each_object(frame, [&](std::string_view object) {
        if (!scan_message(object, fields_)) {
            return;
        }
        const std::string_view type = fields_.type;
        if (fields_.has_seq && type != "welcome") {
            max_seq.set(std::max<std::uint64_t>(max_seq.get(), static_cast<std::uint64_t>(fields_.seq) + 1));
            if (type == "question") {
                follow_question(fields_.body);
            }
            return;
        }
        std::size_t i = 0;
        if ((type == "ack" || type == "error") && parse_step_id(fields_.id, i) && i < steps_.size()) {
            request_stats& r = requests_[steps_[i]->what];
            answered.add();
            if (type == "ack") {
                ++r.acked;
                r.ack_latency.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - sent_at_us_[i])));
                if (steps_[i]->what == "quiz.open" && !fields_.quiz.empty()) {
                    last_quiz_ = std::string(fields_.quiz);
                }
            } else {
                r.error(fields_.code, fields_.message);
            }
            return;
        }
        if (type == "welcome" && current() == state::connecting) {
            const std::string_view role = welcome_role(fields_.you);
            role_.offer(std::string(role));
            if (fields_.has_seq) {
                max_seq.set(static_cast<std::uint64_t>(fields_.seq) + 1);
            }
            if (!is_staff_role(role)) {
                fail("the token gives role '" + std::string(role) +
                     "' in this room; the timeline needs host or moderator (check --host-token)");
                client.close();
                return;
            }
            state_.store(state::ready, std::memory_order_release);
        } else if (type == "error" && current() == state::connecting) {
            fail("host refused: " + std::string(fields_.code) + ": " + std::string(fields_.message));
        }
    });
}

void scenario_host::on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) {
    if (!clock_.shutting_down.load(std::memory_order_relaxed) && current() != state::failed) {
        fail((current() == state::connecting ? "host connection: " : "host connection lost: ") +
             client.describe(stage, ec));
    }
    ended_.store(true, std::memory_order_release);
}

}  // namespace liveroom::bench
