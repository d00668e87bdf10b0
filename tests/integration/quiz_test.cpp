// Prize quizzes (issue 5): every answer counts exactly once under concurrent
// answers, late and second answers are refused, tallies never run ahead of
// the answers, and a draw recomputed from the revealed seed and the published
// eligible list gives the same winners.
#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <openssl/sha.h>

#include "tests/support/http_client.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

// The bytes a hex string encodes.
std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

// The contract's draw, written again from its description in PROTOCOL.md
// (an independent implementation: the server's is not used here).
std::vector<std::string> recompute_draw(const std::string& seed_hex,
                                        std::uint32_t round,
                                        std::vector<std::string> pool,
                                        std::size_t count) {
    const std::string seed = from_hex(seed_hex);
    std::sort(pool.begin(), pool.end());
    const std::size_t k = std::min(count, pool.size());
    for (std::size_t i = 0; i < k; ++i) {
        std::string in = seed;
        for (const std::uint32_t v : {round, static_cast<std::uint32_t>(i)}) {
            for (int s = 24; s >= 0; s -= 8) {
                in.push_back(static_cast<char>((v >> s) & 0xFF));
            }
        }
        std::array<unsigned char, SHA256_DIGEST_LENGTH> h{};
        SHA256(reinterpret_cast<const unsigned char*>(in.data()), in.size(), h.data());
        std::uint64_t x = 0;
        for (int b = 0; b < 8; ++b) {
            x = (x << 8) | h[static_cast<std::size_t>(b)];
        }
        std::swap(pool[i], pool[i + x % (pool.size() - i)]);
    }
    pool.resize(k);
    return pool;
}

std::string hex_sha256(const std::string& bytes) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> h{};
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), h.data());
    std::string out;
    char buf[3];
    for (const auto b : h) {
        std::snprintf(buf, sizeof buf, "%02x", b);
        out += buf;
    }
    return out;
}

std::string open_quiz(logged_client& host,
                      const std::string& options_json,
                      const std::string& correct_json,
                      int seconds,
                      const char* scoring = "accuracy") {
    auto reply = host.request(request_object("quiz.open", "open")
                                  .add("question", "大病互助最高补助多少？")
                                  .add_raw("options", options_json)
                                  .add_raw("correct", correct_json)
                                  .add("seconds", seconds)
                                  .add("scoring", scoring)
                                  .str(),
                              "open", 10s);
    REQUIRE(reply);
    INFO(reply->text());
    REQUIRE(reply->type() == "ack");
    return *reply->str("quiz");
}

}  // namespace

