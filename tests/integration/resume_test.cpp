// Resume: a client that reconnects with `since` gets exactly what it missed
// while it is still in the ring, and a snapshot when it is not.
#include <map>

#include <catch2/catch.hpp>

#include "tests/support/room_helpers.hpp"
#include "tests/support/seq_checker.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

std::int64_t notice_index(const json& event) {
    auto text = event.str("text");
    if (!text || text->empty() || (*text)[0] < '0' || (*text)[0] > '9') {
        return -1;
    }
    return std::stoll(*text);
}

// Records one connection's room events by seq, checking the stream as it goes.
struct recorder {
    seq_checker seq;
    std::map<std::uint64_t, json> events;
    std::int64_t last_notice = 0;

    explicit recorder(const json& welcome) { seq.start(welcome.u64("seq").value_or(0)); }

    void feed(const json& m) {
        if (m.type() == "skipped") {
            seq.on_skipped(m.u64("from").value_or(0), m.u64("to").value_or(0));
            return;
        }
        if (auto s = m.u64("seq")) {
            seq.on_event(*s);
            events.emplace(*s, m);
            if (m.type() == "notice") {
                last_notice = notice_index(m);
            }
        }
    }

    // Reads until `done` holds (checked after each object); false on timeout.
    bool read_until(ws_client& c, const std::function<bool()>& done, clock::duration timeout) {
        deadline until(timeout);
        while (!done()) {
            auto m = c.receive(until.remaining());
            if (!m) {
                return false;
            }
            feed(*m);
        }
        return true;
    }
};

const std::vector<std::string> state_keys = {"status",    "ends_at",  "card", "notice",
                                             "questions", "comments", "quiz", "presence"};

}  // namespace

TEST_CASE("reconnect with since gets exactly the missed events, resumed", "[integration][resume]") {
    server_process server;
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    // B stays connected throughout: the reference of what the room published.
    auto b = join_room(server.port(), {.room = "demo", .name = "B"});
    recorder b_rec(b.welcome);
    auto a = join_room(server.port(), {.room = "demo", .name = "A"});
    recorder a_rec(a.welcome);

    REQUIRE(publish_notices(*host, 5).ok());
    REQUIRE(a_rec.read_until(
        *a, [&] { return a_rec.last_notice == 5; }, 10s));
    const std::uint64_t since = a_rec.seq.last();
    a->close();

    publish_options more;
    more.first_index = 6;
    REQUIRE(publish_notices(*host, 20, more).ok());
    REQUIRE(b_rec.read_until(
        *b, [&] { return b_rec.last_notice == 25; }, 10s));
    const std::uint64_t head_seen = b_rec.seq.last();

    auto again = join_room(server.port(), {.room = "demo", .name = "A", .since = since});
    INFO("since " << since << ", head seen by B " << head_seen << ", welcome " << again.welcome.text());
    REQUIRE(again.welcome.boolean("resumed") == true);
    CHECK_FALSE(again.welcome.has("state"));
    const std::uint64_t head = again.welcome.u64("seq").value_or(0);
    REQUIRE(head >= head_seen);

    // The replay: each event since+1 .. head, in order, nothing else.
    recorder replay(again.welcome);
    replay.seq.start(since);
    std::vector<json> replayed;
    deadline until(10s);
    while (replay.seq.last() < head) {
        auto m = again->receive(until.remaining());
        REQUIRE(m);
        if (m->has("seq")) {
            replayed.push_back(*m);
        }
        replay.feed(*m);
    }
    CHECK(replay.seq.ok());
    CHECK(replay.seq.first_problem() == "");
    REQUIRE_FALSE(replayed.empty());
    CHECK(replayed.front().u64("seq") == since + 1);
    CHECK(replayed.back().u64("seq") == head);

    std::vector<std::int64_t> notices;
    for (const auto& e : replayed) {
        if (e.type() == "notice") {
            notices.push_back(notice_index(e));
        }
    }
    std::vector<std::int64_t> expected;
    for (std::int64_t i = 6; i <= 25; ++i) {
        expected.push_back(i);
    }
    CHECK(notices == expected);

    // The same events B saw live, seq for seq.
    REQUIRE(b_rec.read_until(
        *b, [&] { return b_rec.seq.last() >= head; }, 10s));
    for (const auto& e : replayed) {
        auto s = *e.u64("seq");
        auto it = b_rec.events.find(s);
        INFO("seq " << s << " replayed as " << e.text());
        REQUIRE(it != b_rec.events.end());
        CHECK(it->second.type() == e.type());
        CHECK(it->second.str("text") == e.str("text"));
    }

    // And it continues live from there.
    publish_options last;
    last.first_index = 26;
    REQUIRE(publish_notices(*host, 1, last).ok());
    REQUIRE(replay.read_until(
        *again, [&] { return replay.last_notice == 26; }, 10s));
    CHECK(replay.seq.ok());
    CHECK(server.alive());
}

