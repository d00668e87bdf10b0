// Snapshots: the state a joining (or re-joining) viewer gets in its welcome
// equals the state the viewers that stayed connected hold, derived from the
// room events they saw: card, notice, status, the questions (ids, votes,
// status, answer) in order of votes then time, the comments.
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

// Compares a welcome snapshot with a state derived from events; `who` names the deriving client.
void check_same_state(const json& welcome, const room_view& derived, const std::string& who) {
    INFO("snapshot at seq " << welcome.u64("seq").value_or(0) << " vs. " << who << " at seq " << derived.seq);
    const room_view snap = room_view::from_welcome(welcome);
    CHECK(derived.seq == snap.seq);
    CHECK(snap.status == derived.status);
    CHECK(snap.ends_at == derived.ends_at);
    CHECK(snap.card_id() == derived.card_id());
    CHECK((snap.card ? snap.card->text() : "null") == (derived.card ? derived.card->text() : "null"));
    CHECK(snap.notice == derived.notice);
    const auto listed = snapshot_questions(welcome);
    INFO("snapshot questions " << describe(listed) << "\nderived questions " << describe(derived.listed()));
    CHECK(ordered_by_votes_then_ts(listed));
    CHECK(canonical(listed) == canonical(derived.listed()));
    CHECK(snap.comments == derived.comments);
}

std::string ask_text(std::size_t i) {
    static const std::vector<std::string> texts = {
        "哪些人可以参加互助保障？", "我父母能报销住院费用吗？",     "怎样扫码加入工会？",   "驿站可以给电动车充电吗？",
        "住院津贴多久能到账？",     "没有固定单位的骑手能入会吗？", "驿站周末开门吗？",     "互助金一年交多少钱？",
        "出院小结丢了怎么办？",     "快递员可以在驿站热饭吗？",     "入会以后有什么福利？", "驿站有没有母婴室？",
    };
    return texts.at(i % texts.size());
}

}  // namespace

