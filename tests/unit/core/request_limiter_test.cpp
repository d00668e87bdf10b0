#include "server/core/request_limiter.hpp"

#include <catch2/catch.hpp>

using liveroom::core::request_limiter;
using verdict = request_limiter::verdict;

namespace {
// Sends `per_s` messages a second, evenly, from `from_ms` for `ms`; counts the verdicts.
struct tally {
    int ok = 0;
    int limited = 0;
    int flooding = 0;
    std::int64_t first_flood_ms = -1;
};
tally send(request_limiter& l, std::int64_t from_ms, int per_s, std::int64_t ms) {
    tally t;
    const std::int64_t n = per_s * ms / 1000;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t at = from_ms + i * 1000 / per_s;
        switch (l.on_message(at)) {
            case verdict::ok:
                ++t.ok;
                break;
            case verdict::limited:
                ++t.limited;
                break;
            case verdict::flooding:
                if (t.first_flood_ms < 0) {
                    t.first_flood_ms = at - from_ms;
                }
                ++t.flooding;
                break;
        }
    }
    return t;
}
}  // namespace

TEST_CASE("a client within its rate is never refused", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    const auto t = send(l, 1000, 10, 60'000);
    CHECK(t.ok == 600);
    CHECK(t.limited == 0);
    CHECK(t.flooding == 0);
}

TEST_CASE("the burst passes at once, then the rate applies", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    int ok = 0;
    for (int i = 0; i < 30; ++i) {
        ok += l.on_message(1000) == verdict::ok ? 1 : 0;
    }
    CHECK(ok == 20);
    CHECK(l.on_message(1100) == verdict::ok);  // one token back after 100 ms
    CHECK(l.on_message(1100) == verdict::limited);
}

TEST_CASE("under the flood factor a client is refused but never closed", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    const auto t = send(l, 0, 45, 120'000);  // 4.5 times the rate for two minutes
    CHECK(t.flooding == 0);
    CHECK(t.limited > 0);
    CHECK(t.ok <= 20 + 10 * 120 + 1);
}

TEST_CASE("at twice the flood rate a client floods after about flood_seconds", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    const auto t = send(l, 0, 100, 20'000);
    REQUIRE(t.flooding > 0);
    CHECK(t.first_flood_ms >= 4900);
    CHECK(t.first_flood_ms <= 5100);
}

TEST_CASE("a 10,000 per second flood is caught within a fraction of a second", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    const auto t = send(l, 0, 10'000, 2'000);
    REQUIRE(t.flooding > 0);
    CHECK(t.first_flood_ms < 100);
    CHECK(t.ok <= 20 + 10 * 2 + 1);  // no more than the burst and the rate, flooding or not
}

TEST_CASE("raised limits (a moderator joined) apply from then on", "[core][request_limiter]") {
    request_limiter l({.rate = 10, .burst = 20, .flood_factor = 5, .flood_seconds = 5});
    CHECK(send(l, 0, 1000, 20).ok == 20);  // the viewer burst is spent
    l.set({.rate = 50, .burst = 100, .flood_factor = 5, .flood_seconds = 5}, 20);
    const auto t = send(l, 1020, 50, 10'000);
    CHECK(t.limited == 0);
    CHECK(t.flooding == 0);
}
