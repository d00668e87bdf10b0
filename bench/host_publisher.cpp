#include "bench/host_publisher.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/asio/post.hpp>

#include "bench/json_append.hpp"
#include "bench/sys_stats.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds tick_period{10};
constexpr std::string_view start_id = "start";

bool parse_event_id(std::string_view id, std::uint64_t& k) {
    if (id.size() < 2 || id[0] != 'n') {
        return false;
    }
    const char* end = id.data() + id.size();
    const auto [ptr, ec] = std::from_chars(id.data() + 1, end, k);
    return ec == std::errc{} && ptr == end;
}

}  // namespace

host_publisher::host_publisher(const ws_target& target, const run_clock& clock, publisher_config config)
    : link_(target, config.room, config.token), clock_(clock), config_(std::move(config)), timer_(link_.ioc()) {}

host_publisher::~host_publisher() {
    link_.stop();
}

void host_publisher::start(const asio::ip::address& source) {
    link_.start(source, *this);
}

void host_publisher::stop() {
    link_.stop();
}

void host_publisher::close() {
    link_.close(timer_);
}

void host_publisher::fail(std::string why) {
    failure_.offer(std::move(why));
    state_.store(state::failed, std::memory_order_release);
    timer_.cancel();
}

void host_publisher::become_ready() {
    if (current() == state::connecting) {
        state_.store(state::ready, std::memory_order_release);
    }
}

void host_publisher::on_open(ws_client& client) {
    link_.hello(client);
}

void host_publisher::on_text(ws_client& client, std::string_view frame) {
    for_each_object(frame, [&](std::string_view object) {
        if (!scan_message(object, fields_)) {
            return;
        }
        const std::string_view type = fields_.type;
        if (type == "ack") {
            std::uint64_t k = 0;
            if (parse_event_id(fields_.id, k)) {
                if (k < next_ && answered_[k] == 0) {
                    answered_[k] = 1;
                    acked.add();
                    const std::int64_t sent_at = send_times_[k];
                    const std::int64_t now = wall_micros();
                    ack_latency_.record(now > sent_at ? static_cast<std::uint64_t>(now - sent_at) : 0);
                    if (sent_at >= clock_.measure_from_us.load(std::memory_order_relaxed)) {
                        window_acked.add();
                    }
                }
            } else if (fields_.id == start_id) {
                become_ready();
            }
            return;
        }
        if (type == "error") {
            std::string text = std::string(fields_.code) + ": " + std::string(fields_.message);
            std::uint64_t k = 0;
            if (parse_event_id(fields_.id, k)) {
                if (k < next_ && answered_[k] == 0) {
                    answered_[k] = 1;
                    rejected.add();
                    if (first_rejection.wanted()) {
                        first_rejection.offer(std::move(text));
                    }
                }
            } else if (fields_.id == start_id) {
                fail("room.start refused: " + text);
            } else {
                last_error_ = std::move(text);
            }
            return;
        }
        if (type == "welcome" && current() == state::connecting) {
            const std::string_view role = welcome_role(fields_.you);
            role_.offer(std::string(role));
            if (!is_staff_role(role)) {
                fail("the token gives role '" + std::string(role) +
                     "' in this room; notice.set needs host or moderator (check --host-token and --room)");
                client.close();
                return;
            }
            if (config_.start_room) {
                std::string start = client.take_buffer();
                start += R"({"type":"room.start","id":")";
                start += start_id;
                start += "\"}";
                client.send(std::move(start));
            } else {
                become_ready();
            }
        }
        // Room events (including our own notices) are not measured on the host.
    });
}

void host_publisher::on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) {
    const state s = current();
    if (!clock_.shutting_down.load(std::memory_order_relaxed) && s != state::failed) {
        std::string why = client.describe(stage, ec);
        if (!last_error_.empty()) {
            why += " after error " + last_error_;
        }
        if (s == state::connecting) {
            fail("host connection: " + why);
        } else if (s != state::done) {
            fail("host connection lost: " + why);
        }
    }
    ended_.store(true, std::memory_order_release);
}

void host_publisher::publish(std::chrono::steady_clock::time_point begin, std::uint64_t total) {
    asio::post(link_.ioc(), [this, begin, total] {
        if (current() != state::ready) {
            return;
        }
        begin_ = begin;
        total_ = total;
        next_ = 0;
        ticks_ = 0;
        send_times_.assign(total, 0);
        answered_.assign(total, 0);
        state_.store(state::publishing, std::memory_order_release);
        timer_.expires_at(begin_);
        timer_.async_wait([this](boost::beast::error_code ec) { on_tick(ec); });
    });
}

void host_publisher::on_tick(boost::beast::error_code ec) {
    ws_client* client = link_.client();
    if (ec || current() != state::publishing || client == nullptr || !client->is_open()) {
        return;
    }
    // Events are due at begin + k / rate (k = 0, 1, ...): catch up to now in one burst.
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count();
    const auto due =
        std::min<std::uint64_t>(total_, static_cast<std::uint64_t>(std::floor(elapsed * config_.rate)) + 1);
    while (next_ < due) {
        send_one();
    }
    if (next_ >= total_) {
        state_.store(state::done, std::memory_order_release);
        return;
    }
    ++ticks_;
    timer_.expires_at(begin_ + ticks_ * tick_period);
    timer_.async_wait([this](boost::beast::error_code e) { on_tick(e); });
}

void host_publisher::send_one() {
    const std::uint64_t k = next_++;
    const std::int64_t now = wall_micros();
    send_times_[k] = now;
    ws_client& client = *link_.client();
    std::string msg = client.take_buffer();
    msg += R"({"type":"notice.set","id":"n)";
    append_number(msg, static_cast<std::int64_t>(k));
    msg += R"(","text":")";
    const std::size_t text_start = msg.size();
    msg += "t=";
    append_number(msg, now);
    msg += ';';
    const std::size_t prefix = msg.size() - text_start;
    if (config_.text_size > prefix) {
        msg.append(config_.text_size - prefix, 'x');
    }
    msg += "\"}";
    client.send(std::move(msg));
    sent.add();
    if (now >= clock_.measure_from_us.load(std::memory_order_relaxed)) {
        window_sent.add();
    }
}

}  // namespace liveroom::bench