TEST_CASE("a new viewer's snapshot equals the state the connected viewers derived from events",
          "[integration][snapshot]") {
    const std::size_t viewers = 30;
    server_process server;
    const auto port = server.port();
    logged_client host(port, {.room = "demo", .token = server.token("host", "demo", "主持人"), .name = "主持人"});
    logged_client moderator(port, {.room = "demo", .token = server.token("moderator", "demo", "场控"), .name = "场控"});
    // Leaves in the middle and comes back with `since` (resumed from the ring).
    auto returning = std::make_unique<logged_client>(port, hello_args{.room = "demo", .name = "回来的人"});

    swarm_options options;
    options.port = port;
    options.viewers = viewers;
    options.record_events = true;
    viewer_swarm swarm(options);
    swarm.start();
    REQUIRE(swarm.wait_welcomed(20s));

    auto host_ok = [&](const std::string& body, const std::string& id) {
        auto reply = host.request(body, id);
        REQUIRE(reply);
        INFO(body << " -> " << reply->text());
        REQUIRE(reply->type() == "ack");
    };
    auto mod_ok = [&](const std::string& body, const std::string& id) {
        auto reply = moderator.request(body, id);
        REQUIRE(reply);
        INFO(body << " -> " << reply->text());
        REQUIRE(reply->type() == "ack");
        return *reply;
    };
    auto viewer_ok = [&](std::size_t i, const std::string& body, const std::string& id) {
        auto reply = swarm.request(i, body, id);
        INFO("viewer " << i << ": " << body << " -> " << (reply ? reply->text() : "no reply"));
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
        return *reply;
    };

    host_ok(request_object("card.show", "k1").add("card", "rest-1").str(), "k1");
    host_ok(request_object("notice.set", "n1").add("text", "扫码入会请看屏幕右下角").str(), "n1");

    // Ten questions (one anonymous), then votes that give ties and a spread.
    std::vector<std::string> qids;
    for (std::size_t i = 0; i < 10; ++i) {
        auto body = request_object("ask", "a").add("text", ask_text(i));
        if (i == 3) {
            body.add("anonymous", true);
        }
        qids.push_back(viewer_ok(i, body.str(), "a").str("qid").value_or(""));
    }
    const std::vector<std::size_t> votes_for = {5, 3, 3, 0, 7, 1, 3, 0, 2, 2};
    std::vector<std::pair<std::size_t, std::string>> vote_ids;  // (viewer, request id)
    for (std::size_t q = 0; q < qids.size(); ++q) {
        for (std::size_t v = 0; v < votes_for[q]; ++v) {
            // Question 2's voters are the last ones, so merging it into question 0 unites distinct voters.
            const std::size_t voter = q == 2 ? viewers - 1 - v : v;
            swarm.send(voter, request_object("vote", numbered("v", q)).add("qid", qids[q]).str());
            vote_ids.emplace_back(voter, numbered("v", q));
        }
    }
    // Some click twice on question 9 (vote and undo).
    for (std::size_t v = 20; v < 25; ++v) {
        swarm.send(v, request_object("vote", "u1").add("qid", qids[9]).str());
        swarm.send(v, request_object("vote", "u2").add("qid", qids[9]).str());
        vote_ids.emplace_back(v, "u1");
        vote_ids.emplace_back(v, "u2");
    }
    REQUIRE(swarm.wait_until(
        [&] {
            for (const auto& [v, id] : vote_ids) {
                if (!swarm.reply(v, id)) {
                    return false;
                }
            }
            return true;
        },
        10s));
    for (const auto& [v, id] : vote_ids) {
        auto reply = swarm.reply(v, id);
        INFO("viewer " << v << " vote " << id << ": " << reply->text());
        CHECK(reply->type() == "ack");
        CHECK(reply->boolean("voted") == (id != "u2"));
    }

    // The returning viewer leaves here.
    REQUIRE(returning->pump_until(
        [&] {
            auto v = returning->log().view();
            return v.questions.size() == qids.size();
        },
        5s));
    returning->drain(20ms);
    const room_view returning_before = returning->log().view();
    const std::uint64_t returning_since = returning->log().last_seq();
    REQUIRE(returning->log().seq().ok());
    returning->client().close();
    returning.reset();

    // Moderation: one answering, one answered with a card, one dismissed, one merged, one held.
    mod_ok(request_object("question.answering", "m1").add("qid", qids[1]).str(), "m1");
    mod_ok(request_object("question.answer", "m2")
               .add("qid", qids[4])
               .add("answer", "出院后 90 天内提交申请，审核通过后发放到本人银行卡。")
               .add("card_id", "aid-2")
               .str(),
           "m2");
    mod_ok(request_object("question.dismiss", "m3").add("qid", qids[7]).str(), "m3");
    mod_ok(request_object("question.merge", "m4").add("qid", qids[2]).add("into", qids[0]).str(), "m4");
    mod_ok(request_object("room.mode", "m5").add("hold_questions", true).str(), "m5");
    auto held = viewer_ok(10, request_object("ask", "h1").add("text", "可以带家属一起去驿站吗？").str(), "h1");
    CHECK(held.boolean("held") == true);
    const std::string held_qid = held.str("qid").value_or("");
    mod_ok(request_object("room.mode", "m6").add("hold_questions", false).str(), "m6");

    // Comments, a second card, the notice cleared and set again, an extension.
    for (std::size_t i = 11; i < 16; ++i) {
        viewer_ok(i, request_object("comment", "c").add("text", numbered("讲得好 ", i)).str(), "c");
    }
    host_ok(request_object("card.show", "k2").add("card", "aid-1").str(), "k2");
    host_ok(request_object("notice.set", "n2").add("text", "").str(), "n2");
    host_ok(request_object("notice.set", "n3").add("text", "第二段：重大疾病互助保障").str(), "n3");
    host_ok(request_object("room.extend", "e1").add("minutes", 30).str(), "e1");

    // Votes are published on the next tick: wait until the host holds the final counts.
    const std::vector<std::int64_t> final_votes = {8, 3, 3, 0, 7, 1, 3, 0, 2, 2};
    auto host_has_final_votes = [&] {
        auto v = host.log().view();
        for (std::size_t q = 0; q < qids.size(); ++q) {
            const auto* qv = v.question(qids[q]);
            if (qv == nullptr || qv->votes != final_votes[q]) {
                return false;
            }
        }
        return true;
    };
    const bool votes_published = host.pump_until(host_has_final_votes, 5s);
    {
        auto v = host.log().view();
        INFO("host holds " << describe(v.listed()));
        REQUIRE(votes_published);
        CHECK(v.question(held_qid) == nullptr);  // held: never a room event
        CHECK(v.question(qids[2])->status == "merged");
        CHECK(v.question(qids[2])->into == qids[0]);
        CHECK(v.question(qids[4])->card_id == "aid-2");
        CHECK(v.question(qids[1])->status == "answering");
        CHECK(v.question(qids[7])->status == "dismissed");
        CHECK(v.question(qids[3])->author_id == "");
        CHECK(v.question(qids[3])->author_name == "");
    }
    const std::uint64_t head = host.log().last_seq();
    REQUIRE(swarm.wait_until(
        [&] {
            for (std::size_t i = 0; i < viewers; ++i) {
                if (swarm.last_seq(i) < head) {
                    return false;
                }
            }
            return true;
        },
        10s));

    // A new viewer, and the returning one (resumed: its old state plus the replay).
    logged_client late(port, {.room = "demo", .name = "迟到的人"});
    const std::uint64_t snapshot_seq = late.welcome().u64("seq").value_or(0);
    CHECK(snapshot_seq >= head);
    REQUIRE(late.welcome().has("state"));
    logged_client back(port, {.room = "demo", .name = "回来的人", .since = returning_since});
    INFO("returning viewer's welcome: " << back.welcome().text().substr(0, 300));
    REQUIRE(back.welcome().boolean("resumed") == true);
    REQUIRE(back.pump_to_seq(snapshot_seq, 5s));
    room_view back_view = returning_before;
    for (const auto& [s, e] : back.log().events()) {
        if (s > returning_since && s <= snapshot_seq) {
            back_view.apply(e);
        }
    }
    CHECK(back.log().seq().ok());
    check_same_state(late.welcome(), back_view, "the returning viewer (resumed)");

    // Every viewer that stayed, at the snapshot's seq.
    REQUIRE(swarm.wait_until(
        [&] {
            for (std::size_t i = 0; i < viewers; ++i) {
                if (swarm.last_seq(i) < snapshot_seq) {
                    return false;
                }
            }
            return true;
        },
        10s));
    REQUIRE(host.pump_to_seq(snapshot_seq, 5s));
    check_same_state(late.welcome(), host.log().view(snapshot_seq), "the host");
    swarm.stop();
    const auto reports = swarm.reports();
    for (const auto& r : reports) {
        INFO(r.describe());
        REQUIRE(r.failure.empty());
        CHECK(r.gaps == 0);
        CHECK(r.backwards == 0);
        CHECK(r.mod_events == 0);
        check_same_state(late.welcome(), view_of(r.welcome_text, r.event_log, snapshot_seq),
                         numbered("viewer ", r.index));
    }
    CHECK(server.alive());
}

