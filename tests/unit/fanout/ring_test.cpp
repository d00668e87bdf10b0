#include "server/fanout/ring.hpp"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

using namespace liveroom::fanout;

namespace {
frame* make(std::uint64_t seq, frame_class cls = frame_class::critical) {
    const std::string body = "event-" + std::to_string(seq);
    return frame::make(seq, cls, 0, body);
}
}  // namespace

TEST_CASE("ring publishes in seq order and serves acquires", "[fanout]") {
    const auto before = frame::live();
    {
        ring r(8);
        CHECK(r.head() == 0);
        CHECK(r.oldest() == 1);
        CHECK(r.acquire(1) == nullptr);  // not yet published
        for (std::uint64_t s = 1; s <= 5; ++s) {
            r.publish(make(s));
        }
        CHECK(r.head() == 5);
        CHECK(r.oldest() == 1);
        frame* f = r.acquire(3);
        REQUIRE(f != nullptr);
        CHECK(f->bytes() == "event-3");
        f->release();
    }
    CHECK(frame::live() == before);
}

TEST_CASE("ring wraps around: old seqs are gone, held frames survive eviction", "[fanout]") {
    const auto before = frame::live();
    ring r(4);
    for (std::uint64_t s = 1; s <= 4; ++s) {
        r.publish(make(s));
    }
    frame* kept = r.acquire(2);
    REQUIRE(kept != nullptr);
    for (std::uint64_t s = 5; s <= 10; ++s) {
        r.publish(make(s));
    }
    CHECK(r.head() == 10);
    CHECK(r.oldest() == 7);
    CHECK(r.acquire(2) == nullptr);  // lapped
    CHECK(r.acquire(6) == nullptr);
    frame* f = r.acquire(7);
    REQUIRE(f != nullptr);
    CHECK(f->seq() == 7);
    f->release();
    CHECK(kept->bytes() == "event-2");  // still alive: we hold a reference
    kept->release();
    CHECK(frame::live() == before + 4);  // only the ring's four remain
}

TEST_CASE("reset_head continues seq after recovery without serving the past", "[fanout]") {
    ring r(8);
    r.reset_head(100);
    CHECK(r.head() == 100);
    CHECK(r.oldest() == 101);
    CHECK(r.acquire(100) == nullptr);
    r.publish(make(101));
    frame* f = r.acquire(101);
    REQUIRE(f != nullptr);
    f->release();
}

// One publisher races many readers over a small ring, so readers are lapped
// all the time. Each reader must see strictly increasing seqs whose bytes
// match, never a torn or freed frame; when lapped it jumps to oldest().
TEST_CASE("ring: a publisher racing many readers with wrap-around and lapped readers", "[fanout][race]") {
    const auto before = frame::live();
    constexpr std::uint64_t total = 200000;
    constexpr int readers = 6;
    {
        ring r(64);
        std::atomic<bool> done{false};
        std::atomic<std::uint64_t> read_ok{0}, lapped{0}, errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < readers; ++t) {
            threads.emplace_back([&, t] {
                std::uint64_t next = 1;
                std::vector<frame*> holding;  // hold some frames across publishes
                for (;;) {
                    const bool finished = done.load(std::memory_order_acquire);
                    const std::uint64_t head = r.head();
                    if (next > head) {
                        if (finished) {
                            break;
                        }
                        std::this_thread::yield();
                        continue;
                    }
                    frame* f = r.acquire(next);
                    if (f == nullptr) {
                        // Lapped: `next` is gone for good (the slot holds a
                        // newer event, even if the head store that follows
                        // the slot exchange is not visible yet). Move on, as
                        // a worker's feed does.
                        lapped.fetch_add(1);
                        next = std::max(next + 1, r.oldest());
                        continue;
                    }
                    if (f->seq() != next || f->bytes() != "event-" + std::to_string(next)) {
                        errors.fetch_add(1);
                    }
                    read_ok.fetch_add(1);
                    ++next;
                    holding.push_back(f);
                    if (holding.size() > static_cast<std::size_t>(t * 7 + 1)) {
                        for (frame* h : holding) {
                            h->release();
                        }
                        holding.clear();
                    }
                }
                for (frame* h : holding) {
                    h->release();
                }
            });
        }
        for (std::uint64_t s = 1; s <= total; ++s) {
            r.publish(make(s, s % 3 == 0 ? frame_class::droppable : frame_class::critical));
        }
        done.store(true, std::memory_order_release);
        for (auto& th : threads) {
            th.join();
        }
        CHECK(errors.load() == 0);
        CHECK(read_ok.load() > 0);
        INFO("lapped " << lapped.load());
        CHECK(r.head() == total);
    }
    CHECK(frame::live() == before);  // every frame freed exactly once
}
