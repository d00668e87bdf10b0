// The event log (issue 4): what was acked survives kill -9, exactly once;
// seq continues across restarts without a gap or a reuse; a store that is
// corrupt or from a newer schema stops the server with a clear error; a
// full store refuses changes, keeps what was acked and goes on serving reads.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/room_log.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

// Every event of the room through the replay API, page by page.
std::vector<json> replay_all(std::uint16_t port, const std::string& token) {
    std::vector<json> events;
    std::uint64_t from = 1;
    for (int page = 0; page < 10000; ++page) {
        auto res = http_get(port, "/api/rooms/demo/replay?from=" + std::to_string(from) + "&limit=1000", bearer(token));
        REQUIRE(res.status == 200);
        auto body = res.body_json();
        REQUIRE(body);
        for (auto& e : body->items("events")) {
            events.push_back(e);
        }
        auto next = body->u64("next");
        if (!next) {
            break;
        }
        REQUIRE(*next > from);
        from = *next;
    }
    return events;
}

// The seqs of `events` are exactly 1..n.
void require_gap_free(const std::vector<json>& events) {
    for (std::size_t i = 0; i < events.size(); ++i) {
        INFO("event " << i << ": " << events[i].text().substr(0, 200));
        REQUIRE(events[i].u64("seq") == std::optional<std::uint64_t>(i + 1));
    }
}

json export_json(std::uint16_t port, const std::string& token) {
    auto res = http_get(port, "/api/rooms/demo/export?format=json", bearer(token), 30s);
    INFO(res.body.substr(0, 300));
    REQUIRE(res.status == 200);
    auto body = res.body_json();
    REQUIRE(body);
    return *body;
}

struct acked_item {
    std::string kind;  // ask | comment
    std::string id;    // qid | cid
};

}  // namespace

