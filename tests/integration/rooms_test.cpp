// Rooms: created over REST by an admin; many rooms at once keep their events apart.
#include <algorithm>
#include <cstdio>

#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

std::string room_body(const std::string& id, const std::string& title) {
    return json_object().add("id", id).add("title", title).add("allow_guests", true).str();
}

std::string room_id(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "r%03zu", i);
    return buf;
}

bool is_error_json(const http_response& res) {
    auto body = res.body_json();
    return body && body->str("error.code").has_value();
}

}  // namespace

TEST_CASE("REST: only an admin creates rooms; a duplicate id is 409", "[integration][rooms]") {
    server_process server;
    const std::string body = room_body("r1", "Room one");

    auto anonymous = http_post(server.port(), "/api/rooms", body);
    INFO("without a token: " << anonymous.status << " " << anonymous.body);
    CHECK((anonymous.status == 401 || anonymous.status == 403));
    CHECK(is_error_json(anonymous));

    auto as_viewer = http_post(server.port(), "/api/rooms", body, bearer(server.token("viewer", "*", "V")));
    INFO("with a viewer token: " << as_viewer.status << " " << as_viewer.body);
    CHECK((as_viewer.status == 401 || as_viewer.status == 403));
    CHECK(is_error_json(as_viewer));

    const std::string admin = server.token("admin", "*", "Admin");
    auto created = http_post(server.port(), "/api/rooms", body, bearer(admin));
    INFO("create: " << created.status << " " << created.body);
    REQUIRE(created.status == 201);
    auto room = created.body_json();
    REQUIRE(room);
    CHECK(room->str("id") == "r1");
    CHECK(room->str("title") == "Room one");
    if (room->has("status")) {
        CHECK(room->str("status") == "scheduled");
    }

    auto duplicate = http_post(server.port(), "/api/rooms", body, bearer(admin));
    INFO("duplicate: " << duplicate.status << " " << duplicate.body);
    CHECK(duplicate.status == 409);
    auto error = duplicate.body_json();
    REQUIRE(error);
    CHECK(error->str("error.code") == "duplicate");

    auto fetched = http_get(server.port(), "/api/rooms/r1", bearer(admin));
    INFO("GET /api/rooms/r1: " << fetched.status << " " << fetched.body);
    CHECK(fetched.status == 200);
    auto fetched_room = fetched.body_json();
    REQUIRE(fetched_room);
    CHECK(fetched_room->str("id") == "r1");
}

TEST_CASE("200 rooms at once stay isolated", "[integration][rooms]") {
    const std::size_t rooms = env_or("LIVEROOM_ROOMS", 200);
    server_process server;
    const std::string admin = server.token("admin", "*", "Admin");

    std::vector<std::string> ids;
    for (std::size_t i = 0; i < rooms; ++i) {
        ids.push_back(room_id(i));
        auto res = http_post(server.port(), "/api/rooms", room_body(ids.back(), "Room " + ids.back()), bearer(admin));
        INFO("create " << ids.back() << ": " << res.status << " " << res.body);
        REQUIRE(res.status == 201);
    }

    // One host connection per room, all with the same token for every room ("*").
    const std::string host_token = server.token("host", "*", "Host");
    std::vector<joined> hosts;
    for (const auto& id : ids) {
        hosts.push_back(join_room(server.port(), {.room = id, .token = host_token, .name = "Host"}));
        REQUIRE(hosts.back().welcome.str("you.role") == "host");
        REQUIRE(hosts.back().welcome.str("room") == id);
    }

    // One viewer per room.
    swarm_options options;
    options.port = server.port();
    options.rooms = ids;
    options.viewers = rooms;
    options.keep_notice_texts = 8;
    viewer_swarm swarm(options);
    swarm.start();
    if (!swarm.wait_welcomed(30s)) {
        swarm.stop();
        FAIL(
            summarize_reports(swarm.reports(), [](const viewer_report& r) { return r.welcomed && r.failure.empty(); }));
    }

    // Two rounds of a distinct notice into each room.
    for (const std::string round : {"first", "second"}) {
        for (std::size_t i = 0; i < rooms; ++i) {
            hosts[i]->send(notice_request(round + "-" + ids[i], round + ":" + ids[i]));
        }
        for (std::size_t i = 0; i < rooms; ++i) {
            auto reply = hosts[i]->reply_to(round + "-" + ids[i], 10s);
            INFO("room " << ids[i] << " round " << round);
            REQUIRE(reply);
            REQUIRE(reply->type() == "ack");
        }
        const std::uint64_t want = round == "first" ? 1 : 2;
        swarm.wait_until(
            [&] {
                for (std::size_t i = 0; i < swarm.size(); ++i) {
                    if (swarm.notices(i) < want && !swarm.ended(i)) {
                        return false;
                    }
                }
                return true;
            },
            20s);
    }
    swarm.stop();
    auto reports = swarm.reports();
    auto isolated = [](const viewer_report& r) {
        std::vector<std::string> expected = {"first:" + r.room, "second:" + r.room};
        return r.welcomed && r.failure.empty() && !r.ended && r.gaps == 0 && r.backwards == 0 && r.notices == 2 &&
               r.notice_texts == expected;
    };
    INFO(summarize_reports(reports, isolated));
    CHECK(std::all_of(reports.begin(), reports.end(), isolated));
    CHECK(server.alive());
}
