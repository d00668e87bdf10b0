#pragma once

// The host connection of a scenario: says hello with a host (or moderator) token, then plays
// the host steps of the timeline at their (compressed) times on its own thread. Each request
// carries the id "h<step index>"; answers are counted per request kind, errors by code.
// The host also follows the room: the quiz it opened last (for quiz.close and draw), the
// visible questions (for question.answer) and the highest seq it has seen.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/crowd_metrics.hpp"
#include "bench/crowd_worker.hpp"
#include "bench/host_link.hpp"
#include "bench/run_state.hpp"
#include "bench/scan.hpp"
#include "bench/scenario.hpp"
#include "bench/ws_client.hpp"

namespace liveroom::bench {

class scenario_host final : public ws_client_handler {
  public:
    enum class state : int { connecting, ready, failed };

    scenario_host(const ws_target& target, const crowd_clock& clock, const scenario& sc, std::string token);
    ~scenario_host();

    void start(const boost::asio::ip::address& source);
    // Posts: play the host steps from clock.start on.
    void play();
    // Posts: close the connection cleanly.
    void close();
    void stop();

    state current() const { return state_.load(std::memory_order_acquire); }
    bool ended() const { return ended_.load(std::memory_order_acquire); }
    std::string failure() const { return failure_.get(); }
    std::string role() const { return role_.get(); }

    std::size_t host_steps() const { return steps_.size(); }
    live_counter sent;
    live_counter answered;
    live_counter skipped;  // steps that could not be sent (no quiz open, no question to answer)
    live_gauge max_seq;    // highest room seq seen (plus one; 0 = none yet)
    first_message first_skip;

    // After stop(): per request kind ("card.show", ...).
    std::map<std::string, request_stats> requests() const { return requests_; }

  private:
    void on_open(ws_client& client) override;
    void on_text(ws_client& client, std::string_view frame) override;
    void on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) override;
    void fail(std::string why);
    void arm();
    void send_step(std::size_t i);
    void skip(const timeline_step& step, const char* why);
    void follow_question(std::string_view body);

    host_link link_;  // first: the members below live on its thread
    const crowd_clock& clock_;
    std::vector<const timeline_step*> steps_;  // the host's steps, in time order
    boost::asio::steady_timer timer_;
    message_fields fields_;
    std::atomic<state> state_{state::connecting};
    std::atomic<bool> ended_{false};
    first_message failure_;
    first_message role_;
    std::size_t next_ = 0;
    std::vector<std::int64_t> sent_at_us_;  // per step
    std::string last_quiz_;
    std::deque<std::string> open_questions_;  // visible, oldest first
    std::map<std::string, request_stats> requests_;
};

}  // namespace liveroom::bench