TEST_CASE("kill -9 in the middle of acked questions and comments from 200 clients loses nothing acked",
          "[integration][durability]") {
    const std::size_t clients = env_or("LIVEROOM_DURABLE_CLIENTS", 200);
    const std::size_t per_client = 25;  // 200 x 25 = 5,000 requests
    const std::size_t threads = 4;
    temp_dir dir;
    auto server = std::make_unique<server_process>(server_options{.data_dir = dir.path()});
    const std::uint16_t port = server->port();

    std::mutex mu;
    std::map<std::string, acked_item> acked;  // by text
    std::set<std::string> sent;
    std::atomic<std::size_t> acks{0};
    std::atomic<bool> killed{false};
    const std::size_t kill_after = clients * per_client / 2;

    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            std::vector<joined> mine;
            for (std::size_t c = t; c < clients; c += threads) {
                mine.push_back(join_room(port, {.room = "demo", .name = numbered("c", c)}));
            }
            for (std::size_t r = 0; r < per_client && !killed; ++r) {
                std::vector<std::string> texts(mine.size());
                for (std::size_t i = 0; i < mine.size(); ++i) {
                    const std::size_t c = t + i * threads;
                    const bool ask = (c + r) % 2 == 0;
                    texts[i] = numbered(ask ? "问题 " : "留言 ", c).append("-").append(std::to_string(r));
                    const std::string id = numbered("r", r);
                    {
                        std::lock_guard lock(mu);
                        sent.insert(texts[i]);
                    }
                    if (!mine[i]->try_send(request_object(ask ? "ask" : "comment", id).add("text", texts[i]).str(),
                                           2s)) {
                        texts[i].clear();
                    }
                }
                for (std::size_t i = 0; i < mine.size(); ++i) {
                    if (texts[i].empty() || mine[i]->closed()) {
                        continue;
                    }
                    auto reply = mine[i]->reply_to(numbered("r", r), killed ? 1s : 10s);
                    if (!reply || reply->type() != "ack") {
                        continue;
                    }
                    const bool ask = reply->has("qid");
                    std::lock_guard lock(mu);
                    acked[texts[i]] = {ask ? "ask" : "comment", *reply->str(ask ? "qid" : "cid")};
                    ++acks;
                }
            }
        });
    }
    // kill -9 once half the requests are acked: the rest are in flight.
    {
        deadline until(120s);
        while (acks < kill_after && !until.expired()) {
            std::this_thread::sleep_for(1ms);  // polling a counter, not synchronizing
        }
        REQUIRE(acks >= kill_after);
        server->kill();
        killed = true;
    }
    for (auto& th : pool) {
        th.join();
    }
    server.reset();
    INFO(acked.size() << " acked of " << sent.size() << " sent before kill -9");
    REQUIRE(acked.size() >= kill_after);

    server_process again({.data_dir = dir.path()});
    const std::string host = again.token("host", "demo", "Host");
    const json record = export_json(again.port(), host);

    // Every acked item is there exactly once, with its id; nothing else is
    // there but whole items that were sent (acked or in flight at the kill).
    std::map<std::string, int> seen;
    std::map<std::string, std::string> seen_id;
    std::set<std::string> broadcast;  // ids that must have their room event
    for (const auto& q : record.items("questions")) {
        const auto text = *q.str("text");
        ++seen[text];
        seen_id[text] = *q.str("id");
        broadcast.insert(*q.str("id"));
    }
    for (const auto& c : record.items("comments")) {
        if (c.str("outcome") == std::optional<std::string>("published")) {
            broadcast.insert(*c.str("id"));  // quiet ones (over the budget) are stored, not broadcast
        }
        const auto text = *c.str("text");
        ++seen[text];
        seen_id[text] = *c.str("id");
    }
    std::size_t unacked_present = 0;
    for (const auto& [text, n] : seen) {
        INFO("item '" << text << "'");
        CHECK(n == 1);
        CHECK(sent.count(text) == 1);
        if (acked.count(text) == 0) {
            ++unacked_present;
        }
    }
    std::size_t missing = 0;
    for (const auto& [text, item] : acked) {
        if (seen.count(text) == 0 || seen_id[text] != item.id) {
            ++missing;
            UNSCOPED_INFO("acked but lost or renamed: '" << text << "' " << item.kind << " " << item.id);
        }
    }
    CHECK(missing == 0);
    std::cout << "durability: " << acked.size() << " acked, " << unacked_present
              << " unacked but written (in flight at the kill), " << missing << " lost\n";

    // The seq stream is gap-free, and every stored question and published
    // comment has its event (a command never lands without its events).
    const auto events = replay_all(again.port(), host);
    require_gap_free(events);
    std::set<std::string> event_ids;
    for (const auto& e : events) {
        if (e.type() == "question") {
            event_ids.insert(*e.str("question.id"));
        } else if (e.type() == "comment") {
            event_ids.insert(*e.str("comment.id"));
        }
    }
    for (const auto& [text, id] : seen_id) {
        INFO("item '" << text << "' " << id);
        CHECK(event_ids.count(id) == broadcast.count(id));
    }
}

TEST_CASE("seq continues across three restarts (kill -9 and SIGTERM) and since resumes across them",
          "[integration][durability]") {
    temp_dir dir;
    const std::string secret = "integration-test-secret";
    std::uint64_t last_seq = 0;
    std::uint64_t index = 0;
    for (int round = 0; round < 4; ++round) {
        server_process server({.data_dir = dir.path()});
        auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
        INFO("round " << round << ", welcome " << host.welcome.text().substr(0, 200));
        // The seq continues where it stopped: nothing lost, nothing reused.
        REQUIRE(host.welcome.u64("seq") >= last_seq);
        if (round > 0) {
            auto viewer = join_room(server.port(), {.room = "demo", .name = "back", .since = last_seq});
            INFO(viewer.welcome.text().substr(0, 200));
            CHECK(viewer.welcome.boolean("resumed") == std::optional<bool>(true));
        }
        publish_options p;
        p.first_index = index + 1;
        p.id_prefix = numbered("r", static_cast<std::uint64_t>(round)) + "-";
        REQUIRE(publish_notices(*host, 50, p).ok());
        index += 50;
        auto events = replay_all(server.port(), server.token("host", "demo", "Host"));
        require_gap_free(events);
        REQUIRE(!events.empty());
        last_seq = *events.back().u64("seq");
        std::size_t notices =
            std::count_if(events.begin(), events.end(), [](const json& e) { return e.type() == "notice"; });
        CHECK(notices == index);
        if (round % 2 == 0) {
            server.kill();
        } else {
            REQUIRE(server.stop(10s));
        }
    }
    (void)secret;
}

