#include "protocol/decode.hpp"

#include <catch2/catch.hpp>

using namespace liveroom::protocol;

namespace {
request ok(std::string_view s) {
    auto r = decode_request(s);
    if (auto* e = std::get_if<decode_error>(&r)) {
        FAIL("unexpected error: " << e->message << " for " << s);
    }
    return std::get<request>(std::move(r));
}
decode_error bad(std::string_view s) {
    auto r = decode_request(s);
    REQUIRE(std::holds_alternative<decode_error>(r));
    return std::get<decode_error>(std::move(r));
}
}  // namespace

TEST_CASE("hello decodes room, token, name and since", "[protocol]") {
    auto r = ok(R"({"type":"hello","room":"demo","token":"t","name":"  张三 ","since":42})");
    auto& h = std::get<req::hello>(r.body);
    CHECK(h.room == "demo");
    CHECK(*h.token == "t");
    CHECK(h.name == "张三");
    CHECK(*h.since == 42);
    CHECK_FALSE(r.has_id);
}

TEST_CASE("requests keep their id, also on errors", "[protocol]") {
    auto r = ok(R"({"type":"ask","id":"r1","text":"我父母能报销吗？"})");
    CHECK(r.has_id);
    CHECK(r.id == "r1");
    auto e = bad(R"({"type":"ask","id":"r2","text":"   "})");
    CHECK(e.code == errc::bad_request);
    CHECK(e.has_id);
    CHECK(e.id == "r2");
}

TEST_CASE("text limits count code points", "[protocol]") {
    std::string q300, q301;
    for (int i = 0; i < 300; ++i) {
        q300 += "问";
    }
    q301 = q300 + "问";
    ok(R"({"type":"ask","text":")" + q300 + R"("})");
    CHECK(bad(R"({"type":"ask","text":")" + q301 + R"("})").code == errc::too_large);
    std::string c201(201, 'x');
    CHECK(bad(R"({"type":"comment","text":")" + c201 + R"("})").code == errc::too_large);
}

TEST_CASE("malformed frames are refused with bad_request", "[protocol]") {
    CHECK(bad("not json").code == errc::bad_request);
    CHECK_FALSE(bad("not json").has_id);
    CHECK(bad("[1,2]").code == errc::bad_request);
    CHECK(bad(R"({"type":"nope"})").message.find("unknown type") != std::string::npos);
    CHECK(bad(R"({"type":"vote"})").code == errc::bad_request);
    CHECK(bad(R"({"type":"vote","qid":5})").code == errc::bad_request);
    CHECK(bad(R"({"type":"ping"} {"type":"ping"})").code == errc::bad_request);
    CHECK(bad("{\"type\":\"comment\",\"text\":\"\xC0\xAF\"}").code == errc::bad_request);  // invalid UTF-8
    std::string deep(3000, '[');
    CHECK(bad(deep).code == errc::bad_request);  // nesting bomb: refused, no stack overflow
}

TEST_CASE("moderator requests decode and are classified", "[protocol]") {
    auto r = ok(R"({"type":"quiz.open","question":"Q","options":["a","b","c"],"correct":[1],"seconds":20})");
    auto& q = std::get<req::quiz_open>(r.body);
    CHECK(q.options.size() == 3);
    CHECK(q.correct == std::vector<int>{1});
    CHECK(is_moderator_request(r.body));
    CHECK(type_name(r.body) == "quiz.open");
    CHECK(bad(R"({"type":"quiz.open","question":"Q","options":["a"],"correct":[0]})").code == errc::bad_request);
    CHECK(bad(R"({"type":"quiz.open","question":"Q","options":["a","b"],"correct":[2]})").code == errc::bad_request);
    CHECK(bad(R"({"type":"quiz.open","question":"Q","options":["a","b"],"correct":[0],"seconds":3})").code ==
          errc::bad_request);
    auto card = ok(R"({"type":"card.show","card":{"title":"T","body":"a\nb"}})");
    CHECK(std::get<req::card_show>(card.body).card->body == "a\nb");
    auto deck = ok(R"({"type":"card.show","card":"rest-1"})");
    CHECK(*std::get<req::card_show>(deck.body).deck_id == "rest-1");
    CHECK_FALSE(is_moderator_request(ok(R"({"type":"comment","text":"hi"})").body));
    auto mode = ok(R"({"type":"room.mode","slow_seconds":5,"blocked_words":["x",{"word":"y","action":"mask"}]})");
    auto& m = std::get<req::room_mode>(mode.body);
    CHECK(*m.slow_seconds == 5);
    REQUIRE(m.blocked_words->size() == 2);
    CHECK((*m.blocked_words)[1].action == req::word_action::mask);
}

TEST_CASE("quiz answers take an index or a list", "[protocol]") {
    auto one = ok(R"({"type":"quiz.answer","quiz":"q1","choice":2})");
    CHECK(std::get<req::quiz_answer>(one.body).choice == std::vector<int>{2});
    auto many = ok(R"({"type":"quiz.answer","quiz":"q1","choice":[0,3]})");
    CHECK(std::get<req::quiz_answer>(many.body).as_list);
    CHECK(bad(R"({"type":"quiz.answer","quiz":"q1","choice":[0,0]})").code == errc::bad_request);
    CHECK(bad(R"({"type":"quiz.answer","quiz":"q1","choice":9})").code == errc::bad_request);
}

// Found by tests/fuzz (decode_request): strings compared up to a NUL, and a
// lone surrogate escape that RapidJSON 1.1.0 turns into invalid UTF-8.
TEST_CASE("enum strings with an embedded NUL are refused", "[protocol]") {
    CHECK(
        bad(R"({"type":"quiz.open","question":"Q","options":["a","b"],"correct":[0],"scoring":"speed\u0000x"})").code ==
        errc::bad_request);
    CHECK(bad(R"({"type":"room.mode","blocked_words":[{"word":"w","action":"mask\u0000x"}]})").code ==
          errc::bad_request);
}

TEST_CASE("ids with a lone surrogate escape are refused, not passed on as invalid UTF-8", "[protocol]") {
    CHECK(bad(R"({"type":"hello","room":"demo\udc00"})").code == errc::bad_request);
    CHECK(bad(R"({"type":"vote","qid":"\ude00"})").code == errc::bad_request);
    auto e = bad(R"({"type":"ping","id":"\udc00"})");
    CHECK_FALSE(e.has_id);
    CHECK(ok(R"({"type":"ping","id":"\ud83d\ude00"})").id == "\U0001F600");  // a proper pair still works
}
