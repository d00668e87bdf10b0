// The handshake and per-connection policy: tokens, hello timeout, frame
// limit, unknown requests, role checks, and the welcome's shape.
#include <chrono>
#include <ctime>

#include <catch2/catch.hpp>

#include "tests/support/jwt.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/seq_checker.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

std::int64_t unix_now() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

std::string claims(const std::string& role, const std::string& room, std::int64_t exp) {
    return json_object()
        .add("sub", "u-handmade")
        .add("name", "Handmade")
        .add("role", role)
        .add("room", room)
        .add("exp", exp)
        .str();
}

// Expects hello with `token` to be refused: an error "forbidden", then close 1008.
void expect_refused(std::uint16_t port, const std::string& token, const std::string& room = "demo") {
    ws_client c;
    c.connect(port);
    auto first = c.hello({.room = room, .token = token, .name = "intruder"});
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

}  // namespace

TEST_CASE("a hand-signed valid token is accepted (the negative cases below depend on it)", "[integration][handshake]") {
    server_process server;
    auto token = sign_hs256(claims("viewer", "demo", unix_now() + 3600), server.secret());
    auto a = join_room(server.port(), {.room = "demo", .token = token, .name = "Handmade"});
    CHECK(a.welcome.str("you.role") == "viewer");
}

TEST_CASE("an invalid token is refused with forbidden, then close 1008", "[integration][handshake]") {
    server_process server;
    const std::string valid = server.token("viewer", "demo", "V");
    std::string tampered = valid;
    auto sig = tampered.rfind('.') + 5;
    tampered[sig] = tampered[sig] == 'A' ? 'B' : 'A';

    const std::vector<std::pair<std::string, std::string>> cases = {
        {"garbage", "not-a-jwt"},
        {"wrong secret", make_token({.secret = "some-other-secret", .role = "viewer"})},
        {"tampered signature", tampered},
        {"alg none", unsigned_token(claims("viewer", "demo", unix_now() + 3600))},
        {"expired", sign_hs256(claims("viewer", "demo", unix_now() - 3600), server.secret())},
        {"expired past the 30 s skew", sign_hs256(claims("viewer", "demo", unix_now() - 90), server.secret())},
        {"alg None (capitalised)", base64url(R"({"alg":"None","typ":"JWT"})") + "." +
                                       base64url(claims("viewer", "demo", unix_now() + 3600)) + "."},
        {"alg none over a valid MAC", sign_with_header(R"({"alg":"none","typ":"JWT"})",
                                                       claims("viewer", "demo", unix_now() + 3600), server.secret())},
        {"alg HS512 over an HS256 MAC", sign_with_header(R"({"alg":"HS512","typ":"JWT"})",
                                                         claims("viewer", "demo", unix_now() + 3600), server.secret())},
        {"alg RS256 (key confusion)", sign_with_header(R"({"alg":"RS256","typ":"JWT"})",
                                                       claims("viewer", "demo", unix_now() + 3600), server.secret())},
        {"signature of another token", valid.substr(0, valid.find('.') + 1) +
                                           base64url(claims("admin", "*", unix_now() + 3600)) +
                                           valid.substr(valid.rfind('.'))},
        {"no exp claim", sign_hs256(R"({"sub":"u-1","name":"N","role":"viewer","room":"demo"})", server.secret())},
        {"unknown role", sign_hs256(claims("superuser", "demo", unix_now() + 3600), server.secret())},
        {"viewer token for another room",
         sign_hs256(claims("viewer", "other-room", unix_now() + 3600), server.secret())},
    };
    for (const auto& [name, token] : cases) {
        INFO("token: " << name);
        expect_refused(server.port(), token);
    }
}

TEST_CASE("a token expired within the 30 s skew and a token for every room are accepted", "[integration][handshake]") {
    server_process server;
    auto skewed =
        join_room(server.port(),
                  {.room = "demo", .token = sign_hs256(claims("viewer", "demo", unix_now() - 10), server.secret())});
    CHECK(skewed.welcome.str("you.id") == "u-handmade");
    auto any_room = join_room(
        server.port(), {.room = "demo", .token = sign_hs256(claims("viewer", "*", unix_now() + 60), server.secret())});
    CHECK(any_room.welcome.str("you.role") == "viewer");
}

TEST_CASE("a host token for another room is refused, not downgraded", "[integration][handshake]") {
    server_process server;
    expect_refused(server.port(), server.token("host", "another-room", "H"));
}

TEST_CASE("no hello within the hello timeout: close 1008", "[integration][handshake]") {
    server_process server({.extra_args = {"--hello-timeout-ms", "300"}});
    ws_client c;
    c.connect(server.port());
    auto started = clock::now();
    REQUIRE(c.wait_closed(5s));
    auto elapsed = seconds_since(started);
    INFO("closed after " << elapsed << " s: " << c.end_description());
    CHECK(c.close_code() == std::optional<std::uint16_t>(1008));
    CHECK(elapsed >= 0.2);
    CHECK(elapsed < 3.0);
}

