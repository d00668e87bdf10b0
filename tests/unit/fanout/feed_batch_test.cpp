#include <string>

#include <catch2/catch.hpp>

#include "server/fanout/batch.hpp"
#include "server/fanout/feed.hpp"
#include "server/fanout/ring.hpp"

using namespace liveroom::fanout;

namespace {
std::string text_of(const batch& b) {
    std::string out;
    for (const auto& buf : b.buffers()) {
        out.append(static_cast<const char*>(buf.data()), buf.size());
    }
    return out;
}
void publish(ring& r, std::uint64_t seq, frame_class cls, std::string body, std::uint8_t key = 0) {
    r.publish(frame::make(seq, cls, key, body));
}
}  // namespace

TEST_CASE("a batch joins the outbox and every pending frame with newlines", "[fanout]") {
    ring r(16);
    held_pool pool;
    feed f(r, pool);
    publish(r, 1, frame_class::critical, "A");
    publish(r, 2, frame_class::droppable, "B");
    CHECK(f.drain() == 2);
    batch b;
    std::uint64_t cursor = 1;
    REQUIRE(b.gather(&f, cursor, "W", {}) == batch::result::ready);
    CHECK(text_of(b) == "W\nA\nB");
    CHECK(cursor == 3);
    CHECK(b.last().frames == 2);
    b.release(pool);
    CHECK(b.gather(&f, cursor, "", {}) == batch::result::empty);
}

TEST_CASE("a batch is one buffer per frame: each frame's separator is the '\\n' after it in memory", "[fanout]") {
    ring r(16);
    held_pool pool;
    feed f(r, pool);
    const char* const bodies[] = {"e1", "e2", "e3", "e4", "e5"};
    for (std::uint64_t s = 1; s <= 5; ++s) {
        publish(r, s, frame_class::critical, bodies[s - 1]);
    }
    f.drain();
    batch b;
    std::uint64_t cursor = 1;
    REQUIRE(b.gather(&f, cursor, "W", {}) == batch::result::ready);
    CHECK(text_of(b) == "W\ne1\ne2\ne3\ne4\ne5");
    CHECK(b.bytes() == text_of(b).size());
    // The outbox, its separator, then five frames (the last without its '\n').
    CHECK(std::distance(b.buffers().begin(), b.buffers().end()) == 7);
    b.release(pool);
}

TEST_CASE("a batch borrows its lists from the worker's pool for one write: an idle session holds none", "[fanout]") {
    ring r(16);
    held_pool pool;
    feed f(r, pool);
    publish(r, 1, frame_class::critical, "A");
    f.drain();
    batch b;
    std::uint64_t cursor = 1;
    REQUIRE(b.gather(&f, cursor, "", {}) == batch::result::ready);
    b.release(pool);
    CHECK(pool.spare_lists() == 1);  // given back after the write
    batch other;
    std::uint64_t other_cursor = 1;
    REQUIRE(other.gather(&f, other_cursor, "", {}) == batch::result::ready);
    CHECK(pool.spare_lists() == 0);  // reused, not allocated anew
    other.release(pool);
    CHECK(b.gather(&f, cursor, "", {}) == batch::result::empty);
    CHECK(pool.spare_lists() == 1);  // nothing to write: not kept
}

TEST_CASE("frames pinned by an in-flight write outlive their eviction from the window", "[fanout]") {
    const auto before = frame::live();
    {
        ring r(4);
        held_pool pool;
        feed f(r, pool);
        publish(r, 1, frame_class::critical, "one");
        f.drain();
        batch b;
        std::uint64_t cursor = 1;
        REQUIRE(b.gather(&f, cursor, "", {}) == batch::result::ready);
        for (std::uint64_t s = 2; s <= 12; ++s) {
            publish(r, s, frame_class::critical, "x");
        }
        f.drain();
        CHECK(f.oldest() == 9);
        CHECK(text_of(b) == "one");  // still valid: pinned
        b.release(pool);
        CHECK(pool.outstanding() == 4);  // the window's four
    }
    CHECK(frame::live() == before);
}

TEST_CASE("a lagging session skips droppable frames, keeps critical and the newest presence", "[fanout]") {
    ring r(64);
    held_pool pool;
    feed f(r, pool);
    const std::string big(100, 'c');
    publish(r, 1, frame_class::critical, "K1");
    publish(r, 2, frame_class::droppable, big);
    publish(r, 3, frame_class::latest, "P1", 1);
    publish(r, 4, frame_class::droppable, big);
    publish(r, 5, frame_class::critical, "K2");
    publish(r, 6, frame_class::latest, "P2", 1);
    publish(r, 7, frame_class::droppable, big);
    f.drain();
    batch_limits lim;
    lim.soft_lag_bytes = 50;
    lim.hard_lag_bytes = 1000;
    batch b;
    std::uint64_t cursor = 1;
    REQUIRE(b.gather(&f, cursor, "", lim) == batch::result::ready);
    CHECK(text_of(b) == R"({"type":"skipped","from":2,"to":7})"
                        "\nK1\nK2\nP2");
    CHECK(b.last().skipped == 4);
    CHECK(cursor == 8);
    b.release(pool);
}

TEST_CASE("critical lag past the hard bound, or falling out of the window, means resync", "[fanout]") {
    ring r(8);
    held_pool pool;
    feed f(r, pool);
    for (std::uint64_t s = 1; s <= 5; ++s) {
        publish(r, s, frame_class::critical, std::string(100, 'k'));
    }
    f.drain();
    batch_limits lim;
    lim.soft_lag_bytes = 100;
    lim.hard_lag_bytes = 300;
    batch b;
    std::uint64_t cursor = 1;
    CHECK(b.gather(&f, cursor, "", lim) == batch::result::resync);
    for (std::uint64_t s = 6; s <= 20; ++s) {
        publish(r, s, frame_class::critical, "k");
    }
    f.drain();
    cursor = 2;  // older than the window (13..20)
    CHECK(b.gather(&f, cursor, "", {}) == batch::result::resync);
}

TEST_CASE("a feed lapped by its room restarts at the ring's oldest", "[fanout]") {
    ring r(4);
    held_pool pool;
    feed f(r, pool);
    for (std::uint64_t s = 1; s <= 10; ++s) {
        publish(r, s, frame_class::critical, "e");
    }
    f.drain();
    CHECK(f.oldest() == 7);
    CHECK(f.head() == 10);
    batch b;
    std::uint64_t cursor = 7;
    REQUIRE(b.gather(&f, cursor, "", {}) == batch::result::ready);
    CHECK(b.last().frames == 4);
    b.release(pool);
}
