// Role checks: every moderator and host request of the contract, sent by a
// guest and by a viewer token, is refused with `forbidden` and changes
// nothing; a host token for another room is refused at hello.
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

// Every moderator/host request type of the contract, with a body the server
// decodes (so that a refusal can only come from the role check). `qid`, `qid2`,
// `cid` and `user` name things that exist in the room.
std::vector<std::pair<std::string, std::string>> moderator_requests(const std::string& qid,
                                                                    const std::string& qid2,
                                                                    const std::string& cid,
                                                                    const std::string& user) {
    std::vector<std::pair<std::string, std::string>> out;
    auto add = [&](const std::string& label, json_object body) { out.emplace_back(label, body.str()); };
    add("card.show (deck id)", request_object("card.show", "r").add("card", "rest-1"));
    add("card.show (new card)", request_object("card.show", "r")
                                    .add_raw("card", json_object()
                                                         .add("title", "住院津贴怎么申请")
                                                         .add("body", "出院后 90 天内提交申请。")
                                                         .add("segment", 1)
                                                         .str()));
    add("notice.set", request_object("notice.set", "r").add("text", "不该出现的公告"));
    add("notice.set (clear)", request_object("notice.set", "r").add("text", ""));
    add("question.approve", request_object("question.approve", "r").add("qid", qid));
    add("question.dismiss", request_object("question.dismiss", "r").add("qid", qid));
    add("question.answering", request_object("question.answering", "r").add("qid", qid));
    add("question.answer",
        request_object("question.answer", "r").add("qid", qid).add("answer", "可以。").add("card_id", "aid-1"));
    add("question.merge", request_object("question.merge", "r").add("qid", qid2).add("into", qid));
    add("quiz.open", request_object("quiz.open", "r")
                         .add("question", "工会驿站可以为户外劳动者提供什么？")
                         .add_raw("options", R"(["歇脚喝水","免费住宿","代收快递"])")
                         .add_raw("correct", "[0]")
                         .add("seconds", 20)
                         .add("scoring", "accuracy"));
    add("quiz.close", request_object("quiz.close", "r").add("quiz", "z1"));
    add("draw (one quiz)", request_object("draw", "r").add("quiz", "z1").add("count", 5));
    add("draw (every quiz)", request_object("draw", "r").add("count", 1));
    add("comment.approve", request_object("comment.approve", "r").add("cid", cid));
    add("comment.remove", request_object("comment.remove", "r").add("cid", cid));
    add("user.mute", request_object("user.mute", "r").add("user", user).add("seconds", 300));
    add("user.ban", request_object("user.ban", "r").add("user", user));
    add("room.mode", request_object("room.mode", "r")
                         .add("slow_seconds", 10)
                         .add("hold_questions", true)
                         .add("hold_comments", true)
                         .add_raw("blocked_words", R"(["广告",{"word":"加微信","action":"hold"}])"));
    // The moderator extensions of PROTOCOL.md.
    add("comment.pin", request_object("comment.pin", "r").add("cid", cid));
    add("user.unmute", request_object("user.unmute", "r").add("user", user));
    add("user.unban", request_object("user.unban", "r").add("user", user));
    add("user.comments", request_object("user.comments", "r").add("user", user));
    add("room.mode (shield)", request_object("room.mode", "r").add("shield_minutes", 10));
    add("room.start", request_object("room.start", "r"));
    add("room.extend", request_object("room.extend", "r").add("minutes", 60));
    add("room.end", request_object("room.end", "r"));
    return out;
}

// The request body with its "id" replaced (bodies above all carry "id":"r").
std::string with_id(const std::string& body, const std::string& id) {
    const std::string from = R"("id":"r")";
    auto at = body.find(from);
    REQUIRE(at != std::string::npos);
    return body.substr(0, at) + "\"id\":" + json_quote(id) + body.substr(at + from.size());
}

// What a fresh joiner sees of the room: everything a moderator request could change.
struct room_facts {
    std::string status;
    std::int64_t ends_at = 0;
    std::string card;
    std::string notice;
    std::vector<question_view> questions;
    std::vector<std::string> comments;

    static room_facts of(const json& welcome) {
        room_facts f;
        auto v = room_view::from_welcome(welcome);
        f.status = v.status;
        f.ends_at = v.ends_at;
        f.card = v.card ? v.card->text() : "null";
        f.notice = v.notice;
        f.questions = snapshot_questions(welcome);
        f.comments = v.comments;
        return f;
    }
    bool operator==(const room_facts&) const = default;
    std::string describe() const {
        std::string out = "status " + status + ", ends_at " + std::to_string(ends_at) + ", card " + card +
                          ", notice '" + notice + "', questions " + liveroom::test::describe(questions) + ", comments";
        for (const auto& c : comments) {
            out += " " + c;
        }
        return out;
    }
};

