#pragma once

// One client thread's share of a scenario's viewers. Shared-nothing: every worker follows
// the same scenario curve for its own share of viewers (online target / workers), with its
// own churn, activity and random numbers, on its own io_context. The controller reads the
// live counters while it runs and the metrics after stop().
//
// A viewer is a person: it joins (hello), may act (comment, ask, vote, like, quiz.answer),
// leaves (clean close, or a cut), and may come back resuming with `since` = the last seq it
// saw. A connection the server ends while the viewer is online is reconnected the same way.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/crowd_metrics.hpp"
#include "bench/run_state.hpp"
#include "bench/scan.hpp"
#include "bench/scenario.hpp"
#include "bench/seq_tracker.hpp"
#include "bench/ws_client.hpp"
#include "server/core/handler_pool.hpp"

namespace liveroom::bench {

// Set by the controller before the workers start; the atomics change during the run.
struct crowd_clock {
    std::chrono::steady_clock::time_point start{};  // scenario time 0
    std::int64_t start_wall_us = 0;
    double speed = 1;
    std::int64_t interval_us = 1'000'000;  // report interval
    std::size_t intervals = 1;
    std::atomic<bool> active{true};           // churn, joins and activity go on
    std::atomic<std::int64_t> final_seq{-1};  // >= 0: count viewers that have seen it
    std::atomic<bool> shutting_down{false};

    double scenario_seconds(std::chrono::steady_clock::time_point now) const {
        return std::chrono::duration<double>(now - start).count() * speed;
    }
};

// A value written by one thread, read by others.
class live_gauge {
  public:
    void set(std::uint64_t v) { value_.store(v, std::memory_order_relaxed); }
    std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class crowd_worker final : public ws_client_handler {
  public:
    crowd_worker(const ws_target& target,
                 const crowd_clock& clock,
                 const scenario& sc,
                 std::vector<boost::asio::ip::address> sources,
                 unsigned index,
                 unsigned count);
    ~crowd_worker();

    void start();
    // Posts: close every connection cleanly.
    void close_all();
    void stop();

    // Live.
    live_gauge online;
    live_gauge connecting;
    live_gauge at_final;  // online viewers whose last seq >= clock.final_seq
    live_counter joins;
    live_counter rejoins;
    live_counter departures;  // leaves + drops
    live_counter server_closes;
    live_counter failures;
    live_counter deliveries;
    live_counter latency_sum_us;
    live_counter requests_sent;
    live_counter requests_answered;  // acks + errors
    live_counter requests_abandoned;
    live_counter request_errors;
    live_counter gaps;  // live view of the gap count (exact totals come from metrics())

    // After stop().
    crowd_metrics metrics() const;

  private:
    enum class state : std::uint8_t { idle, connecting, online, away };

    struct viewer {
        seq_tracker seq;
        std::uint32_t id = 0;  // global viewer number
        std::int32_t online_pos = -1;
        state st = state::idle;
        bool welcomed_once = false;
        bool resuming = false;  // the pending hello carries `since`
        std::uint16_t outstanding = 0;
        std::int64_t since = -1;
        std::int64_t replay_until = -1;  // events up to this seq are replays after a resume
        std::int64_t dropped_at_us = 0;  // wall µs of the cut, for the reconnect time
        std::int64_t connect_at_us = 0;  // wall µs the current connection was started
        std::uint64_t reported_gaps = 0;
    };

    struct rejoin {
        double due_s;  // scenario seconds
        std::uint32_t slot;
        bool operator>(const rejoin& o) const { return due_s > o.due_s; }
    };

    struct quiz_info {
        std::string id;
        int options = 2;
        bool multi = false;
    };

    struct pending_answer {
        std::chrono::steady_clock::time_point due;
        std::uint32_t slot;
        std::uint32_t quiz;  // index into quizzes_
        bool operator>(const pending_answer& o) const { return due > o.due; }
    };

    // Reconnects the comebacks that are due (whatever the online target).
    void bring_back(double t_s);
    void tick();
    void arm_timer();
    void follow_target(double t_s);
    void churn(double t_s, double dt_s);
    void act(double dt_s);
    void send_due_answers(std::chrono::steady_clock::time_point now);
    void drop_all(double t_s, double back_within_real_s);
    void count_at_final();

    std::uint32_t new_viewer();
    void connect(std::uint32_t slot, bool resuming);
    // Takes an online viewer away; with `may_rejoin`, a share of leavers is queued to come back.
    void leave(std::uint32_t slot, bool cut, double t_s, bool may_rejoin = true);
    void set_online(std::uint32_t slot, bool on);
    bool eligible(const viewer& v, viewer_action a) const;
    std::int64_t random_online();
    void send_request(std::uint32_t slot, viewer_action a);
    void send_answer(std::uint32_t slot, const quiz_info& q);

    void on_open(ws_client& client) override;
    void on_text(ws_client& client, std::string_view frame) override;
    void on_end(ws_client& client, ws_stage stage, boost::beast::error_code ec) override;
    void on_welcome(std::uint32_t slot, std::int64_t now_us);
    void on_answer(std::uint32_t slot, bool ok, std::int64_t now_us);
    void on_room_event(std::uint32_t slot, std::int64_t now_us);
    void record_latency(event_kind kind, std::int64_t latency_us, std::int64_t now_us);

    core::handler_pool pool_;  // outlives io_: pending operations hold its blocks
    io_thread io_;
    const ws_target& target_;
    const crowd_clock& clock_;
    const scenario& sc_;
    std::vector<boost::asio::ip::address> sources_;
    unsigned index_;
    unsigned count_;
    std::string room_json_;
    boost::asio::steady_timer timer_;
    std::mt19937_64 rng_;

    std::vector<std::shared_ptr<ws_client>> clients_;  // by slot
    std::vector<viewer> viewers_;                      // by slot
    std::vector<std::uint32_t> online_;                // slots of online viewers
    std::vector<std::uint32_t> free_slots_;            // slots of viewers that never got in, for the next new ones
    // Leavers who chose to come back (they fill free places under the target), and viewers
    // coming back after a cut or a server close (whatever the target), by due time.
    std::priority_queue<rejoin, std::vector<rejoin>, std::greater<>> rejoins_;
    std::priority_queue<rejoin, std::vector<rejoin>, std::greater<>> comebacks_;
    std::priority_queue<pending_answer, std::vector<pending_answer>, std::greater<>> answers_;
    std::vector<quiz_info> quizzes_;
    std::vector<std::string> recent_questions_;  // ring of recently seen question ids
    std::size_t recent_next_ = 0;
    std::unordered_map<std::string, std::int64_t> question_first_seq_;
    std::size_t connecting_ = 0;
    std::uint64_t connections_made_ = 0;
    std::size_t timeline_next_ = 0;
    std::array<double, viewer_action_count> owed_{};  // fractional requests carried to the next tick
    double leave_owed_ = 0;
    double last_t_s_ = 0;
    bool started_ = false;

    message_fields fields_;
    crowd_metrics m_;
};

}  // namespace liveroom::bench
