// The reference evening (issue 3), scripted against the --demo room: a host,
// a moderator and 300 guest viewers. Segment 1 (rest stations): cards and a
// notice; 50 viewers ask (near-duplicates among them), everyone votes (some
// click twice to undo); questions are held and one is approved; a duplicate
// is merged into its original; one is marked answering, then answered with a
// card. Segment 2 (mutual aid): three more cards, an answer that later askers
// are shown at once, an extension by 60 minutes, the end. Then: every viewer
// saw the same gap-free sequence of room events, byte for byte, and the state
// derived from it is the expected one.
#include <algorithm>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

#ifdef LIVEROOM_IT_SANITIZED
constexpr std::size_t default_viewers = 100;
#else
constexpr std::size_t default_viewers = 300;
#endif
constexpr std::size_t askers = 50;

const std::string original_text = "哪些人可以参加互助保障";
const std::string duplicate_text = "哪些人能参加互助保障？";
const std::string held_text = "我爸妈可以参加家属互助吗？";
const std::string late_text = "哪些人可以参加互助保障呀";
const std::string answer_text = "已加入工会的在职职工均可参加，按年度缴纳互助金。";
const std::string join_answer_text = "用微信扫描屏幕上的二维码，填写信息后提交即可。";
const std::string notice_text = "扫码入会请看屏幕右下角";

// What viewer i asks (i < askers); 0 and 1 are the original and its near-duplicate.
std::string question_text(std::size_t i) {
    static const std::vector<std::string> base = {
        "我父母能报销吗？",     "怎么加入工会？",       "怎样扫码入会？",     "驿站几点开门？",
        "驿站可以热饭吗？",     "外卖骑手能用驿站吗？", "住院津贴怎么申请？", "互助金一年交多少？",
        "出院多久内要申请？",   "驿站在哪里能查到？",   "没有单位能入会吗？", "家属可以参加互助吗？",
        "驿站能给手机充电吗？", "津贴多久到账？",       "重大疾病包括哪些？", "快递员可以去驿站吗？",
    };
    if (i == 0) {
        return original_text;
    }
    if (i == 1) {
        return duplicate_text;
    }
    std::string text = base[(i - 2) % base.size()];
    if (i - 2 >= base.size()) {
        text += numbered("（第", i) + "位观众）";
    }
    return text;
}

// The request ids a viewer used, to wait for their replies.
using reply_key = std::pair<std::size_t, std::string>;

bool wait_replies(viewer_swarm& swarm, const std::vector<reply_key>& keys, clock::duration timeout) {
    std::size_t done = 0;  // keys[0..done) have replies (they arrive roughly in order)
    return swarm.wait_until(
        [&] {
            while (done < keys.size() && swarm.reply(keys[done].first, keys[done].second)) {
                ++done;
            }
            return done == keys.size();
        },
        timeout);
}

std::int64_t count(const std::set<std::size_t>& s) {
    return static_cast<std::int64_t>(s.size());
}

}  // namespace

