#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/core/handler_pool.hpp"
#include "server/fanout/feed.hpp"
#include "server/hub/member.hpp"

namespace liveroom::hub {

class room_runner;

// One room as seen by one worker: the worker's feed window onto the room's
// ring and the room's members whose connections live on this worker.
struct local_room {
    using timer_t = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                                      boost::asio::io_context::executor_type>;
    local_room(fanout::ring& r, fanout::held_pool& pool, boost::asio::io_context& ioc) : feed(r, pool) {
        pass_timer.emplace(ioc.get_executor());
    }
    fanout::feed feed;
    std::vector<member*> members;

    // Delivery passes (see worker::on_wake): when the last one started, how
    // long it took, and the feed head it served.
    // Reset by ~worker() while the io_context is alive (a timer needs its
    // service); the room itself outlives the io_context, whose handlers
    // may still name it.
    std::optional<timer_t> pass_timer;
    std::int64_t last_pass_start_ns = 0;
    std::int64_t last_pass_ns = 0;  // busy time of the last pass (its slices)
    std::uint64_t pass_head = 0;
    bool pass_scheduled = false;
    // A pass runs in slices (see worker::run_pass): members [0, pass_pos)
    // were served by the running pass; 0 when none runs.
    std::size_t pass_pos = 0;
    std::int64_t pass_busy_ns = 0;
    bool pass_running = false;
    bool pass_again = false;  // woken while a pass ran: another pass follows
};

// One I/O thread with its own io_context (shared-nothing): the sessions
// accepted onto it, and its local view of every room they joined.
class worker {
  public:
    // `max_pass_delay_ms` bounds how long a delivery pass may be held back to
    // batch more events per write under load.
    worker(std::size_t index, int max_pass_delay_ms);
    ~worker();
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    boost::asio::io_context& ioc() noexcept { return ioc_; }
    std::size_t index() const noexcept { return index_; }
    fanout::held_pool& pool() noexcept { return pool_; }
    // Completion-handler memory for this thread's socket operations.
    core::handler_pool& handler_memory() noexcept { return handler_memory_; }
    // The buffer a session on this thread reads into while it holds no
    // partial frame (ws_session::release_rx): no allocation per read, no
    // read memory per idle connection. Empty while a session borrows it.
    std::string& read_scratch() noexcept { return read_scratch_; }

    // Bytes this worker thread allocated so far (jemalloc), 0 without it.
    // Read from other threads for /metrics: a monotonic counter, torn reads
    // are impossible on 64-bit targets.
    std::uint64_t allocated_bytes() const noexcept;

    void start();
    void join();
    void stop() { ioc_.stop(); }

    // Worker thread only. Adds/removes a member of `room` (creating the local
    // room on first use); the feed is drained first so the window is fresh.
    local_room& subscribe(room_runner& room, member& m);
    void unsubscribe(room_runner& room, member& m);

    // Worker thread only: the room published; drain and wake its members.
    void on_wake(room_runner& room);

    // Worker thread only: a member finished a write and has room events left.
    // While a pass runs or waits, the member takes them with that pass (or
    // the one after it), so that under load writes follow the passes' pace,
    // not each socket's: true. With no pass due it writes at once: false.
    bool defer_to_pass(local_room& lr);

    // Worker thread only: the room reloaded at `last_seq` (after a failed write).
    void on_rewind(room_runner& room, std::uint64_t last_seq);
    // Worker thread only: `user` was banned from the room.
    void on_ban(room_runner& room, const std::string& user);
    // Worker thread only: this node cannot reach the room's cluster.
    void on_unavailable(room_runner& room);

    // Members served per slice of a delivery pass: between slices the
    // worker's other handlers run (acks, reads, joins), so a pass over
    // thousands of connections never holds them back for its whole length.
    static constexpr std::size_t pass_slice = 256;
    // Under load, passes start at most every this many times the last pass's
    // busy time (so they take at most a quarter of the thread): each write
    // carries more events, and loopback TCP's cost is per write, not per
    // byte (bench/RESULTS.md, "The floor").
    static constexpr std::int64_t pass_gap_factor = 4;

  private:
    local_room* find(room_runner& room);
    void schedule_pass(local_room& lr);
    void run_pass(local_room& lr);
    void continue_pass(local_room& lr);

    // Declared so that the io_context (and the handlers it still holds) goes
    // before the local rooms and the pool those handlers refer to.
    const std::size_t index_;
    const std::int64_t max_pass_delay_ns_;
    fanout::held_pool pool_;
    core::handler_pool handler_memory_;
    std::string read_scratch_;
    std::vector<std::unique_ptr<local_room>> rooms_;  // by room index
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
    std::atomic<const std::uint64_t*> allocated_{nullptr};
};

}  // namespace liveroom::hub
