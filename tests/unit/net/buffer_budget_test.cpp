#include "server/net/buffer_budget.hpp"

#include <catch2/catch.hpp>

using liveroom::net::buffer_budget;

TEST_CASE("the budget is over once the workers' bytes together pass the cap", "[net][buffer_budget]") {
    buffer_budget b;
    b.configure(1000, 2);
    b.add(0, 600);
    CHECK_FALSE(b.over());
    b.add(1, 400);
    CHECK_FALSE(b.over());  // at the cap is not over it
    b.add(1, 1);
    CHECK(b.over());
    CHECK(b.total() == 1001);
    b.add(0, -600);
    CHECK_FALSE(b.over());
    CHECK(b.total() == 401);
}

TEST_CASE("only the configured workers count, and giving everything back ends at zero", "[net][buffer_budget]") {
    buffer_budget b;
    b.configure(100, 1);
    b.add(0, 150);
    CHECK(b.over());
    b.add(0, -50);
    CHECK_FALSE(b.over());
    b.add(0, -100);
    CHECK(b.total() == 0);
    CHECK_FALSE(b.over());
}