TEST_CASE("concurrent answers count exactly once; seconds and late answers are refused; tallies never run ahead",
          "[integration][quiz]") {
#ifdef LIVEROOM_IT_SANITIZED
    const std::size_t viewers = env_or("LIVEROOM_QUIZ_VIEWERS", 60);
#else
    const std::size_t viewers = env_or("LIVEROOM_QUIZ_VIEWERS", 300);
#endif
    const std::size_t threads = 4;
    server_process server;
    logged_client host(server.port(), {.room = "demo", .token = server.token("host", "demo", "主持人")});
    logged_client watcher(server.port(), {.room = "demo", .name = "watcher"});

    std::vector<std::vector<joined>> groups(threads);
    for (std::size_t v = 0; v < viewers; ++v) {
        groups[v % threads].push_back(join_room(server.port(), {.room = "demo", .name = numbered("v", v)}));
    }
    const std::string quiz = open_quiz(host, R"(["1万","5万","10万"])", "[2]", 60);
    auto opened = watcher.wait_for([](const json& m) { return m.type() == "quiz.open"; }, 10s);
    REQUIRE(opened);
    CHECK_FALSE(opened->has("quiz.correct"));
    CHECK(opened->str("quiz.seed_hash")->size() == 64);
    CHECK(opened->i64("quiz.closes_at"));

    // Every viewer answers twice at once (a double tap): one ack, one duplicate.
    std::atomic<std::size_t> acks{0};
    std::atomic<std::size_t> duplicates{0};
    std::mutex mu;
    std::array<std::int64_t, 3> chosen{};
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i = 0; i < groups[t].size(); ++i) {
                const int choice = static_cast<int>((t + i * threads) % 3);
                for (const char* id : {"a1", "a2"}) {
                    groups[t][i]->send(request_object("quiz.answer", id).add("quiz", quiz).add("choice", choice).str());
                }
                {
                    std::lock_guard lock(mu);
                    ++chosen[static_cast<std::size_t>(choice)];
                }
            }
            for (auto& c : groups[t]) {
                for (const char* id : {"a1", "a2"}) {
                    auto reply = c->reply_to(id, 20s);
                    if (reply && reply->type() == "ack") {
                        ++acks;
                    } else if (reply && reply->str("code") == std::optional<std::string>("duplicate")) {
                        ++duplicates;
                    }
                }
            }
        });
    }
    for (auto& th : pool) {
        th.join();
    }
    CHECK(acks == viewers);
    CHECK(duplicates == viewers);

    // Tallies seen so far never exceed the answers, and never go backwards.
    watcher.drain(300ms);
    std::int64_t last_total = 0;
    for (const auto& t : watcher.log().events_of("quiz.tally")) {
        const auto total = *t.i64("total");
        CHECK(total <= static_cast<std::int64_t>(viewers));
        CHECK(total >= last_total);
        last_total = total;
    }

    auto close = host.request(request_object("quiz.close", "close").add("quiz", quiz).str(), "close", 10s);
    REQUIRE(close);
    REQUIRE(close->type() == "ack");
    auto closed = watcher.wait_for([](const json& m) { return m.type() == "quiz.close"; }, 10s);
    REQUIRE(closed);
    INFO(closed->text());
    CHECK(closed->i64("total") == static_cast<std::int64_t>(viewers));
    const auto counts = closed->items("counts");
    REQUIRE(counts.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(*counts[i].i64("") == chosen[i]);
    }
    CHECK(closed->i64("correct_count") == chosen[2]);
    CHECK(closed->items("correct").size() == 1);
    auto board = watcher.wait_for([](const json& m) { return m.type() == "leaderboard"; }, 10s);
    REQUIRE(board);
    CHECK(board->items("top").size() == std::min<std::size_t>(10, viewers));

    // After closing: refused as closed; the viewer's own rank is there.
    auto late = groups[0][0]->request(request_object("quiz.answer", "late").add("quiz", quiz).add("choice", 2).str(),
                                      "late", 10s);
    REQUIRE(late);
    CHECK(late->str("code") == std::optional<std::string>("closed"));
    auto rank = groups[0][1]->request(request_object("rank", "rank").str(), "rank", 10s);
    REQUIRE(rank);
    INFO(rank->text());
    CHECK(rank->type() == "ack");
    CHECK(rank->i64("of") == static_cast<std::int64_t>(viewers));

    // A timed quiz closes by itself at its limit, by server time.
    const std::string timed = open_quiz(host, R"(["对","错"])", "[0]", 5, "speed");
    auto auto_closed = watcher.wait_for(
        [&](const json& m) { return m.type() == "quiz.close" && m.str("id") == std::optional<std::string>(timed); },
        15s);
    REQUIRE(auto_closed);
    auto after = groups[1][0]->request(request_object("quiz.answer", "after").add("quiz", timed).add("choice", 0).str(),
                                       "after", 10s);
    REQUIRE(after);
    CHECK(after->str("code") == std::optional<std::string>("closed"));
}

