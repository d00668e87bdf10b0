#include "bench/viewer_worker.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/asio/post.hpp>

#include "bench/json_append.hpp"
#include "bench/sys_stats.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;

namespace {

// Viewers write one hello; Beast's masking buffer can be small.
constexpr std::size_t viewer_write_buffer = 256;
// Bounds each viewer's read buffer (about twice this) however large the server's batches.
constexpr std::size_t viewer_read_chunk = 8192;

}  // namespace

viewer_worker::viewer_worker(const ws_target& target,
                             const run_clock& clock,
                             std::string room,
                             std::size_t expected_viewers)
    : target_(target), clock_(clock) {
    append_json_escaped(room_json_, room);
    clients_.reserve(expected_viewers);
    viewers_.reserve(expected_viewers);
}

viewer_worker::~viewer_worker() {
    // The thread must be gone before the connections it serves are destroyed.
    io_.stop();
}

void viewer_worker::start() {
    io_.start([this] { alloc_counter_ = thread_allocated_counter(); });
}

void viewer_worker::stop() {
    io_.stop();
}

void viewer_worker::connect(std::vector<viewer_spec> batch) {
    asio::post(io_.ioc(), [this, batch = std::move(batch)] {
        for (const auto& spec : batch) {
            connect_one(spec);
        }
    });
}

void viewer_worker::connect_one(const viewer_spec& spec) {
    const auto tag = static_cast<std::uint32_t>(clients_.size());
    viewers_.push_back(viewer{.seq = {}, .id = spec.id, .welcomed = false});
    auto client =
        std::make_shared<ws_client>(io_.ioc(), pool_, target_, *this, tag, viewer_write_buffer, viewer_read_chunk);
    clients_.push_back(client);
    started.add();
    client->start(spec.source);
}

void viewer_worker::close_all() {
    asio::post(io_.ioc(), [this] {
        for (const auto& client : clients_) {
            if (client) {
                client->close();
            }
        }
    });
}

void viewer_worker::mark_allocated(int slot, countdown& done) {
    asio::post(io_.ioc(), [this, slot, &done] {
        alloc_mark_[slot] = alloc_counter_ != nullptr ? *alloc_counter_ : 0;
        done.arrive();
    });
}

void viewer_worker::on_open(ws_client& client) {
    const viewer& v = viewers_[client.tag()];
    std::string hello = client.take_buffer();
    hello += R"({"type":"hello","room":")";
    hello += room_json_;
    hello += R"(","name":"bench-)";
    hello += std::to_string(v.id);
    hello += "\"}";
    client.send(std::move(hello));
}

void viewer_worker::on_text(ws_client& client, std::string_view frame) {
    viewer& v = viewers_[client.tag()];
    const std::int64_t now = wall_micros();
    const bool recording = clock_.recording.load(std::memory_order_relaxed);
    const std::int64_t measure_from = clock_.measure_from_us.load(std::memory_order_relaxed);
    const bool in_window = recording && now >= measure_from;
    std::uint64_t delivered = 0;
    for_each_object(frame, [&](std::string_view object) {
        if (!scan_message(object, fields_)) {
            ++malformed_;
            return;
        }
        const std::string_view type = fields_.type;
        if (type == "notice") {
            if (fields_.has_seq) {
                v.seq.on_event(fields_.seq, in_window);
            }
            std::int64_t sent = 0;
            if (recording && parse_send_time(fields_.text, sent) && sent >= measure_from) {
                latency_.record(now > sent ? static_cast<std::uint64_t>(now - sent) : 0);
                ++delivered;
            }
            return;
        }
        if (type == "welcome") {
            if (!v.welcomed) {
                v.welcomed = true;
                welcomed.add();
                if (fields_.has_seq) {
                    v.seq.on_welcome(fields_.seq);
                }
            }
            return;
        }
        if (type == "skipped") {
            if (fields_.has_from && fields_.has_to) {
                v.seq.on_skipped(fields_.from, fields_.to);
            }
            return;
        }
        if (type == "error") {
            ++server_errors_;
            if (first_server_error.wanted()) {
                first_server_error.offer(std::string(fields_.code) + ": " + std::string(fields_.message));
            }
            return;
        }
        // Any other room event carries a seq; acks and per-connection messages do not.
        if (fields_.has_seq) {
            v.seq.on_event(fields_.seq, in_window);
        }
    });
    if (delivered != 0) {
        deliveries.add(delivered);
    }
}

void viewer_worker::on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) {
    const std::uint32_t tag = client.tag();
    const viewer& v = viewers_[tag];
    const bool shutting_down = clock_.shutting_down.load(std::memory_order_relaxed);
    if (!v.welcomed) {
        failed.add();
        if (!shutting_down && first_connect_error.wanted()) {
            first_connect_error.offer(client.describe(stage, ec));
        }
    } else if (stage != ws_stage::close) {
        // After our close() the client swallows read errors: a read or write failure here is a loss.
        lost.add();
        if (first_disconnect.wanted()) {
            first_disconnect.offer(client.describe(stage, ec));
        }
    }
    ended.add();
    // The completion handler that called us holds its own reference.
    clients_[tag].reset();
}

viewer_totals viewer_worker::totals() const {
    viewer_totals t;
    for (const viewer& v : viewers_) {
        if (!v.welcomed) {
            continue;
        }
        const seq_tracker& s = v.seq;
        t.room_events += s.events();
        t.gaps += s.gaps();
        t.missing += s.missing();
        t.viewers_with_gaps += s.gaps() != 0 ? 1 : 0;
        t.duplicates += s.duplicates();
        t.skipped_messages += s.skipped_messages();
        t.skipped_span += s.skipped_span();
        if (s.first_in_window() >= 0) {
            t.first_seq_min =
                t.first_seq_min < 0 ? s.first_in_window() : std::min(t.first_seq_min, s.first_in_window());
        }
        if (s.last_in_window() >= 0) {
            t.last_seq_min = t.last_seq_min < 0 ? s.last_in_window() : std::min(t.last_seq_min, s.last_in_window());
            t.last_seq_max = std::max(t.last_seq_max, s.last_in_window());
        }
    }
    return t;
}

std::uint64_t viewer_worker::viewers_at(std::int64_t seq) const {
    return static_cast<std::uint64_t>(std::count_if(viewers_.begin(), viewers_.end(), [seq](const viewer& v) {
        return v.welcomed && v.seq.last_in_window() == seq;
    }));
}

}  // namespace liveroom::bench
