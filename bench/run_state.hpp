#pragma once

// Small pieces of state shared between the controller (main thread) and the client
// threads of one run.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace liveroom::bench {

// Phase flags the controller sets and every client thread reads (relaxed: they are
// advisory, a message racing a flip is counted on either side consistently enough).
struct run_clock {
    // Events whose embedded send time (wall µs) is at or after this are measured.
    std::atomic<std::int64_t> measure_from_us{std::numeric_limits<std::int64_t>::max()};
    // False once the drain is over: later deliveries are not counted.
    std::atomic<bool> recording{true};
    // True once the controller closes everything: ends are expected, not failures.
    std::atomic<bool> shutting_down{false};
};

// A counter written by one thread and read by others. The writer does a plain load and
// store (no locked instruction on the hot path); readers see a recent value.
class live_counter {
  public:
    void add(std::uint64_t n = 1) {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

// Keeps the first message offered (for "first connect failure: ..." lines).
class first_message {
  public:
    bool wanted() const { return !set_.load(std::memory_order_relaxed); }
    void offer(std::string text) {
        std::lock_guard lock(mutex_);
        if (!set_.load(std::memory_order_relaxed)) {
            text_ = std::move(text);
            set_.store(true, std::memory_order_relaxed);
        }
    }
    std::string get() const {
        std::lock_guard lock(mutex_);
        return text_;
    }

  private:
    mutable std::mutex mutex_;
    std::string text_;
    std::atomic<bool> set_{false};
};

// Waits for n arrivals, with a timeout.
class countdown {
  public:
    explicit countdown(std::size_t n) : left_(n) {}
    void arrive() {
        std::lock_guard lock(mutex_);
        if (left_ > 0) {
            --left_;
        }
        cv_.notify_all();
    }
    bool wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, timeout, [this] { return left_ == 0; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t left_;
};

// One io_context run by one thread until stop(). Each client thread of the bench is one.
class io_thread {
  public:
    io_thread() : guard_(boost::asio::make_work_guard(ioc_)) {}
    io_thread(const io_thread&) = delete;
    io_thread& operator=(const io_thread&) = delete;
    ~io_thread() { stop(); }

    // `on_thread` runs first on the new thread (to read per-thread counters).
    template <class Fn>
    void start(Fn on_thread) {
        thread_ = std::thread([this, on_thread = std::move(on_thread)]() mutable {
            on_thread();
            ioc_.run();
        });
    }

    void stop() {
        guard_.reset();
        ioc_.stop();
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    boost::asio::io_context& ioc() { return ioc_; }

  private:
    boost::asio::io_context ioc_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

}  // namespace liveroom::bench