TEST_CASE("a draw anyone can recompute from the revealed seed and the published eligible list", "[integration][quiz]") {
    server_process server;
    logged_client host(server.port(), {.room = "demo", .token = server.token("host", "demo", "主持人")});
    std::vector<joined> viewers;
    for (int v = 0; v < 40; ++v) {
        viewers.push_back(
            join_room(server.port(), {.room = "demo", .name = numbered("v", static_cast<std::uint64_t>(v))}));
    }
    const std::string quiz = open_quiz(host, R"(["A","B","C","D"])", "[1,3]", 0);  // multi, untimed
    std::set<std::string> right;
    for (std::size_t v = 0; v < viewers.size(); ++v) {
        const bool correct = v % 3 != 0;
        auto reply = viewers[v]->request(
            request_object("quiz.answer", "a").add("quiz", quiz).add_raw("choice", correct ? "[3,1]" : "[1]").str(),
            "a", 10s);
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
        if (correct) {
            right.insert(*viewers[v].welcome.str("you.id"));
        }
    }
    // A single index for a multi quiz is fine; a bad one is refused and changes nothing.
    auto bad =
        viewers[0]->request(request_object("quiz.answer", "b").add("quiz", quiz).add("choice", 9).str(), "b", 10s);
    REQUIRE(bad);
    CHECK(bad->type() == "error");
    auto early = host.request(request_object("draw", "d0").add("quiz", quiz).add("count", 3).str(), "d0", 10s);
    REQUIRE(early);
    CHECK(early->type() == "error");  // close first
    REQUIRE(host.request(request_object("quiz.close", "c").add("quiz", quiz).str(), "c", 10s)->type() == "ack");

    for (const int count : {5, 1000}) {
        const std::string id = numbered("d", static_cast<std::uint64_t>(count));
        auto ack = host.request(request_object("draw", id).add("quiz", quiz).add("count", count).str(), id, 10s);
        REQUIRE(ack);
        INFO(ack->text());
        REQUIRE(ack->type() == "ack");
        const std::string draw_id = *ack->str("draw");
        // The event may come before or after the ack: look in the log first.
        std::optional<json> result;
        REQUIRE(host.pump_until(
            [&] {
                for (const auto& e : host.log().events_of("draw.result")) {
                    if (e.str("id") == std::optional<std::string>(draw_id)) {
                        result = e;
                    }
                }
                return result.has_value();
            },
            10s));
        REQUIRE(result);
        INFO(result->text());
        CHECK(result->str("seed_hash") ==
              std::optional<std::string>(*host.log().events_of("quiz.open").back().str("quiz.seed_hash")));
        // The published list is public and matches the result's digest.
        auto res = http_get(server.port(), "/api/rooms/demo/draws/" + draw_id);
        REQUIRE(res.status == 200);
        auto body = res.body_json();
        REQUIRE(body);
        std::vector<std::string> eligible;
        for (const auto& e : body->items("draw.eligible")) {
            eligible.push_back(*e.str(""));
        }
        CHECK(std::set<std::string>(eligible.begin(), eligible.end()) == right);
        std::string joined_ids;
        for (std::size_t i = 0; i < eligible.size(); ++i) {
            joined_ids += (i == 0 ? "" : "\n") + eligible[i];
        }
        CHECK(result->str("eligible_sha256") == std::optional<std::string>(hex_sha256(joined_ids)));
        // The seed is the one committed at quiz.open.
        const std::string seed = *result->str("seed");
        CHECK(hex_sha256(from_hex(seed)) == *result->str("seed_hash"));
        // Recomputed winners are the drawn ones, each once.
        std::vector<std::string> winners;
        for (const auto& w : result->items("winners")) {
            winners.push_back(*w.str("id"));
        }
        const auto expected = recompute_draw(seed, static_cast<std::uint32_t>(*result->i64("round")), eligible,
                                             static_cast<std::size_t>(count));
        CHECK(winners == expected);
        CHECK(std::set<std::string>(winners.begin(), winners.end()).size() == winners.size());
        CHECK(winners.size() == std::min<std::size_t>(static_cast<std::size_t>(count), right.size()));
    }
}