namespace {

// Starts the server on `dir`; it must refuse to start: exit code 3 and a
// message containing `why`.
void require_refused_start(const temp_dir& dir, const std::string& why) {
    auto r = run_command(
        {server_binary(), "--port", "0", "--secret", "integration-test-secret", "--data-dir", dir.path().string()},
        20s);
    INFO(r.err);
    REQUIRE(r.status);
    CHECK(exited_with(*r.status, 3));
    CHECK(r.err.find(why) != std::string::npos);
}

void run_sql(const temp_dir& dir, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir.path() / "liveroom.db").c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

}  // namespace

TEST_CASE("a corrupt store or one from a newer schema stops the server with a clear error and exit code 3",
          "[integration][durability]") {
    SECTION("corrupt") {
        temp_dir dir;
        {
            std::ofstream f(dir.path() / "liveroom.db", std::ios::binary);
            f << std::string(8192, 'x');
        }
        require_refused_start(dir, "corrupt or not a database");
    }
    SECTION("newer schema") {
        temp_dir dir;
        {
            server_process server({.data_dir = dir.path()});
            REQUIRE(server.stop(10s));
        }
        run_sql(dir, "PRAGMA user_version = 99");
        require_refused_start(dir, "written by a newer liveroom (schema 99)");
    }
    SECTION("another application's database") {
        temp_dir dir;
        run_sql(dir, "CREATE TABLE t(x)");
        require_refused_start(dir, "not a liveroom store");
    }
}

TEST_CASE("a full store refuses changes with an error, keeps every acked event and goes on serving reads",
          "[integration][durability]") {
    temp_dir dir;
    std::vector<std::uint64_t> acked_index;
    {
        server_process server({.extra_args = {"--store-max-mb", "1"}, .data_dir = dir.path()});
        auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
        // ~2 KB notices until the store is full (1 MB: a few hundred).
        std::string refusal;
        for (std::uint64_t i = 1; i <= 2000 && refusal.empty(); ++i) {
            const std::string id = numbered("n", i);
            auto reply =
                host->request(request_object("notice.set", id).add("text", indexed_notice(i, 490)).str(), id, 10s);
            REQUIRE(reply);
            if (reply->type() == "ack") {
                acked_index.push_back(i);
            } else {
                refusal = reply->text();
                CHECK(reply->str("code") == std::optional<std::string>("rate_limited"));
                CHECK(reply->str("message")->find("storage") != std::string::npos);
            }
        }
        INFO(acked_index.size() << " notices acked");
        REQUIRE_FALSE(refusal.empty());
        REQUIRE(acked_index.size() > 50);

        // Reads go on: a new viewer joins with the last acked notice, and the
        // replay serves the log.
        auto viewer = join_room(server.port(), {.room = "demo", .name = "reader"});
        CHECK(viewer.welcome.str("state.notice") == indexed_notice(acked_index.back(), 490));
        auto res = http_get(server.port(), "/api/rooms/demo/replay?from=1&limit=10");
        CHECK(res.status == 200);
        // Still full: the next change is refused again, and the server lives.
        auto again = host->request(request_object("notice.set", "more").add("text", "more").str(), "more", 10s);
        REQUIRE(again);
        CHECK(again->type() == "error");
        CHECK(server.alive());
        server.kill();
    }
    // Restarted with room to spare: every acked notice is there, in order.
    server_process server({.data_dir = dir.path()});
    auto events = replay_all(server.port(), server.token("host", "demo", "Host"));
    require_gap_free(events);
    std::vector<std::uint64_t> stored;
    for (const auto& e : events) {
        if (e.type() == "notice") {
            const auto text = *e.str("text");
            stored.push_back(std::stoull(text.substr(0, text.find('|'))));
        }
    }
    CHECK(stored == acked_index);
    // And it takes changes again.
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto reply = host->request(request_object("notice.set", "after").add("text", "after").str(), "after", 10s);
    REQUIRE(reply);
    CHECK(reply->type() == "ack");
}

