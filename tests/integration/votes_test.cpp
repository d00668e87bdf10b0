// Votes: one vote per viewer per question, whatever the clicking. Concurrent
// double (and triple) clicks from many viewers end with exactly the viewers
// who clicked an odd number of times counted; vote changes reach viewers
// coalesced; a guest that reconnects with its `you.token` is the same voter.
#include <algorithm>
#include <chrono>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string vote_request(const std::string& id, const std::string& qid) {
    return request_object("vote", id).add("qid", qid).str();
}

// Asks a question from `c` and returns its qid (REQUIREs an ack).
std::string ask(logged_client& c, const std::string& id, const std::string& text) {
    auto reply = c.request(request_object("ask", id).add("text", text).str(), id);
    REQUIRE(reply);
    INFO("ask: " << reply->text());
    REQUIRE(reply->type() == "ack");
    auto qid = reply->str("qid");
    REQUIRE(qid);
    return *qid;
}

// The votes a fresh joiner's snapshot lists for `qid` (-1 when it is not listed).
std::int64_t snapshot_votes(std::uint16_t port, const std::string& qid) {
    auto probe = join_room(port, {.room = "demo", .name = "probe"});
    std::int64_t votes = -1;
    for (const auto& q : snapshot_questions(probe.welcome)) {
        if (q.id == qid) {
            votes = q.votes;
        }
    }
    probe->close();
    return votes;
}

}  // namespace