TEST_CASE("reconnect with since past the ring: the snapshot equals the state a connected viewer holds",
          "[integration][snapshot]") {
    server_process server({.extra_args = {"--ring-size", "64"}});
    const auto port = server.port();
    logged_client host(port, {.room = "demo", .token = server.token("host", "demo", "主持人"), .name = "主持人"});
    logged_client stayer(port, {.room = "demo", .name = "一直在线"});
    auto leaver = std::make_unique<logged_client>(port, hello_args{.room = "demo", .name = "掉线的人"});

    auto host_ok = [&](const std::string& body, const std::string& id) {
        auto reply = host.request(body, id);
        REQUIRE(reply);
        INFO(body << " -> " << reply->text());
        REQUIRE(reply->type() == "ack");
        return *reply;
    };
    auto ask = [&](logged_client& c, const std::string& id, const std::string& text) {
        auto reply = c.request(request_object("ask", id).add("text", text).str(), id);
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
        return reply->str("qid").value_or("");
    };
    auto vote = [&](logged_client& c, const std::string& id, const std::string& qid) {
        auto reply = c.request(request_object("vote", id).add("qid", qid).str(), id);
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
    };

    host_ok(request_object("card.show", "k1").add("card", "rest-1").str(), "k1");
    const std::string q1 = ask(*leaver, "a1", ask_text(0));
    const std::string q2 = ask(stayer, "a2", ask_text(1));
    vote(*leaver, "v1", q1);
    REQUIRE(leaver->pump_until([&] { return leaver->log().view().question(q2) != nullptr; }, 5s));
    const std::uint64_t since = leaver->log().last_seq();
    leaver->client().close();
    leaver.reset();

    // More than a ring of events while it is away.
    const std::vector<std::string> deck = {"rest-1", "rest-2", "aid-1", "aid-2", "join-1"};
    for (std::size_t i = 0; i < 40; ++i) {
        host_ok(request_object("card.show", numbered("k", 10 + i)).add("card", deck[i % deck.size()]).str(),
                numbered("k", 10 + i));
    }
    publish_options notices;
    notices.on_other = [&](const json& m) { host.log().feed(m); };
    REQUIRE(publish_notices(host.client(), 40, notices).ok());
    const std::string q3 = ask(stayer, "a3", ask_text(2));
    vote(stayer, "v2", q2);
    vote(stayer, "v3", q3);
    host_ok(request_object("question.answer", "m1").add("qid", q1).add("answer", "在职职工均可参加。").str(), "m1");
    REQUIRE(stayer.pump_until(
        [&] {
            auto v = stayer.log().view();
            const auto* a = v.question(q2);
            const auto* b = v.question(q3);
            return a != nullptr && b != nullptr && a->votes == 1 && b->votes == 1 &&
                   v.question(q1)->status == "answered" && v.notice == indexed_notice(40);
        },
        10s));

    logged_client again(port, {.room = "demo", .name = "掉线的人", .since = since});
    INFO("since " << since << "; welcome " << again.welcome().text().substr(0, 400));
    REQUIRE(again.welcome().boolean("resumed") == false);
    REQUIRE(again.welcome().has("state"));
    const std::uint64_t snapshot_seq = again.welcome().u64("seq").value_or(0);
    CHECK(snapshot_seq > since + 64);
    REQUIRE(stayer.pump_to_seq(snapshot_seq, 5s));
    CHECK(stayer.log().seq().ok());
    check_same_state(again.welcome(), stayer.log().view(snapshot_seq), "the viewer that stayed");

    // And both go on from there alike.
    host_ok(request_object("card.show", "k99").add("card", "join-1").str(), "k99");
    REQUIRE(again.pump_until([&] { return again.log().view().card_id() == "join-1"; }, 5s));
    REQUIRE(stayer.pump_to_seq(again.log().last_seq(), 5s));
    CHECK(again.log().seq().ok());
    const auto mine = again.log().view();
    const auto theirs = stayer.log().view(mine.seq);
    CHECK(mine.card_id() == theirs.card_id());
    CHECK(canonical(mine.listed()) == canonical(theirs.listed()));
    CHECK(server.alive());
}