TEST_CASE("export as CSV: one table per request, spreadsheet-safe, and only for the room's host or an admin",
          "[integration][durability]") {
    server_process server;
    auto viewer = join_room(server.port(), {.room = "demo", .name = "张三"});
    for (const std::string text : {"=HYPERLINK(\"http://x\")", "住院津贴怎么申请, \"急\"", "plain"}) {
        auto reply = viewer->request(request_object("comment", "c").add("text", text).str(), "c", 10s);
        REQUIRE(reply);
        REQUIRE(reply->type() == "ack");
    }
    const auto host = bearer(server.token("host", "demo", "Host"));
    auto res = http_get(server.port(), "/api/rooms/demo/export?format=csv&table=comments", host);
    REQUIRE(res.status == 200);
    CHECK(res.header("Content-Type").find("text/csv") == 0);
    CHECK(res.body.substr(0, 3) == "\xEF\xBB\xBF");
    CHECK(res.body.find("id,seq,ts,author_id,author_name,text,outcome,removed_at\r\n") == 3);
    // A formula is defused; commas and quotes are quoted.
    CHECK(res.body.find("\"'=HYPERLINK(\"\"http://x\"\")\"") != std::string::npos);
    CHECK(res.body.find("\"住院津贴怎么申请, \"\"急\"\"\"") != std::string::npos);
    CHECK(std::count(res.body.begin(), res.body.end(), '\n') == 4);

    CHECK(http_get(server.port(), "/api/rooms/demo/export?format=csv&table=nope", host).status == 400);
    CHECK(http_get(server.port(), "/api/rooms/demo/export?format=xml", host).status == 400);
    const auto as_viewer = bearer(server.token("viewer", "demo", "V"));
    CHECK(http_get(server.port(), "/api/rooms/demo/export?format=json", as_viewer).status == 403);
    CHECK(http_get(server.port(), "/api/rooms/demo/replay?from=x", host).status == 400);
}

TEST_CASE("retention blanks the comments of rooms that ended long enough ago; the report stays",
          "[integration][durability]") {
    temp_dir dir;
    {
        server_process server({.data_dir = dir.path()});
        logged_client viewer(server.port(), {.room = "demo", .name = "老李"});
        auto c = viewer.request(request_object("comment", "c").add("text", "我的身份证号是…").str(), "c", 10s);
        REQUIRE(c);
        REQUIRE(c->type() == "ack");
        auto q = viewer.request(request_object("ask", "q").add("text", "退休职工能参加吗").str(), "q", 10s);
        REQUIRE(q);
        REQUIRE(q->type() == "ack");
        logged_client host(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
        auto end = host.request(request_object("room.end", "e").str(), "e", 10s);
        REQUIRE(end);
        REQUIRE(end->type() == "ack");
        REQUIRE(server.stop(10s));
    }
    // The room ended "three days ago".
    run_sql(dir, "UPDATE events SET ts = ts - 3 * 86400000 WHERE type = 'room.status'");
    server_process server({.extra_args = {"--retention-days", "2"}, .data_dir = dir.path()});
    const std::string host = server.token("host", "demo", "Host");
    // The purge runs on the writer thread at start: wait for it, bounded.
    std::optional<json> record;
    deadline until(10s);
    do {
        record = export_json(server.port(), host);
        if (record->items("comments").size() == 1 &&
            record->items("comments")[0].str("text") == std::optional<std::string>("")) {
            break;
        }
        std::this_thread::sleep_for(50ms);  // polling the export, bounded
    } while (!until.expired());
    REQUIRE(record->items("comments").size() == 1);
    CHECK(record->items("comments")[0].str("text") == std::optional<std::string>(""));
    CHECK(record->items("questions").size() == 1);
    CHECK(record->items("questions")[0].str("text") == std::optional<std::string>("退休职工能参加吗"));
    CHECK(record->items("timeline").size() >= 1);
    // And the replay no longer carries the text either.
    for (const auto& e : replay_all(server.port(), host)) {
        if (e.type() == "comment") {
            CHECK(e.str("comment.text") == std::optional<std::string>(""));
        }
    }
}