TEST_CASE("concurrent double clicks: a question's votes are the viewers who clicked an odd number of times",
          "[integration][votes]") {
#ifdef LIVEROOM_IT_SANITIZED
    const std::size_t viewers = env_or("LIVEROOM_VOTE_VIEWERS", 40);
#else
    const std::size_t viewers = env_or("LIVEROOM_VOTE_VIEWERS", 100);
#endif
    server_process server;
    const auto port = server.port();
    logged_client asker(port, {.room = "demo", .name = "提问者"});
    logged_client observer(port, {.room = "demo", .name = "旁观者"});
    const std::string qid = ask(asker, "a1", "我父母能参加互助保障吗？");
    const std::string other = ask(asker, "a2", "驿站可以给手机充电吗？");

    // Clicks per viewer: mostly two (a vote and its undo), every third viewer
    // three, every seventh one, every eleventh four. Clicks on `other` are
    // single, by every fifth viewer, interleaved with the rest.
    auto clicks = [](std::size_t i) -> int {
        if (i % 11 == 0) {
            return 4;
        }
        if (i % 7 == 0) {
            return 1;
        }
        if (i % 3 == 0) {
            return 3;
        }
        return 2;
    };
    std::int64_t expected = 0;
    std::int64_t expected_other = 0;
    for (std::size_t i = 0; i < viewers; ++i) {
        expected += clicks(i) % 2;
        expected_other += i % 5 == 0 ? 1 : 0;
    }

    std::vector<std::unique_ptr<ws_client>> clients;
    for (std::size_t i = 0; i < viewers; ++i) {
        auto j = join_room(port, {.room = "demo", .name = numbered("v", i)});
        REQUIRE(j.welcome.str("you.role") == "viewer");
        clients.push_back(std::move(j.client));
    }
    // The observer has seen both questions appear (the storm's events come after).
    REQUIRE(observer.pump_until(
        [&] {
            auto view = observer.log().view();
            return view.question(qid) != nullptr && view.question(other) != nullptr;
        },
        5s));
    const std::uint64_t storm_from = observer.log().last_seq();

    // The storm: a few threads, each driving its share of the viewers, start
    // together; each viewer's clicks go out back-to-back, then the replies are read.
    const int threads = 4;
    std::latch go(threads + 1);
    std::vector<std::string> problems(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            go.arrive_and_wait();
            try {
                for (std::size_t i = t; i < viewers; i += threads) {
                    for (int k = 0; k < clicks(i); ++k) {
                        clients[i]->send(vote_request(numbered("v", k), qid));
                        if (k == 0 && i % 5 == 0) {
                            clients[i]->send(vote_request("o", other));
                        }
                    }
                }
                for (std::size_t i = t; i < viewers; i += threads) {
                    // Every reply of this viewer (acks of one connection may come in any order).
                    std::map<std::string, json> replies;
                    const std::size_t wanted = static_cast<std::size_t>(clicks(i)) + (i % 5 == 0 ? 1 : 0);
                    deadline until(10s);
                    while (replies.size() < wanted) {
                        auto m = clients[i]->receive(until.remaining());
                        if (!m) {
                            break;
                        }
                        if ((m->type() == "ack" || m->type() == "error") && m->str("id")) {
                            replies.emplace(*m->str("id"), *m);
                        }
                    }
                    auto shown = [&](const std::string& id) {
                        auto it = replies.find(id);
                        return it != replies.end() ? it->second.text()
                                                   : "no reply (" + clients[i]->end_description() + ")";
                    };
                    for (int k = 0; k < clicks(i); ++k) {
                        const std::string id = numbered("v", k);
                        auto it = replies.find(id);
                        const bool want = k % 2 == 0;  // vote, undo, vote, undo ...
                        const auto votes = it == replies.end() ? -1 : it->second.i64("votes").value_or(-1);
                        if (it == replies.end() || it->second.type() != "ack" || it->second.boolean("voted") != want ||
                            votes < 0 || votes > static_cast<std::int64_t>(viewers)) {
                            problems[t] += "viewer " + std::to_string(i) + " click " + std::to_string(k + 1) + ": " +
                                           shown(id) + "\n";
                        }
                    }
                    if (i % 5 == 0) {
                        auto it = replies.find("o");
                        if (it == replies.end() || it->second.type() != "ack" || it->second.boolean("voted") != true) {
                            problems[t] +=
                                "viewer " + std::to_string(i) + " vote on the other question: " + shown("o") + "\n";
                        }
                    }
                }
            } catch (const std::exception& e) {
                problems[t] += std::string("exception: ") + e.what() + "\n";
            }
        });
    }
    const auto storm_started = clock::now();
    go.arrive_and_wait();
    for (auto& th : pool) {
        th.join();
    }
    const double storm_seconds = seconds_since(storm_started);
    for (int t = 0; t < threads; ++t) {
        INFO("thread " << t);
        CHECK(problems[t] == "");
    }

    // The observer sees the final counts, published by the coalescing tick.
    INFO("expected votes " << expected << " on " << qid << " and " << expected_other << " on " << other);
    auto votes_seen = [&](const std::string& id) {
        const room_view view = observer.log().view();
        const auto* q = view.question(id);
        return q == nullptr ? std::int64_t{-1} : q->votes;
    };
    const bool converged =
        observer.pump_until([&] { return votes_seen(qid) == expected && votes_seen(other) == expected_other; }, 10s);
    INFO("observer: " << votes_seen(qid) << " on " << qid << ", " << votes_seen(other) << " on " << other);
    CHECK(converged);
    CHECK(observer.log().seq().ok());
    CHECK(observer.log().seq().first_problem() == "");

    // The room's own state says the same (a fresh snapshot), and stays there.
    CHECK(snapshot_votes(port, qid) == expected);
    CHECK(snapshot_votes(port, other) == expected_other);

    // Coalescing: vote changes come as question events at most once per
    // question per 500 ms tick (the events' ts, ms; allow the clock a little).
    std::vector<std::int64_t> ts;
    for (const auto& [s, e] : observer.log().events()) {
        if (s > storm_from && e.type() == "question" && e.str("question.id") == qid) {
            ts.push_back(e.i64("ts").value_or(0));
        }
    }
    INFO("storm of " << viewers << " viewers took " << storm_seconds << " s; " << ts.size() << " question events for "
                     << qid);
    REQUIRE_FALSE(ts.empty());
    for (std::size_t k = 1; k < ts.size(); ++k) {
        INFO("question events " << k - 1 << " and " << k << " are " << ts[k] - ts[k - 1] << " ms apart");
        CHECK(ts[k] - ts[k - 1] >= 450);
    }

    // One viewer that keeps clicking (an even number of times) for 1.5 s:
    // viewers get one question event per tick, not one per click.
    const std::uint64_t clicking_from = observer.log().last_seq();
    ws_client& clicker = *clients[1];
    std::uint64_t clicks_sent = 0;
    std::int64_t last_click_ms = 0;  // wall clock just before the last click was sent
    const auto clicking_started = clock::now();
    while (clock::now() - clicking_started < 1500ms || clicks_sent % 2 != 0) {
        const std::string id = numbered("c", clicks_sent);
        last_click_ms = now_ms();
        auto reply = clicker.request(vote_request(id, qid), id);
        if (!reply || reply->type() != "ack") {
            FAIL("click " << clicks_sent << ": " << (reply ? reply->text() : clicker.end_description()));
        }
        ++clicks_sent;
    }
    const double clicking_seconds = seconds_since(clicking_started);
    // The tick after the last click publishes the final count (a tick between
    // the two clicks of the last pair would show one vote more).
    REQUIRE(observer.wait_for(
        [&](const json& m) {
            return m.type() == "question" && m.str("question.id") == qid && m.i64("ts").value_or(0) >= last_click_ms &&
                   m.i64("question.votes") == expected;
        },
        5s));
    std::vector<std::int64_t> click_ts;
    for (const auto& [s, e] : observer.log().events()) {
        if (s > clicking_from && e.type() == "question" && e.str("question.id") == qid) {
            click_ts.push_back(e.i64("ts").value_or(0));
            // A tick may fall between the two clicks of a pair.
            const auto votes = e.i64("question.votes").value_or(-1);
            CHECK((votes == expected || votes == expected + 1));
        }
    }
    INFO(clicks_sent << " clicks in " << clicking_seconds << " s gave " << click_ts.size() << " question events");
    CHECK(clicks_sent >= 20);
    CHECK(click_ts.size() <= static_cast<std::size_t>(clicking_seconds / 0.5) + 2);
    for (std::size_t k = 1; k < click_ts.size(); ++k) {
        CHECK(click_ts[k] - click_ts[k - 1] >= 450);
    }
    CHECK(snapshot_votes(port, qid) == expected);

    for (auto& c : clients) {
        c->close(1000, 2s);
    }
    CHECK(server.alive());
}