TEST_CASE("a frame larger than the limit: close 1009; one at the limit is fine", "[integration][handshake]") {
    server_process server;  // default --max-frame-bytes 4096
    auto a = join_room(server.port(), {.room = "demo", .name = "A"});

    auto padded_ping = [](const std::string& id, std::size_t total) {
        std::string head = json_object().add("type", "ping").add("id", id).str();
        head.pop_back();  // reopen the object
        head += ",\"pad\":\"";
        std::string frame = head + std::string(total - head.size() - 2, 'x') + "\"}";
        return frame;
    };

    std::string at_limit = padded_ping("at-limit", 4096);
    REQUIRE(at_limit.size() == 4096);
    a->send(at_limit);
    auto reply = a->reply_to("at-limit", 5s);
    INFO("4096-byte frame: " << (reply ? reply->text() : a->end_description()));
    CHECK(reply);
    CHECK_FALSE(a->closed());

    // Written past the WebSocket layer: the server may close while the frame is
    // still being written, and the write failing must not hide its close frame.
    std::string write_error;
    bool written = a->write_raw(masked_text_frame(padded_ping("too-big", 5000)), 5s, &write_error);
    REQUIRE(a->wait_closed(5s));
    INFO((written ? std::string("frame written") : write_error) << "; then " << a->end_description());
    CHECK(a->close_code() == std::optional<std::uint16_t>(1009));
}

TEST_CASE("an unknown request type gets bad_request and the connection stays usable", "[integration][handshake]") {
    server_process server;
    auto a = join_room(server.port(), {.room = "demo", .name = "A"});

    auto unknown = a->request(json_object().add("type", "no.such.request").add("id", "u1").str(), "u1");
    REQUIRE(unknown);
    INFO(unknown->text());
    CHECK(unknown->type() == "error");
    CHECK(unknown->str("code") == "bad_request");

    auto pong = a->request(json_object().add("type", "ping").add("id", "p1").str(), "p1");
    REQUIRE(pong);
    INFO(pong->text());
    CHECK(pong->type() == "ack");

    // An unparseable frame gets an error without id.
    a->send("{this is not json");
    auto error = a->wait_for_type("error", 5s);
    REQUIRE(error);
    INFO(error->text());
    CHECK_FALSE(error->has("id"));
}

TEST_CASE("a viewer's notice.set is forbidden and publishes nothing", "[integration][handshake]") {
    server_process server;
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto observer = join_room(server.port(), {.room = "demo", .name = "Observer"});
    seq_checker observer_seq;
    observer_seq.start(observer.welcome.u64("seq").value_or(0));
    auto viewer = join_room(server.port(), {.room = "demo", .token = server.token("viewer", "demo", "V"), .name = "V"});
    REQUIRE(viewer.welcome.str("you.role") == "viewer");
    auto guest = join_room(server.port(), {.room = "demo", .name = "Guest"});

    for (auto* c : {viewer.client.get(), guest.client.get()}) {
        auto reply = c->request(notice_request("v1", "viewers cannot pin this"), "v1");
        REQUIRE(reply);
        INFO(reply->text());
        CHECK(reply->type() == "error");
        CHECK(reply->str("code") == "forbidden");
    }

    // Then the host pins a marker: it must be the first notice the observer sees.
    auto ack = host->request(notice_request("m1", "marker"), "m1");
    REQUIRE(ack);
    REQUIRE(ack->type() == "ack");
    std::vector<json> before;
    auto notice = observer->wait_for(
        [&](const json& m) {
            if (m.type() == "skipped") {
                observer_seq.on_skipped(m.u64("from").value_or(0), m.u64("to").value_or(0));
            } else if (auto s = m.u64("seq")) {
                observer_seq.on_event(*s);
            }
            return m.type() == "notice";
        },
        5s, &before);
    REQUIRE(notice);
    CHECK(notice->str("text") == "marker");
    CHECK(observer_seq.ok());
    CHECK(observer_seq.first_problem() == "");
}

TEST_CASE("the welcome carries the contract's fields and snapshot", "[integration][handshake]") {
    server_process server;
    const auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto a = join_room(server.port(), {.room = "demo", .name = "Ada"});
    const json& w = a.welcome;
    INFO(w.text());
    CHECK(w.str("room") == "demo");
    CHECK(w.str("you.id").has_value());
    CHECK(w.str("you.name") == "Ada");
    CHECK(w.str("you.role") == "viewer");
    CHECK(w.u64("seq").has_value());
    CHECK(w.boolean("resumed") == false);
    auto server_time = w.i64("server_time");
    REQUIRE(server_time);
    CHECK(std::abs(*server_time - now_ms) < 600'000);

    REQUIRE(w.has("state"));
    CHECK(w.str("state.status") == "live");  // --demo makes a live room
    CHECK(w.has("state.ends_at"));
    const auto* card = w.find("state.card");
    REQUIRE(card);
    CHECK((card->IsObject() || card->IsNull()));
    CHECK(w.str("state.notice").has_value());
    const auto* questions = w.find("state.questions");
    REQUIRE(questions);
    CHECK(questions->IsArray());
    const auto* comments = w.find("state.comments");
    REQUIRE(comments);
    CHECK(comments->IsArray());
    const auto* quiz = w.find("state.quiz");
    REQUIRE(quiz);
    CHECK((quiz->IsObject() || quiz->IsNull()));
    for (const char* counter : {"online", "peak", "views", "likes"}) {
        INFO("state.presence." << counter);
        CHECK(w.i64(std::string("state.presence.") + counter).has_value());
    }

    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Hal"), .name = "Hal"});
    CHECK(host.welcome.str("you.role") == "host");
}
