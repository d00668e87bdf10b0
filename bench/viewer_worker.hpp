#pragma once

// One client thread's share of the viewers: its own io_context, connections, per-viewer
// sequence trackers and latency histogram. Everything but the live counters is touched only
// by that thread while it runs; the controller reads the rest after stop().

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "bench/histogram.hpp"
#include "bench/run_state.hpp"
#include "bench/scan.hpp"
#include "bench/seq_tracker.hpp"
#include "bench/ws_client.hpp"
#include "server/core/handler_pool.hpp"

namespace liveroom::bench {

struct viewer_spec {
    std::uint32_t id = 0;  // global viewer number, used in the display name
    boost::asio::ip::address source;
};

// Sums over a worker's viewers, read after stop().
struct viewer_totals {
    std::uint64_t room_events = 0;
    std::uint64_t gaps = 0;
    std::uint64_t missing = 0;
    std::uint64_t viewers_with_gaps = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t skipped_messages = 0;
    std::uint64_t skipped_span = 0;
    std::int64_t first_seq_min = -1;
    std::int64_t last_seq_min = -1;
    std::int64_t last_seq_max = -1;
};

class viewer_worker final : public ws_client_handler {
  public:
    viewer_worker(const ws_target& target, const run_clock& clock, std::string room, std::size_t expected_viewers);
    ~viewer_worker();

    void start();
    // Posts: connect these viewers (on the worker's thread).
    void connect(std::vector<viewer_spec> batch);
    // Posts: close every connection cleanly.
    void close_all();
    // Posts: records jemalloc's allocated bytes of this thread into slot 0 or 1.
    void mark_allocated(int slot, countdown& done);
    void stop();

    // Live, readable any time.
    live_counter started;     // connections begun
    live_counter welcomed;    // got their welcome
    live_counter failed;      // ended before a welcome
    live_counter lost;        // ended after the welcome, not by us
    live_counter ended;       // all ends
    live_counter deliveries;  // measured notices received

    // After stop().
    const log_histogram& latency() const { return latency_; }
    viewer_totals totals() const;
    // Counts viewers whose last seq equals `seq`.
    std::uint64_t viewers_at(std::int64_t seq) const;
    std::uint64_t malformed() const { return malformed_; }
    std::uint64_t server_errors() const { return server_errors_; }
    // jemalloc bytes allocated by this thread between the two marks; 0 without jemalloc.
    std::uint64_t allocated_between_marks() const { return alloc_mark_[1] - alloc_mark_[0]; }
    bool has_alloc_counter() const { return alloc_counter_ != nullptr; }

    first_message first_connect_error;
    first_message first_disconnect;
    first_message first_server_error;

  private:
    struct viewer {
        seq_tracker seq;
        std::uint32_t id = 0;
        bool welcomed = false;
    };

    void connect_one(const viewer_spec& spec);
    void on_open(ws_client& client) override;
    void on_text(ws_client& client, std::string_view frame) override;
    void on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) override;

    core::handler_pool pool_;  // outlives io_: pending operations hold its blocks
    io_thread io_;
    const ws_target& target_;
    const run_clock& clock_;
    std::string room_json_;  // the room id, JSON-escaped
    std::vector<std::shared_ptr<ws_client>> clients_;
    std::vector<viewer> viewers_;
    log_histogram latency_;
    message_fields fields_;
    std::uint64_t malformed_ = 0;
    std::uint64_t server_errors_ = 0;
    const std::uint64_t* alloc_counter_ = nullptr;
    std::uint64_t alloc_mark_[2] = {0, 0};
};

}  // namespace liveroom::bench