room_facts fresh_facts(std::uint16_t port) {
    auto probe = join_room(port, {.room = "demo", .name = "probe"});
    auto facts = room_facts::of(probe.welcome);
    probe->close();
    return facts;
}

bool is_presence(const json& m) {
    return m.type() == "presence";
}

}  // namespace

TEST_CASE("every moderator and host request from a guest or a viewer token is forbidden and changes nothing",
          "[integration][roles]") {
    server_process server;
    const auto port = server.port();
    logged_client host(port, {.room = "demo", .token = server.token("host", "demo", "主持人"), .name = "主持人"});
    REQUIRE(host.welcome().str("you.role") == "host");
    logged_client moderator(port, {.room = "demo", .token = server.token("moderator", "demo", "场控"), .name = "场控"});
    REQUIRE(moderator.welcome().str("you.role") == "moderator");
    logged_client guest(port, {.room = "demo", .name = "游客"});
    REQUIRE(guest.welcome().str("you.role") == "viewer");
    logged_client viewer(port, {.room = "demo", .token = server.token("viewer", "demo", "观众甲"), .name = "观众甲"});
    REQUIRE(viewer.welcome().str("you.role") == "viewer");
    logged_client target(port, {.room = "demo", .name = "被处理的观众"});
    const std::string target_id = target.welcome().str("you.id").value_or("");
    REQUIRE_FALSE(target_id.empty());

    // Things for the requests to name: two visible questions, a published comment.
    auto asked1 = target.request(request_object("ask", "a1").add("text", "哪些人可以参加互助保障？").str(), "a1");
    REQUIRE(asked1);
    REQUIRE(asked1->type() == "ack");
    const std::string qid = asked1->str("qid").value_or("");
    auto asked2 = target.request(request_object("ask", "a2").add("text", "驿站晚上几点关门？").str(), "a2");
    REQUIRE(asked2);
    REQUIRE(asked2->type() == "ack");
    const std::string qid2 = asked2->str("qid").value_or("");
    auto commented = target.request(request_object("comment", "c1").add("text", "讲得很清楚，谢谢！").str(), "c1");
    REQUIRE(commented);
    INFO("comment: " << commented->text());
    REQUIRE(commented->type() == "ack");
    const std::string cid = commented->str("cid").value_or("");
    REQUIRE_FALSE(qid.empty());
    REQUIRE_FALSE(qid2.empty());
    REQUIRE_FALSE(cid.empty());

    // The host has seen everything so far (both questions and the comment) ...
    REQUIRE(host.pump_until(
        [&] {
            auto v = host.log().view();
            return v.question(qid) != nullptr && v.question(qid2) != nullptr && !v.comments.empty();
        },
        10s));
    // ... and presence has settled: the last presence the host saw reports
    // every connection and every join (published at most once a second, when
    // a value changed), so no presence event is due any more.
    const std::int64_t connections = 5;
    auto presence_is = [&](std::int64_t online, std::int64_t views) {
        return host.pump_until(
            [&] {
                auto p = host.log().events_of("presence");
                return !p.empty() && p.back().i64("online") == online && p.back().i64("views") == views;
            },
            10s);
    };
    REQUIRE(presence_is(connections, connections));
    const room_facts before = fresh_facts(port);
    INFO("before: " << before.describe());
    CHECK(before.status == "live");
    // The probe's join and leave move presence once more.
    REQUIRE(presence_is(connections, connections + 1));
    host.drain(50ms);
    const std::uint64_t host_seq_before = host.log().last_seq();
    // Everybody is up to date with the room; the moderator has the mod.question of both asks.
    for (auto* c : {&guest, &viewer, &target, &moderator}) {
        REQUIRE(c->pump_to_seq(host_seq_before, 5s));
    }
    {
        INFO("moderators get one mod.question per question asked (2 so far)");
        CHECK(moderator.pump_until([&] { return moderator.log().others_of("mod.question").size() >= 2; }, 5s));
    }
    moderator.drain(50ms);
    const std::size_t mod_questions_before = moderator.log().others_of("mod.question").size();

    const auto requests = moderator_requests(qid, qid2, cid, target_id);
    REQUIRE(requests.size() >= 25);
    int n = 0;
    for (auto* sender : {&guest, &viewer}) {
        const std::string who = sender == &guest ? "guest" : "viewer token";
        for (const auto& [label, body] : requests) {
            const std::string id = numbered("f", ++n);
            INFO(who << " sends " << label << ": " << with_id(body, id));
            const std::uint64_t seq_before = sender->log().last_seq();
            auto reply = sender->request(with_id(body, id), id);
            REQUIRE(reply);
            INFO("reply: " << reply->text());
            CHECK(reply->type() == "error");
            CHECK(reply->str("code") == "forbidden");
            // A ping right after: nothing but (settled, so no) presence may arrive before its ack.
            const std::string ping_id = numbered("p", n);
            const std::size_t others_before = sender->log().others().size();
            auto pong = sender->request(request_object("ping", ping_id).str(), ping_id);
            REQUIRE(pong);
            CHECK(pong->type() == "ack");
            CHECK(sender->log().others().size() == others_before + 1);  // just the ack
            for (const auto& [s, e] : sender->log().events()) {
                if (s > seq_before) {
                    INFO("room event after the refused request: " << e.text());
                    CHECK(is_presence(e));
                }
            }
        }
    }

    // A marker from the host: if any refused request had published an event,
    // it would come before the marker. The host sees the marker as the very
    // next room event, and so does everybody else.
    auto marker = host.request(request_object("notice.set", "marker").add("text", "marker").str(), "marker");
    REQUIRE(marker);
    REQUIRE(marker->type() == "ack");
    REQUIRE(host.pump_until([&] { return !host.log().events_of("notice").empty(); }, 5s));
    const auto notices = host.log().events_of("notice");
    REQUIRE(notices.size() == 1);
    CHECK(notices.front().str("text") == "marker");
    for (const auto& [s, e] : host.log().events()) {
        if (s > host_seq_before && e.type() != "notice") {
            INFO("host saw a room event between the refused requests and the marker: " << e.text());
            CHECK(is_presence(e));
        }
    }
    CHECK(host.log().seq().ok());
    const auto presence_between = [&] {
        std::size_t k = 0;
        for (const auto& [s, e] : host.log().events()) {
            k += s > host_seq_before && is_presence(e) ? 1 : 0;
        }
        return k;
    }();
    CHECK(notices.front().u64("seq") == host_seq_before + 1 + presence_between);
    CHECK(presence_between == 0);

    // The moderator got no mod.question for any of it (no question changed).
    moderator.drain(50ms);
    CHECK(moderator.log().others_of("mod.question").size() == mod_questions_before);

    // Nothing else changed either: a fresh joiner sees the same room (but the marker).
    room_facts after = fresh_facts(port);
    INFO("after: " << after.describe());
    CHECK(after.notice == "marker");
    after.notice = before.notice;
    CHECK(after == before);

    // The target was neither muted nor banned, and questions are not held.
    auto still = target.request(request_object("comment", "c2").add("text", "我还能说话").str(), "c2");
    REQUIRE(still);
    INFO(still->text());
    CHECK(still->type() == "ack");
    auto ask = target.request(request_object("ask", "a3").add("text", "扫码入会需要带什么证件？").str(), "a3");
    REQUIRE(ask);
    INFO(ask->text());
    CHECK(ask->type() == "ack");
    CHECK_FALSE(ask->has("held"));

    // And the same requests from the moderator are not refused for its role (a positive control).
    auto allowed = moderator.request(request_object("notice.set", "ok1").add("text", "场控公告").str(), "ok1");
    REQUIRE(allowed);
    CHECK(allowed->type() == "ack");
    CHECK(server.alive());
}

TEST_CASE("a host or moderator token for another room is refused at hello: forbidden, then close 1008",
          "[integration][roles]") {
    server_process server;
    for (const char* role : {"host", "moderator", "viewer"}) {
        INFO("a " << role << " token for room another-room, hello for demo");
        ws_client c;
        c.connect(server.port());
        auto first = c.hello({.room = "demo", .token = server.token(role, "another-room", "H"), .name = "H"});
        REQUIRE(first);
        INFO("answer: " << first->text());
        CHECK(first->type() == "error");
        CHECK(first->str("code") == "forbidden");
        std::vector<json> after;
        REQUIRE(c.wait_closed(5s, &after));
        INFO("then: " << c.end_description());
        CHECK(c.close_code() == std::optional<std::uint16_t>(1008));
        for (const auto& m : after) {
            CHECK(m.type() != "welcome");
        }
    }
    // The same host with a token for this room, or for every room, gets in as host.
    for (const char* room : {"demo", "*"}) {
        INFO("a host token for room " << room);
        auto ok = join_room(server.port(), {.room = "demo", .token = server.token("host", room, "H"), .name = "H"});
        CHECK(ok.welcome.str("you.role") == "host");
    }
}