TEST_CASE("the reference evening: 300 viewers, two segments, Q&A with votes and moderation, extension, end",
          "[integration][evening]") {
    const std::size_t viewers = env_or("LIVEROOM_EVENING_VIEWERS", default_viewers);
    REQUIRE(viewers >= 100);
    const auto started = clock::now();
    server_process server;
    const auto port = server.port();
    logged_client host(port, {.room = "demo", .token = server.token("host", "demo", "主持人"), .name = "主持人"});
    logged_client moderator(port, {.room = "demo", .token = server.token("moderator", "demo", "场控"), .name = "场控"});
    REQUIRE(host.welcome().str("you.role") == "host");
    REQUIRE(moderator.welcome().str("you.role") == "moderator");
    REQUIRE(host.welcome().str("state.status") == "live");
    const std::int64_t planned_end = host.welcome().i64("state.ends_at").value_or(0);
    REQUIRE(planned_end > 0);
    {
        INFO("moderator's welcome: " << moderator.welcome().text().substr(0, 600));
        CHECK(moderator.welcome().has("state.mod.held_questions"));
        CHECK(moderator.welcome().has("state.mod.mode"));
        CHECK(moderator.welcome().has("state.mod.backlog"));
    }

    swarm_options options;
    options.port = port;
    options.viewers = viewers;
    options.threads = 2;
    options.record_events = true;
    viewer_swarm swarm(options);
    swarm.start();
    if (!swarm.wait_welcomed(30s)) {
        swarm.stop();
        FAIL("not every viewer was welcomed: " << summarize_reports(
                 swarm.reports(), [](const viewer_report& r) { return r.welcomed && r.failure.empty(); }));
    }
    const double join_seconds = seconds_since(started);
    for (std::size_t i = 0; i < viewers; i += 97) {
        auto w = swarm.welcome(i);
        REQUIRE(w);
        CHECK(w->str("you.role") == "viewer");
        CHECK_FALSE(w->has("state.mod"));  // moderators only
        CHECK(w->has("you.token"));
    }

    auto host_ok = [&](const std::string& body, const std::string& id) {
        auto reply = host.request(body, id);
        INFO("host: " << body << " -> " << (reply ? reply->text() : host->end_description()));
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
        return *reply;
    };
    auto mod_request = [&](const std::string& body, const std::string& id) {
        auto reply = moderator.request(body, id);
        INFO("moderator: " << body << " -> " << (reply ? reply->text() : moderator->end_description()));
        REQUIRE(reply);
        return *reply;
    };
    auto mod_ok = [&](const std::string& body, const std::string& id) {
        auto reply = mod_request(body, id);
        INFO("moderator: " << body << " -> " << reply.text());
        REQUIRE(reply.type() == "ack");
        return reply;
    };
    auto viewer_request = [&](std::size_t i, const std::string& body, const std::string& id) {
        auto reply = swarm.request(i, body, id);
        INFO("viewer " << i << ": " << body << " -> " << (reply ? reply->text() : "no reply"));
        REQUIRE(reply);
        return *reply;
    };

    // ---- Segment 1: rest stations -------------------------------------------------------------
    host_ok(request_object("card.show", "k1").add("card", "rest-1").str(), "k1");
    const std::uint64_t first_script_seq = [&] {
        REQUIRE(host.pump_until([&] { return !host.log().events_of("card").empty(); }, 5s));
        return *host.log().events_of("card").front().u64("seq");
    }();
    host_ok(request_object("card.show", "k2").add("card", "rest-2").str(), "k2");
    host_ok(request_object("notice.set", "n1").add("text", notice_text).str(), "n1");

    // 50 viewers ask: the original first, then its near-duplicate, then 48 at once.
    std::vector<std::string> qids(askers);
    auto ask_body = [&](std::size_t i) {
        auto body = request_object("ask", "a").add("text", question_text(i));
        if (i % 10 == 9) {
            body.add("anonymous", true);
        }
        return body.str();
    };
    qids[0] = viewer_request(0, ask_body(0), "a").str("qid").value_or("");
    qids[1] = viewer_request(1, ask_body(1), "a").str("qid").value_or("");
    std::vector<reply_key> ask_keys;
    for (std::size_t i = 2; i < askers; ++i) {
        swarm.send(i, ask_body(i));
        ask_keys.emplace_back(i, "a");
    }
    REQUIRE(wait_replies(swarm, ask_keys, 10s));
    for (std::size_t i = 0; i < askers; ++i) {
        auto reply = swarm.reply(i, "a");
        INFO("viewer " << i << " asked: " << reply->text());
        REQUIRE(reply->type() == "ack");
        CHECK_FALSE(reply->has("held"));
        CHECK_FALSE(reply->has("similar_answered"));  // nothing answered yet
        qids[i] = reply->str("qid").value_or("");
        REQUIRE_FALSE(qids[i].empty());
    }
    REQUIRE(std::set<std::string>(qids.begin(), qids.end()).size() == askers);
    const std::string& original = qids[0];
    const std::string& duplicate = qids[1];
    // The host has seen every question appear (so the vote phase starts after).
    REQUIRE(host.pump_until(
        [&] {
            auto view = host.log().view();
            return std::all_of(qids.begin(), qids.end(), [&](const std::string& id) { return view.question(id); });
        },
        10s));
    host.drain(20ms);

    // Everyone votes: on "its" question, on another one, on the original (every
    // third viewer) and the duplicate (every fifth, so every 15th votes both);
    // every fourth viewer clicks its second question twice (undo), every 25th
    // clicks question 2 three times.
    std::map<std::size_t, std::map<std::size_t, int>> clicks;  // viewer -> question index -> clicks
    std::vector<reply_key> vote_keys;
    std::vector<std::tuple<std::size_t, std::string, bool>> expected_acks;  // viewer, id, voted
    for (std::size_t v = 0; v < viewers; ++v) {
        std::vector<std::size_t> order = {v % askers, (v * 7 + 3) % askers};
        if (v % 3 == 0) {
            order.push_back(0);
        }
        if (v % 5 == 0) {
            order.push_back(1);
        }
        if (v % 4 == 0) {
            order.push_back((v * 7 + 3) % askers);
        }
        if (v % 25 == 0) {
            order.insert(order.end(), {2, 2, 2});
        }
        int n = 0;
        for (std::size_t q : order) {
            const int k = ++clicks[v][q];
            const std::string id = numbered("v", ++n);
            swarm.send(v, request_object("vote", id).add("qid", qids[q]).str());
            vote_keys.emplace_back(v, id);
            expected_acks.emplace_back(v, id, k % 2 == 1);
        }
    }
    std::vector<std::set<std::size_t>> voters(askers);  // expected voters per question
    for (const auto& [v, per_question] : clicks) {
        for (const auto& [q, k] : per_question) {
            if (k % 2 == 1) {
                voters[q].insert(v);
            }
        }
    }
    const std::uint64_t votes_from_seq = host.log().last_seq();
    REQUIRE(wait_replies(swarm, vote_keys, 20s));
    for (const auto& [v, id, voted] : expected_acks) {
        auto reply = swarm.reply(v, id);
        INFO("viewer " << v << " vote " << id << ": " << reply->text());
        CHECK(reply->type() == "ack");
        CHECK(reply->boolean("voted") == voted);
    }
    std::set<std::size_t> both;  // voted for the original and for the duplicate
    std::set_intersection(voters[0].begin(), voters[0].end(), voters[1].begin(), voters[1].end(),
                          std::inserter(both, both.begin()));
    REQUIRE_FALSE(both.empty());

    // The coalescing tick publishes the counts.
    auto host_votes_are = [&](const std::vector<std::int64_t>& want) {
        auto view = host.log().view();
        for (std::size_t q = 0; q < askers; ++q) {
            const auto* qv = view.question(qids[q]);
            if (qv == nullptr || qv->votes != want[q]) {
                return false;
            }
        }
        return true;
    };
    std::vector<std::int64_t> expected_votes(askers);
    for (std::size_t q = 0; q < askers; ++q) {
        expected_votes[q] = count(voters[q]);
    }
    REQUIRE(host.pump_until([&] { return host_votes_are(expected_votes); }, 10s));
    const std::uint64_t votes_to_seq = host.log().last_seq();

    // Held questions: a viewer's question is held (no viewer sees it, it cannot
    // be voted on), the moderators see it, the moderator approves it.
    auto mode_on = mod_ok(request_object("room.mode", "m1").add("hold_questions", true).str(), "m1");
    CHECK(mode_on.boolean("mode.hold_questions") == true);
    const std::size_t held_asker = askers + 10;
    auto held_ack = viewer_request(held_asker, request_object("ask", "h").add("text", held_text).str(), "h");
    REQUIRE(held_ack.type() == "ack");
    CHECK(held_ack.boolean("held") == true);
    const std::string held = held_ack.str("qid").value_or("");
    REQUIRE_FALSE(held.empty());
    auto held_vote = viewer_request(held_asker + 1, request_object("vote", "hv").add("qid", held).str(), "hv");
    CHECK(held_vote.type() == "error");
    CHECK(held_vote.str("code") == "not_found");
    const std::uint64_t held_at_seq = host.log().last_seq();
    mod_ok(request_object("question.approve", "m2").add("qid", held).str(), "m2");
    mod_ok(request_object("room.mode", "m3").add("hold_questions", false).str(), "m3");

    // The duplicate is merged into the original: votes united, a viewer who voted both counts once.
    mod_ok(request_object("question.merge", "m4").add("qid", duplicate).add("into", original).str(), "m4");
    std::set<std::size_t> united = voters[0];
    united.insert(voters[1].begin(), voters[1].end());
    auto merged_vote = viewer_request(7, request_object("vote", "mv").add("qid", duplicate).str(), "mv");
    CHECK(merged_vote.type() == "error");
    CHECK(merged_vote.str("code") == "closed");

    // Answering: one at a time. Then the answer, with a policy card.
    mod_ok(request_object("question.answering", "m5").add("qid", qids[2]).str(), "m5");
    mod_ok(request_object("question.answering", "m6").add("qid", original).str(), "m6");
    auto bad_card = mod_request(request_object("question.answer", "m7")
                                    .add("qid", original)
                                    .add("answer", "x")
                                    .add("card_id", "no-such-card")
                                    .str(),
                                "m7");
    CHECK(bad_card.type() == "error");
    CHECK(bad_card.str("code") == "not_found");
    mod_ok(request_object("question.answer", "m8")
               .add("qid", original)
               .add("answer", answer_text)
               .add("card_id", "aid-1")
               .str(),
           "m8");

    // ---- Segment 2: mutual aid ----------------------------------------------------------------
    host_ok(request_object("card.show", "k3").add("card", "aid-1").str(), "k3");
    host_ok(request_object("card.show", "k4").add("card", "aid-2").str(), "k4");
    // A later asker of a similar question is shown the earlier answer at once.
    const std::size_t late_asker = askers + 20;
    auto late_ack = viewer_request(late_asker, request_object("ask", "l").add("text", late_text).str(), "l");
    REQUIRE(late_ack.type() == "ack");
    CHECK_FALSE(late_ack.has("held"));
    CHECK(late_ack.str("similar_answered.id") == original);
    CHECK(late_ack.str("similar_answered.answer") == answer_text);
    CHECK(late_ack.str("similar_answered.card_id") == "aid-1");
    const std::string late_qid = late_ack.str("qid").value_or("");
    host_ok(request_object("card.show", "k5").add("card", "join-1").str(), "k5");
    mod_ok(request_object("question.answer", "m9")
               .add("qid", qids[3])
               .add("answer", join_answer_text)
               .add("card_id", "join-1")
               .str(),
           "m9");
    mod_ok(request_object("question.dismiss", "m10").add("qid", qids[5]).str(), "m10");

    // The planned hour runs to two.
    auto extended = host_ok(request_object("room.extend", "e1").add("minutes", 60).str(), "e1");
    CHECK(extended.i64("ends_at") == planned_end + 3'600'000);
    host_ok(request_object("room.end", "e2").str(), "e2");
    REQUIRE(host.pump_until(
        [&] {
            auto s = host.log().events_of("room.status");
            return !s.empty() && s.back().str("status") == "ended";
        },
        5s));
    const std::uint64_t end_seq = *host.log().events_of("room.status").back().u64("seq");

    // After the end: asking, voting and commenting are closed.
    for (const auto& [body, id] : std::vector<std::pair<std::string, std::string>>{
             {request_object("ask", "x1").add("text", "还能提问吗？").str(), "x1"},
             {request_object("vote", "x2").add("qid", qids[6]).str(), "x2"},
             {request_object("comment", "x3").add("text", "谢谢！").str(), "x3"}}) {
        auto reply = viewer_request(askers + 30, body, id);
        CHECK(reply.type() == "error");
        CHECK(reply.str("code") == "closed");
    }

    // Everybody got to the end.
    const bool all_reached_end = swarm.wait_until(
        [&] {
            for (std::size_t i = 0; i < viewers; ++i) {
                if (swarm.last_seq(i) < end_seq && !swarm.ended(i)) {
                    return false;
                }
            }
            return true;
        },
        20s);
    // A late joiner's snapshot of the ended room.
    logged_client latecomer(port, {.room = "demo", .name = "看回放的人"});
    swarm.stop();
    const auto reports = swarm.reports();
    CHECK(all_reached_end);

    // ---- What every viewer saw ----------------------------------------------------------------
    // The host joined first and saw every event of the script: it is the reference.
    REQUIRE(host.log().seq().ok());
    INFO("host: " << host.log().seq().first_problem());
    std::map<std::uint64_t, std::string> reference;
    for (const auto& [s, e] : host.log().events()) {
        reference.emplace(s, e.text());
    }
    for (std::uint64_t s = first_script_seq; s <= end_seq; ++s) {
        REQUIRE(reference.count(s) == 1);
    }

    auto complete = [&](const viewer_report& r) {
        return r.welcomed && r.failure.empty() && !r.ended && r.gaps == 0 && r.backwards == 0 &&
               r.skipped_markers == 0 && r.mod_events == 0 && r.unsent == 0 && r.welcome_seq < first_script_seq &&
               r.last_seq >= end_seq;
    };
    {
        INFO(summarize_reports(reports, complete));
        CHECK(std::all_of(reports.begin(), reports.end(), complete));
    }
    // Same seq, same bytes; and every seq from the welcome to the end, in order.
    std::size_t identical = 0;
    std::string first_difference;
    for (const auto& r : reports) {
        bool same = true;
        std::uint64_t expect = r.welcome_seq + 1;
        for (const auto& [s, text] : r.event_log) {
            if (s > end_seq) {
                break;
            }
            auto it = reference.find(s);
            if (s != expect || (s >= first_script_seq && (it == reference.end() || it->second != text))) {
                same = false;
                if (first_difference.empty()) {
                    first_difference =
                        "viewer " + std::to_string(r.index) + " seq " + std::to_string(s) + " (expected seq " +
                        std::to_string(expect) + "): " + text.substr(0, 300) +
                        "\n  reference: " + (it == reference.end() ? std::string("none") : it->second.substr(0, 300));
                }
                break;
            }
            ++expect;
        }
        if (same && expect == end_seq + 1) {
            ++identical;
        } else if (first_difference.empty()) {
            first_difference = "viewer " + std::to_string(r.index) + " stopped at seq " + std::to_string(expect - 1);
        }
    }
    INFO("first difference: " << first_difference);
    CHECK(identical == reports.size());

    // ---- The state derived from the events ----------------------------------------------------
    const room_view final_view = host.log().view(end_seq);
    std::vector<std::string> cards_in_script;
    {
        room_view from_script = host.log().view(first_script_seq - 1);
        from_script.cards_shown.clear();
        for (auto it = host.log().events().upper_bound(first_script_seq - 1);
             it != host.log().events().end() && it->first <= end_seq; ++it) {
            from_script.apply(it->second);
        }
        cards_in_script = from_script.cards_shown;
    }
    CHECK(cards_in_script == std::vector<std::string>{"rest-1", "rest-2", "aid-1", "aid-2", "join-1"});
    CHECK(final_view.card_id() == "join-1");
    CHECK(final_view.notice == notice_text);
    CHECK(final_view.status == "ended");
    CHECK(final_view.ends_at == planned_end + 3'600'000);

    auto q = [&](const std::string& id) -> question_view {
        const auto* found = final_view.question(id);
        INFO("question " << id);
        REQUIRE(found != nullptr);
        return *found;
    };
    const auto answered = q(original);
    INFO("original: " << answered.describe());
    CHECK(answered.status == "answered");
    CHECK(answered.answer == answer_text);
    CHECK(answered.card_id == "aid-1");
    CHECK(answered.votes == count(united));
    CHECK(answered.votes == count(voters[0]) + count(voters[1]) - count(both));
    CHECK(answered.text == original_text);
    const auto merged = q(duplicate);
    INFO("duplicate: " << merged.describe());
    CHECK(merged.status == "merged");
    CHECK(merged.into == original);
    const auto approved = q(held);
    CHECK(approved.status == "visible");
    CHECK(approved.votes == 0);
    CHECK(q(qids[2]).status == "visible");  // was answering until the original was
    CHECK(q(qids[3]).status == "answered");
    CHECK(q(qids[3]).card_id == "join-1");
    CHECK(q(qids[5]).status == "dismissed");
    CHECK(q(late_qid).status == "visible");
    for (std::size_t i = 2; i < askers; ++i) {
        INFO("question " << i << ": " << q(qids[i]).describe());
        CHECK(q(qids[i]).votes == expected_votes[i]);
        CHECK(q(qids[i]).text == question_text(i));
        if (i % 10 == 9) {
            CHECK(q(qids[i]).author_id == "");
            CHECK(q(qids[i]).author_name == "");
        } else {
            CHECK_FALSE(q(qids[i]).author_id.empty());
        }
    }
    CHECK(final_view.questions.size() == askers + 2);

    // Along the way: the held question was never a room event until approved
    // (then visible); no question event is ever "held"; at most one question is
    // answering at any time; the status changes are the extension and the end.
    {
        room_view running = host.log().view(first_script_seq - 1);
        std::vector<json> statuses;
        bool held_seen = false;
        for (auto it = host.log().events().upper_bound(first_script_seq - 1);
             it != host.log().events().end() && it->first <= end_seq; ++it) {
            const json& e = it->second;
            running.apply(e);
            if (e.type() == "question") {
                INFO(e.text());
                CHECK(e.str("question.status") != "held");
                if (e.str("question.id") == held) {
                    if (!held_seen) {
                        CHECK(it->first > held_at_seq);
                        CHECK(e.str("question.status") == "visible");
                    }
                    held_seen = true;
                }
            }
            const auto answering = std::count_if(running.questions.begin(), running.questions.end(),
                                                 [](const auto& kv) { return kv.second.status == "answering"; });
            INFO("at seq " << it->first);
            CHECK(answering <= 1);
            if (e.type() == "room.status") {
                statuses.push_back(e);
            }
        }
        CHECK(held_seen);
        REQUIRE(statuses.size() == 2);
        CHECK(statuses[0].str("status") == "live");
        CHECK(statuses[0].str("reason") == "extended");
        CHECK(statuses[0].i64("ends_at") == planned_end + 3'600'000);
        CHECK(statuses[1].str("status") == "ended");
        CHECK(statuses[1].str("reason") == "ended");
    }

    // Vote changes were coalesced: at most one question event per question per tick.
    {
        std::map<std::string, std::vector<std::int64_t>> ts;
        for (auto it = host.log().events().upper_bound(votes_from_seq);
             it != host.log().events().end() && it->first <= votes_to_seq; ++it) {
            if (it->second.type() == "question") {
                ts[it->second.str("question.id").value_or("")].push_back(it->second.i64("ts").value_or(0));
            }
        }
        for (const auto& [id, list] : ts) {
            for (std::size_t k = 1; k < list.size(); ++k) {
                INFO("question " << id << ": updates " << list[k] - list[k - 1] << " ms apart");
                CHECK(list[k] - list[k - 1] >= 450);
            }
        }
    }

    // The latecomer's snapshot of the ended room agrees.
    {
        const room_view snap = room_view::from_welcome(latecomer.welcome());
        CHECK(snap.status == "ended");
        CHECK(snap.ends_at == final_view.ends_at);
        CHECK(snap.card_id() == "join-1");
        CHECK(snap.notice == notice_text);
        const auto listed = snapshot_questions(latecomer.welcome());
        INFO("snapshot " << describe(listed) << "\nderived " << describe(final_view.listed()));
        CHECK(ordered_by_votes_then_ts(listed));
        CHECK(canonical(listed) == canonical(final_view.listed()));
    }

    // Each viewer's own derivation (from its welcome) gives the same questions.
    std::size_t agreeing = 0;
    const auto expected_listed = canonical(final_view.listed());
    for (const auto& r : reports) {
        if (!r.welcome_text.empty()) {
            auto v = view_of(r.welcome_text, r.event_log, end_seq);
            if (canonical(v.listed()) == expected_listed && v.card_id() == "join-1" && v.status == "ended" &&
                v.notice == notice_text) {
                ++agreeing;
            }
        }
    }
    CHECK(agreeing == reports.size());

    // ---- The moderators' side -----------------------------------------------------------------
    // The moderator saw the held question (mod.question, status held), and counters.
    {
        auto held_mod_in_log = [&]() -> std::optional<json> {
            for (const auto& m : moderator.log().others_of("mod.question")) {
                if (m.str("question.id") == held && m.str("question.status") == "held") {
                    return m;
                }
            }
            return std::nullopt;
        };
        moderator.pump_until([&] { return held_mod_in_log().has_value(); }, 5s);
        auto held_mod = held_mod_in_log();
        INFO("mod.* received by the moderator: "
             << moderator.log().others_of("mod.question").size() << " mod.question, "
             << moderator.log().others_of("mod.counters").size() << " mod.counters");
        CHECK(held_mod);
        if (held_mod) {
            CHECK(held_mod->str("question.text") == held_text);
            CHECK(held_mod->has("similar"));
        }
        // Duplicate grouping: the near-duplicate was shown to moderators as similar to the original;
        // the late look-alike was linked to the answered original.
        auto mod_question_of = [&](const std::string& id) -> std::optional<json> {
            for (const auto& m : moderator.log().others_of("mod.question")) {
                if (m.str("question.id") == id) {
                    return m;  // the first one: when it was asked
                }
            }
            return std::nullopt;
        };
        moderator.pump_until([&] { return mod_question_of(late_qid).has_value(); }, 5s);
        if (auto dup = mod_question_of(duplicate)) {
            INFO(dup->text());
            const auto similar = dup->items("similar");
            CHECK(std::any_of(similar.begin(), similar.end(),
                              [&](const json& m) { return m.str("id") == original && m.has("score"); }));
        } else {
            FAIL_CHECK("no mod.question for the near-duplicate " << duplicate);
        }
        if (auto late_mod = mod_question_of(late_qid)) {
            INFO(late_mod->text());
            CHECK(late_mod->str("answered_match") == original);
        } else {
            FAIL_CHECK("no mod.question for the late look-alike " << late_qid);
        }
        // Counters are checked every 500 ms and sent when they changed: wait for the final ones.
        moderator.pump_until(
            [&] {
                const auto c = moderator.log().others_of("mod.counters");
                return !c.empty() && c.back().i64("questions") == static_cast<std::int64_t>(askers + 2) &&
                       c.back().i64("answered") == 2;
            },
            5s);
        const auto counters = moderator.log().others_of("mod.counters");
        CHECK_FALSE(counters.empty());
        if (!counters.empty()) {
            const json& c = counters.back();
            INFO(c.text());
            CHECK(c.i64("questions") == static_cast<std::int64_t>(askers + 2));
            CHECK(c.i64("answered") == 2);
            CHECK(c.i64("unique").value_or(0) >= static_cast<std::int64_t>(viewers));
            CHECK(c.has("backlog.open"));
        }
    }

    std::cout << "evening: " << viewers << " viewers joined in " << join_seconds << " s; "
              << (end_seq - first_script_seq + 1) << " room events in the script; total " << seconds_since(started)
              << " s\n";
    CHECK(server.alive());
}