TEST_CASE("a guest that reconnects with its you.token is the same voter", "[integration][votes]") {
    server_process server;
    const auto port = server.port();
    logged_client asker(port, {.room = "demo", .name = "提问者"});
    logged_client observer(port, {.room = "demo", .name = "旁观者"});
    const std::string qid = ask(asker, "a1", "怎样扫码加入工会？");

    auto first = join_room(port, {.room = "demo", .name = "回头客"});
    const auto id = first.welcome.str("you.id");
    const auto token = first.welcome.str("you.token");
    INFO("first welcome: " << first.welcome.text());
    REQUIRE(id);
    REQUIRE(token);
    CHECK(first.welcome.str("you.role") == "viewer");

    auto vote = [&](ws_client& c, const std::string& rid) {
        auto reply = c.request(vote_request(rid, qid), rid);
        REQUIRE(reply);
        INFO("vote " << rid << ": " << reply->text());
        REQUIRE(reply->type() == "ack");
        return std::pair{reply->boolean("voted").value_or(false), reply->i64("votes").value_or(-1)};
    };

    CHECK(vote(*first, "v1") == std::pair{true, std::int64_t{1}});
    first->close();

    // Back with the token: the same id and name, and its vote is still there: voting again undoes it.
    auto again = join_room(port, {.room = "demo", .token = *token, .name = "另一个名字"});
    INFO("second welcome: " << again.welcome.text());
    CHECK(again.welcome.str("you.id") == id);
    CHECK(again.welcome.str("you.name") == first.welcome.str("you.name"));
    CHECK(again.welcome.str("you.role") == "viewer");
    const auto listed = snapshot_questions(again.welcome);
    REQUIRE(listed.size() == 1);
    CHECK(listed.front().votes == 1);
    CHECK(vote(*again, "v2") == std::pair{false, std::int64_t{0}});
    CHECK(vote(*again, "v3") == std::pair{true, std::int64_t{1}});

    // Two connections with the same token at once are still one voter.
    auto twin = join_room(port, {.room = "demo", .token = *token, .name = "回头客"});
    CHECK(twin.welcome.str("you.id") == id);
    CHECK(vote(*twin, "v4") == std::pair{false, std::int64_t{0}});
    CHECK(vote(*again, "v5") == std::pair{true, std::int64_t{1}});
    CHECK(vote(*twin, "v6") == std::pair{false, std::int64_t{0}});

    // A different guest is a different voter.
    auto stranger = join_room(port, {.room = "demo", .name = "路人"});
    CHECK(stranger.welcome.str("you.id") != id);
    const std::int64_t before_last_vote = now_ms();
    CHECK(vote(*stranger, "v7") == std::pair{true, std::int64_t{1}});

    // Viewers see 1 vote (the tick after the last vote publishes it).
    auto seen = observer.wait_for(
        [&](const json& m) {
            return m.type() == "question" && m.str("question.id") == qid &&
                   m.i64("ts").value_or(0) >= before_last_vote && m.i64("question.votes") == 1;
        },
        5s);
    CHECK(seen);
    CHECK(snapshot_votes(port, qid) == 1);
    CHECK(server.alive());
}
