#include "protocol/encode.hpp"

#include <catch2/catch.hpp>

using namespace liveroom::protocol;

TEST_CASE("json_out writes events and reuses its buffer", "[protocol]") {
    json_out j;
    j.begin("notice").field("seq", std::uint64_t{7}).field("text", "a\"b\n<script>");
    CHECK(j.finish() == R"({"type":"notice","seq":7,"text":"a\"b\n<script>"})");
    card c{"c1", "标题", "正文", 1, "", ""};
    j.begin("card").key("card");
    j.value(c);
    CHECK(j.finish() == R"({"type":"card","card":{"id":"c1","title":"标题","body":"正文","segment":1}})");
}

TEST_CASE("errors carry the wire code and the id when known", "[protocol]") {
    json_out j;
    CHECK(encode_error(j, "r1", true, errc::rate_limited, "slow down") ==
          R"({"type":"error","id":"r1","code":"rate_limited","message":"slow down"})");
    CHECK(encode_error(j, "", false, errc::bad_request, "x") ==
          R"({"type":"error","code":"bad_request","message":"x"})");
}