TEST_CASE("an open quiz, its answers and its committed seed survive kill -9", "[integration][quiz]") {
    temp_dir dir;
    std::string quiz;
    std::string seed_hash;
    std::string token;
    {
        server_process server({.data_dir = dir.path()});
        logged_client host(server.port(), {.room = "demo", .token = server.token("host", "demo", "主持人")});
        quiz = open_quiz(host, R"(["对","错"])", "[0]", 0);
        auto viewer = join_room(server.port(), {.room = "demo", .name = "工人"});
        token = *viewer.welcome.str("you.token");
        seed_hash = *viewer.welcome.str("state.quiz.seed_hash");
        auto a = viewer->request(request_object("quiz.answer", "a").add("quiz", quiz).add("choice", 0).str(), "a", 10s);
        REQUIRE(a);
        REQUIRE(a->type() == "ack");
        server.kill();
    }
    server_process server({.data_dir = dir.path()});
    // The same guest (its resume token) cannot answer twice across the restart.
    auto viewer = join_room(server.port(), {.room = "demo", .token = token, .name = "工人"});
    CHECK(viewer.welcome.str("state.quiz.seed_hash") == std::optional<std::string>(seed_hash));
    auto again = viewer->request(request_object("quiz.answer", "b").add("quiz", quiz).add("choice", 1).str(), "b", 10s);
    REQUIRE(again);
    CHECK(again->str("code") == std::optional<std::string>("duplicate"));
    logged_client host(server.port(), {.room = "demo", .token = server.token("host", "demo", "主持人")});
    REQUIRE(host.request(request_object("quiz.close", "c").add("quiz", quiz).str(), "c", 10s)->type() == "ack");
    auto draw = host.request(request_object("draw", "d").add("quiz", quiz).add("count", 1).str(), "d", 10s);
    REQUIRE(draw);
    REQUIRE(draw->type() == "ack");
    std::optional<json> result;
    REQUIRE(host.pump_until(
        [&] {
            auto r = host.log().events_of("draw.result");
            if (!r.empty()) {
                result = r.back();
            }
            return result.has_value();
        },
        10s));
    // The seed revealed after the restart is the one committed before it.
    CHECK(hex_sha256(from_hex(*result->str("seed"))) == seed_hash);
    CHECK(result->items("winners").size() == 1);
}

TEST_CASE("quizzes prepared in the room's deck before the live open by id", "[integration][quiz]") {
    server_process server;
    const std::string admin = server.token("admin", "*", "Admin");
    const std::string spec =
        R"({"id":"prep","title":"预备测验","quizzes":[)"
        R"({"id":"q-aid","question":"互助金最高多少？","options":["1万","10万"],"correct":[1],"seconds":30},)"
        R"({"id":"q-bad","question":"坏的","options":["只有一个"],"correct":[0]}]})";
    auto bad = http_post(server.port(), "/api/rooms", spec, bearer(admin));
    CHECK(bad.status == 400);  // the second quiz has one option: refused, with why
    CHECK(bad.body.find("q-bad") != std::string::npos);
    const std::string good =
        R"({"id":"prep","title":"预备测验","quizzes":[)"
        R"({"id":"q-aid","question":"互助金最高多少？","options":["1万","10万"],"correct":[1],"seconds":30}]})";
    REQUIRE(http_post(server.port(), "/api/rooms", good, bearer(admin)).status == 201);
    logged_client host(server.port(), {.room = "prep", .token = server.token("host", "prep", "主持人")});
    auto missing = host.request(request_object("quiz.open", "m").add("deck", "nope").str(), "m", 10s);
    REQUIRE(missing);
    CHECK(missing->str("code") == std::optional<std::string>("not_found"));
    auto opened = host.request(request_object("quiz.open", "o").add("deck", "q-aid").str(), "o", 10s);
    REQUIRE(opened);
    INFO(opened->text());
    REQUIRE(opened->type() == "ack");
    // The event may come before or after the ack: it is in the log either way.
    REQUIRE(host.pump_until([&] { return !host.log().events_of("quiz.open").empty(); }, 10s));
    const auto event = std::optional<json>(host.log().events_of("quiz.open").back());
    CHECK(event->str("quiz.question") == std::optional<std::string>("互助金最高多少？"));
    CHECK(event->items("quiz.options").size() == 2);
}
