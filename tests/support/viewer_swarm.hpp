#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/support/deadline.hpp"
#include "tests/support/json.hpp"

namespace liveroom::test {

struct swarm_options {
    std::uint16_t port = 0;
    std::vector<std::string> rooms = {"demo"};  // viewer i joins rooms[i % rooms.size()]
    std::size_t viewers = 1;
    int threads = 1;                        // io threads (each viewer runs on its own strand)
    std::size_t max_connecting = 100;       // connects + upgrades in flight at once
    clock::duration connect_timeout = 20s;  // per viewer: TCP connect + WebSocket upgrade
    std::optional<std::string> token;       // sent in every hello; guests when absent
    std::string name_prefix = "v";
    // Notice texts begin with a decimal index that must grow by exactly 1 from one notice to the next.
    bool notice_index = false;
    // Keep the first N notice texts of each viewer (for the reports).
    std::size_t keep_notice_texts = 0;
    // Keep the bytes of every room event each viewer receives (viewer_report::event_log).
    bool record_events = false;
};

// What one viewer saw; complete once the swarm is stopped.
struct viewer_report {
    std::size_t index = 0;
    std::string room;
    std::string failure;  // could not connect, upgrade or be welcomed, or got invalid JSON
    bool welcomed = false;
    std::uint64_t welcome_seq = 0;
    bool resumed = false;

    // The room-event stream (see seq_checker).
    std::uint64_t events = 0;
    std::uint64_t last_seq = 0;
    std::uint64_t gaps = 0;
    std::uint64_t backwards = 0;
    std::uint64_t skipped_markers = 0;
    std::uint64_t skipped_seqs = 0;
    std::uint64_t events_without_seq = 0;
    std::string first_problem;

    // Notices.
    std::uint64_t notices = 0;
    std::uint64_t first_notice_seq = 0;
    std::uint64_t last_notice_seq = 0;
    std::uint64_t notice_seq_breaks = 0;  // consecutive notices whose seqs differ by more than 1
    std::uint64_t notice_hash = 0;        // over every (seq, text), in order
    std::int64_t first_notice_index = -1;
    std::int64_t last_notice_index = -1;
    std::uint64_t notice_index_errors = 0;
    std::vector<std::string> notice_texts;

    std::uint64_t presence_events = 0;
    std::int64_t last_online = -1;
    std::vector<std::string> errors;  // codes of error objects received
    std::uint64_t frames = 0;
    std::uint64_t objects = 0;
    std::uint64_t mod_events = 0;  // objects whose type starts with "mod." (moderators only)

    // The welcome's bytes, and (with record_events) every room event as
    // (seq, the object's bytes) in the order received.
    std::string welcome_text;
    std::vector<std::pair<std::uint64_t, std::string>> event_log;
    // Requests given to viewer_swarm::send() that were never written (the connection had ended).
    std::uint64_t unsent = 0;

    bool ended = false;           // the connection ended (not by close_all/stop)
    bool closed_by_test = false;  // ended through close_all()
    std::optional<std::uint16_t> close_code;
    std::string end_description;

    // One line for failure messages.
    std::string describe() const;
};

class swarm_viewer;

// Many WebSocket viewers on one or two io threads. Each viewer connects,
// sends hello, then reads everything, checks its room seq stream (honouring
// `skipped`), and counts what it saw. Live counters can be read at any time;
// full reports after stop().
class viewer_swarm {
  public:
    explicit viewer_swarm(swarm_options options);
    ~viewer_swarm();
    viewer_swarm(const viewer_swarm&) = delete;
    viewer_swarm& operator=(const viewer_swarm&) = delete;

    // Starts the io threads and begins connecting (at most max_connecting at a time).
    void start();
    // Until every viewer is welcomed or has failed; true when all were welcomed.
    bool wait_welcomed(clock::duration timeout);
    // Re-checks `condition` until it holds or the timeout passes.
    bool wait_until(const std::function<bool()>& condition, clock::duration timeout);

    std::size_t size() const noexcept { return options_.viewers; }
    std::size_t welcomed_count() const noexcept { return welcomed_.load(); }
    std::size_t failed_count() const noexcept { return failed_.load(); }
    std::size_t ended_count() const noexcept { return ended_.load(); }

    // Live, thread-safe counters of viewer i.
    std::uint64_t notices(std::size_t i) const;
    std::uint64_t last_seq(std::size_t i) const;
    std::int64_t last_online(std::size_t i) const;
    bool ended(std::size_t i) const;
    // The fewest notices any viewer that is still connected has received (UINT64_MAX when none is).
    std::uint64_t min_live_notices() const;
    // Sum of notices over all viewers.
    std::uint64_t total_notices() const;

    // Requests on behalf of viewer i. The text (one JSON object) is queued on
    // the viewer's own strand and written after its hello and after the texts
    // sent before it, so several sends are back-to-back on the connection.
    // Send after the viewer was welcomed (the server refuses requests before
    // the welcome). Thread-safe.
    void send(std::size_t i, std::string text);
    // The ack or error of viewer i whose "id" is `id`, once it arrived. Thread-safe.
    std::optional<json> reply(std::size_t i, const std::string& id) const;
    // send(), then waits (bounded) for the reply whose "id" is `id`.
    std::optional<json> request(std::size_t i, std::string text, const std::string& id, clock::duration timeout = 5s);
    // Acks and errors carrying an id received by all viewers so far.
    std::size_t replies_received() const noexcept { return replies_.load(); }
    // Viewer i's welcome, once it arrived. Thread-safe.
    std::optional<json> welcome(std::size_t i) const;

    // Closing handshake (1000) on every open viewer, bounded by `timeout`.
    void close_all(clock::duration timeout = 10s);
    // Drops every connection and joins the io threads. Idempotent.
    void stop();
    // After stop(): one report per viewer.
    std::vector<viewer_report> reports() const;

  private:
    friend class swarm_viewer;
    void launch_next();
    void on_connect_phase_done();
    void notify();

    swarm_options options_;
    boost::asio::io_context ioc_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::vector<std::unique_ptr<swarm_viewer>> viewers_;
    std::vector<std::thread> threads_;
    std::atomic<std::size_t> next_to_launch_{0};
    std::atomic<std::size_t> welcomed_{0};
    std::atomic<std::size_t> failed_{0};
    std::atomic<std::size_t> ended_{0};
    std::atomic<std::size_t> closed_by_test_{0};
    std::atomic<std::size_t> replies_{0};
    std::atomic<int> running_threads_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool started_ = false;
    bool stopped_ = false;
};

// A summary of the reports that differ from what `ok` accepts: the count and the first `max_lines` descriptions.
std::string summarize_reports(const std::vector<viewer_report>& reports,
                              const std::function<bool(const viewer_report&)>& ok,
                              std::size_t max_lines = 10);

}  // namespace liveroom::test
