#pragma once

// The host connection: says hello with a host (or moderator) token, optionally starts the
// room, then publishes notice.set requests at an exact rate on its own thread. Each request
// carries an id ("n<k>") and a text "t=<send time µs>;xxxx..." padded to the asked size.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/histogram.hpp"
#include "bench/host_link.hpp"
#include "bench/run_state.hpp"
#include "bench/scan.hpp"
#include "bench/ws_client.hpp"

namespace liveroom::bench {

struct publisher_config {
    std::string room;
    std::string token;
    double rate = 10;            // events per second
    std::size_t text_size = 64;  // bytes of notice text
    bool start_room = false;     // send room.start before reporting ready
};

class host_publisher final : public ws_client_handler {
  public:
    enum class state : int { connecting, ready, publishing, done, failed };

    host_publisher(const ws_target& target, const run_clock& clock, publisher_config config);
    ~host_publisher();

    void start(const boost::asio::ip::address& source);
    // Posts: publish `total` events paced from `begin` (steady clock).
    void publish(std::chrono::steady_clock::time_point begin, std::uint64_t total);
    // Posts: close the connection cleanly.
    void close();
    void stop();

    state current() const { return state_.load(std::memory_order_acquire); }
    bool ended() const { return ended_.load(std::memory_order_acquire); }
    std::string failure() const { return failure_.get(); }
    std::string role() const { return role_.get(); }

    live_counter sent;
    live_counter acked;
    live_counter rejected;
    live_counter window_sent;
    live_counter window_acked;
    first_message first_rejection;

    // After stop(): request → ack times of acked events, µs.
    const log_histogram& ack_latency() const { return ack_latency_; }

  private:
    void on_open(ws_client& client) override;
    void on_text(ws_client& client, std::string_view frame) override;
    void on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) override;
    void fail(std::string why);
    void become_ready();
    void on_tick(boost::beast::error_code ec);
    void send_one();

    host_link link_;  // first: the members below live on its thread
    const run_clock& clock_;
    publisher_config config_;
    boost::asio::steady_timer timer_;
    message_fields fields_;
    std::atomic<state> state_{state::connecting};
    std::atomic<bool> ended_{false};
    first_message failure_;
    first_message role_;
    std::string last_error_;  // the last error object the server sent us
    std::chrono::steady_clock::time_point begin_{};
    std::uint64_t total_ = 0;
    std::uint64_t next_ = 0;  // next event index to send
    std::uint64_t ticks_ = 0;
    std::vector<std::int64_t> send_times_;  // wall µs per event index
    std::vector<std::uint8_t> answered_;
    log_histogram ack_latency_;
};

}  // namespace liveroom::bench
