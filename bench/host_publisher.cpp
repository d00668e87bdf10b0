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
constexpr std::size_t host_write_buffer = 4096;
constexpr std::size_t host_read_chunk = 16384;
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
    : target_(target), clock_(clock), config_(std::move(config)), timer_(io_.ioc()) {
    append_json_escaped(token_json_, config_.token);
    append_json_escaped(room_json_, config_.room);
}

host_publisher::~host_publisher() {
    io_.stop();
}

void host_publisher::start(const asio::ip::address& source) {
    io_.start([] {});
    asio::post(io_.ioc(), [this, source] {
        client_ = std::make_shared<ws_client>(io_.ioc(), pool_, target_, *this, 0, host_write_buffer, host_read_chunk);
        client_->start(source);
    });
}

void host_publisher::stop() {
    io_.stop();
}

void host_publisher::close() {
    asio::post(io_.ioc(), [this] {
        timer_.cancel();
        if (client_) {
            client_->close();
        }
    });
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
    std::string hello = client.take_buffer();
    hello += R"({"type":"hello","room":")";
    hello += room_json_;
    hello += R"(","token":")";
    hello += token_json_;
    hello += R"(","name":"bench-host"})";
    client.send(std::move(hello));
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
            std::string_view role;
            for_each_member(fields_.you, [&role](std::string_view key, std::string_view value, json_kind kind) {
                if (kind == json_kind::string && key == "role") {
                    role = value;
                }
            });
            role_.offer(std::string(role));
            if (role != "host" && role != "moderator" && role != "admin") {
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
    asio::post(io_.ioc(), [this, begin, total] {
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
    if (ec || current() != state::publishing || !client_ || !client_->is_open()) {
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
    std::string msg = client_->take_buffer();
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
    client_->send(std::move(msg));
    sent.add();
    if (now >= clock_.measure_from_us.load(std::memory_order_relaxed)) {
        window_sent.add();
    }
}

}  // namespace liveroom::bench
