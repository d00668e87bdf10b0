#include "server/room/similarity.hpp"

#include <catch2/catch.hpp>

using liveroom::room::similarity_index;

TEST_CASE("bigrams fold width, case and punctuation", "[room]") {
    CHECK(similarity_index::bigrams("ＡＢ") == similarity_index::bigrams("ab"));
    CHECK(similarity_index::bigrams("父母，能报销吗？") == similarity_index::bigrams("父母能报销吗"));
    CHECK(similarity_index::bigrams("工 会") == similarity_index::bigrams("工会"));
}

TEST_CASE("rewordings of a Chinese question match, unrelated ones do not", "[room]") {
    similarity_index idx;
    idx.add("q1", "我父母能报销吗？");
    idx.add("q2", "怎么扫码加入工会");
    idx.add("q3", "驿站几点开门");
    auto m = idx.query("我的父母可以报销吗", 0.4, 5);
    REQUIRE_FALSE(m.empty());
    CHECK(m.front().id == "q1");
    auto join = idx.query("如何扫码加入工会？", 0.5, 5);
    REQUIRE(join.size() == 1);
    CHECK(join.front().id == "q2");
    CHECK(idx.query("今天天气很好", 0.3, 5).empty());
    idx.remove("q2");
    CHECK(idx.query("如何扫码加入工会？", 0.5, 5).empty());
    CHECK(idx.query("我父母能报销吗？", 0.9, 5, "q1").empty());  // excluded
}
