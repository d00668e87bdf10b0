#include "server/core/token_bucket.hpp"

#include <catch2/catch.hpp>

using liveroom::core::token_bucket;

TEST_CASE("a new bucket is full and refuses past its burst", "[core][token_bucket]") {
    token_bucket b(1, 3);
    const std::int64_t t = 1'795'822'080'000;  // any clock: full at the first call
    CHECK(b.take(t));
    CHECK(b.take(t));
    CHECK(b.take(t));
    CHECK_FALSE(b.take(t));
}

TEST_CASE("tokens come back at the rate, never above the burst", "[core][token_bucket]") {
    token_bucket b(2, 2);  // 2 a second: one every 500 ms
    CHECK(b.take(0, 2));
    CHECK_FALSE(b.take(499));
    CHECK(b.take(500));
    CHECK_FALSE(b.take(500));
    CHECK(b.available(60'000) == Approx(2));  // a long pause refills only to the burst
    CHECK(b.take(60'000, 2));
    CHECK_FALSE(b.take(60'000));
}

TEST_CASE("a refused take takes nothing; costs may be fractional", "[core][token_bucket]") {
    token_bucket b(1, 2);
    CHECK(b.take(0, 1.5));
    CHECK_FALSE(b.take(0, 1));  // 0.5 left
    CHECK(b.available(0) == Approx(0.5));
    CHECK(b.take(0, 0.5));
    CHECK(b.available(0) == Approx(0));
}

TEST_CASE("retry_after_ms is 0 when a take would pass, else just enough", "[core][token_bucket]") {
    token_bucket b(2, 1);
    CHECK(b.retry_after_ms(0) == 0);
    CHECK(b.take(0));
    CHECK(b.retry_after_ms(0) == 500);
    CHECK(b.retry_after_ms(200) == 300);
    CHECK(b.retry_after_ms(500) == 0);

    for (const double rate : {0.1, 0.3, 1.0, 3.0, 7.0, 1000.0 / 3, 1000.0}) {
        for (const double cost : {1.0, 0.7, 2.5}) {
            INFO("rate " << rate << " cost " << cost);
            token_bucket r(rate, 3);
            std::int64_t now = 12'345;
            while (r.take(now, cost)) {
            }
            for (int round = 0; round < 20; ++round) {
                const std::int64_t wait = r.retry_after_ms(now, cost);
                REQUIRE(wait != token_bucket::never);
                if (wait > 0) {  // 0 when whole milliseconds of refill left enough over
                    token_bucket early = r;
                    CHECK_FALSE(early.take(now + wait - 1, cost));
                }
                now += wait;
                REQUIRE(r.take(now, cost));
            }
        }
    }
}

TEST_CASE("retry_after_ms says never when a take can never pass", "[core][token_bucket]") {
    token_bucket b(1, 2);
    CHECK(b.retry_after_ms(0, 3) == token_bucket::never);
    CHECK_FALSE(b.take(1'000'000, 3));
    token_bucket frozen(0, 1);
    CHECK(frozen.take(0));
    CHECK(frozen.retry_after_ms(0) == token_bucket::never);
    CHECK_FALSE(frozen.take(1'000'000'000));
    token_bucket none;
    CHECK_FALSE(none.take(0));
    CHECK(none.retry_after_ms(0) == token_bucket::never);
}

TEST_CASE("a clock step back gains nothing and loses nothing", "[core][token_bucket]") {
    token_bucket b(1, 1);
    CHECK(b.take(10'000));
    CHECK_FALSE(b.take(5'000));   // back in time: no tokens appear
    CHECK_FALSE(b.take(10'999));  // the refill still counts from 10,000
    CHECK(b.take(11'000));
}

TEST_CASE("slow mode: reconfigure keeps what was gained, capped at the new burst", "[core][token_bucket]") {
    token_bucket b(5, 5);      // a loose per-viewer comment limit
    CHECK(b.take(0, 3));       // 2 left
    b.reconfigure(0, 0.1, 1);  // slow mode 10 s: one comment per 10 s
    CHECK(b.rate() == Approx(0.1));
    CHECK(b.take(0));
    CHECK_FALSE(b.take(9'999));
    CHECK(b.retry_after_ms(9'999) == 1);
    CHECK(b.take(10'000));
    b.reconfigure(10'000, 5, 5);  // slow mode off: refills from empty at the new rate
    CHECK_FALSE(b.take(10'000));
    CHECK(b.take(10'200));
}
