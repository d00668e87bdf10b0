#include "server/core/ip_limiter.hpp"

#include <catch2/catch.hpp>

using liveroom::core::ip_lease;
using liveroom::core::ip_limiter;
using verdict = ip_limiter::verdict;

namespace {
ip_limiter::address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}
}  // namespace

TEST_CASE("the connection cap counts open connections per address", "[core][ip_limiter]") {
    ip_limiter l({.max_connections = 2, .handshakes_per_s = 0});
    const auto a = v4(10, 0, 0, 1);
    const auto b = v4(10, 0, 0, 2);
    CHECK(l.admit(a, 0) == verdict::ok);
    CHECK(l.admit(a, 0) == verdict::ok);
    CHECK(l.admit(a, 0) == verdict::too_many_connections);
    CHECK(l.admit(b, 0) == verdict::ok);  // another address has its own count
    l.release(a, 1);
    CHECK(l.admit(a, 1) == verdict::ok);
}

TEST_CASE("the handshake rate refuses fast reconnects even when each closes at once", "[core][ip_limiter]") {
    ip_limiter l({.max_connections = 0, .handshakes_per_s = 5});  // burst 10
    const auto a = v4(10, 0, 0, 1);
    int ok = 0;
    for (int i = 0; i < 50; ++i) {
        if (l.admit(a, 1000) == verdict::ok) {
            ++ok;
            l.release(a, 1000);
        }
    }
    CHECK(ok == 10);
    CHECK(l.admit(a, 1000) == verdict::too_many_handshakes);
    CHECK(l.admit(a, 1200) == verdict::ok);  // one back every 200 ms
}

TEST_CASE("state is kept only for addresses in use or recently seen", "[core][ip_limiter]") {
    ip_limiter l({.max_connections = 100, .handshakes_per_s = 10});
    for (std::uint8_t i = 0; i < 200; ++i) {
        REQUIRE(l.admit(v4(10, 0, 1, i), 0) == verdict::ok);
    }
    CHECK(l.tracked() == 200);
    for (std::uint8_t i = 0; i < 200; ++i) {
        l.release(v4(10, 0, 1, i), 10);  // a token short of a full bucket: kept for now
    }
    CHECK(l.tracked() == 200);
    CHECK(l.admit(v4(10, 0, 2, 1), 5000) == verdict::ok);  // the next accept sweeps the idle ones
    CHECK(l.tracked() == 1);
    l.release(v4(10, 0, 2, 1), 60'000);  // full again: forgotten at once
    CHECK(l.tracked() == 0);
}

TEST_CASE("a lease gives its connection back once, when it ends", "[core][ip_limiter]") {
    ip_limiter l({.max_connections = 1, .handshakes_per_s = 0});
    const auto a = v4(10, 0, 0, 1);
    {
        REQUIRE(l.admit(a, 0) == verdict::ok);
        ip_lease first(l, a);
        CHECK(l.admit(a, 0) == verdict::too_many_connections);
        ip_lease moved = std::move(first);
        CHECK(l.admit(a, 0) == verdict::too_many_connections);
    }
    CHECK(l.admit(a, 0) == verdict::ok);
    CHECK(l.tracked() == 1);
}

TEST_CASE("with both limits off nothing is tracked", "[core][ip_limiter]") {
    ip_limiter l({.max_connections = 0, .handshakes_per_s = 0});
    for (int i = 0; i < 1000; ++i) {
        CHECK(l.admit(v4(10, 0, 0, 1), 0) == verdict::ok);
    }
    CHECK(l.tracked() == 0);
}
