#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "server/fanout/feed.hpp"
#include "server/hub/member.hpp"

namespace liveroom::hub {

class room_runner;

// One room as seen by one worker: the worker's feed window onto the room's
// ring and the room's members whose connections live on this worker.
struct local_room {
    local_room(fanout::ring& r, fanout::held_pool& pool) : feed(r, pool) {}
    fanout::feed feed;
    std::vector<member*> members;
};

// One I/O thread with its own io_context (shared-nothing): the sessions
// accepted onto it, and its local view of every room they joined.
class worker {
  public:
    explicit worker(std::size_t index);
    ~worker();
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    boost::asio::io_context& ioc() noexcept { return ioc_; }
    std::size_t index() const noexcept { return index_; }
    fanout::held_pool& pool() noexcept { return pool_; }

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

  private:
    local_room* find(room_runner& room);

    // Declared so that the io_context (and the handlers it still holds) goes
    // before the local rooms and the pool those handlers refer to.
    const std::size_t index_;
    fanout::held_pool pool_;
    std::vector<std::unique_ptr<local_room>> rooms_;  // by room index
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
    std::atomic<const std::uint64_t*> allocated_{nullptr};
};

}  // namespace liveroom::hub