TEST_CASE("resume at the head replays nothing", "[integration][resume]") {
    server_process server;
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto a = join_room(server.port(), {.room = "demo", .name = "A"});
    recorder a_rec(a.welcome);
    REQUIRE(publish_notices(*host, 3).ok());
    REQUIRE(a_rec.read_until(
        *a, [&] { return a_rec.last_notice == 3; }, 10s));
    const std::uint64_t since = a_rec.seq.last();
    a->close();

    auto again = join_room(server.port(), {.room = "demo", .name = "A", .since = since});
    INFO("since " << since << ", welcome " << again.welcome.text());
    REQUIRE(again.welcome.boolean("resumed") == true);
    CHECK_FALSE(again.welcome.has("state"));
    recorder rec(again.welcome);
    rec.seq.start(since);

    // A marker notice: everything before it must continue from `since`, with no old notice replayed.
    publish_options marker;
    marker.first_index = 4;
    REQUIRE(publish_notices(*host, 1, marker).ok());
    REQUIRE(rec.read_until(
        *again, [&] { return rec.last_notice != 0; }, 10s));
    CHECK(rec.last_notice == 4);
    CHECK(rec.seq.ok());
    CHECK(rec.seq.first_problem() == "");
    for (const auto& [s, e] : rec.events) {
        CHECK(s > since);
    }
}

TEST_CASE("reconnect past the ring gets a snapshot with the latest notice, then continues from its seq",
          "[integration][resume]") {
    server_process server({.extra_args = {"--ring-size", "64"}});
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto b = join_room(server.port(), {.room = "demo", .name = "B"});
    recorder b_rec(b.welcome);
    auto a = join_room(server.port(), {.room = "demo", .name = "A"});
    recorder a_rec(a.welcome);

    REQUIRE(publish_notices(*host, 1).ok());
    REQUIRE(a_rec.read_until(
        *a, [&] { return a_rec.last_notice == 1; }, 10s));
    const std::uint64_t since = a_rec.seq.last();
    a->close();

    publish_options more;
    more.first_index = 2;
    REQUIRE(publish_notices(*host, 200, more).ok());
    REQUIRE(b_rec.read_until(
        *b, [&] { return b_rec.last_notice == 201; }, 10s));
    const std::uint64_t head_seen = b_rec.seq.last();
    CHECK(b_rec.seq.ok());

    auto again = join_room(server.port(), {.room = "demo", .name = "A", .since = since});
    INFO("since " << since << ", head seen by B " << head_seen << ", welcome " << again.welcome.text());
    REQUIRE(again.welcome.boolean("resumed") == false);
    REQUIRE(again.welcome.has("state"));
    for (const auto& key : state_keys) {
        INFO("state." << key);
        CHECK(again.welcome.has("state." + key));
    }
    CHECK(again.welcome.str("state.notice") == indexed_notice(201));
    const std::uint64_t head = again.welcome.u64("seq").value_or(0);
    CHECK(head >= head_seen);

    // The snapshot's seq is the head: B, which saw everything, has no later notice up to it.
    REQUIRE(b_rec.read_until(
        *b, [&] { return b_rec.seq.last() >= head; }, 10s));
    for (auto it = b_rec.events.upper_bound(head_seen); it != b_rec.events.end() && it->first <= head; ++it) {
        CHECK(it->second.type() != "notice");
    }

    // Events continue from seq + 1.
    recorder rec(again.welcome);
    publish_options last;
    last.first_index = 202;
    REQUIRE(publish_notices(*host, 1, last).ok());
    REQUIRE(rec.read_until(
        *again, [&] { return rec.last_notice == 202; }, 10s));
    REQUIRE_FALSE(rec.events.empty());
    CHECK(rec.events.begin()->first == head + 1);
    CHECK(rec.seq.ok());
    CHECK(rec.seq.first_problem() == "");
    CHECK(server.alive());
}
