// Plain HTTP on the WebSocket port: health, metrics, the pages.
#include <algorithm>
#include <cctype>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

// The sum of the samples of metric `name` (all label sets) in Prometheus text, or nullopt if absent.
std::optional<double> metric(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    std::string line;
    std::optional<double> sum;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line.rfind(name, 0) != 0) {
            continue;
        }
        std::size_t pos = name.size();
        if (pos < line.size() && line[pos] == '{') {
            pos = line.find('}', pos);
            if (pos == std::string::npos) {
                continue;
            }
            ++pos;
        }
        if (pos >= line.size() || line[pos] != ' ') {
            continue;  // a longer name with this prefix
        }
        try {
            sum = sum.value_or(0) + std::stod(line.substr(pos + 1));
        } catch (const std::exception&) {
        }
    }
    return sum;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

TEST_CASE("GET /healthz answers 200 ok", "[integration][http]") {
    server_process server;
    auto res = http_get(server.port(), "/healthz");
    CHECK(res.status == 200);
    std::string body = res.body;
    while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) {
        body.pop_back();
    }
    CHECK(body == "ok");
}

TEST_CASE("GET /metrics exposes the connection gauge and the published-events counter", "[integration][http]") {
    server_process server;
    auto first = http_get(server.port(), "/metrics");
    INFO(first.body.substr(0, 2000));
    REQUIRE(first.status == 200);
    CHECK(first.header("content-type").rfind("text/plain", 0) == 0);
    REQUIRE(metric(first.body, "liveroom_ws_connections"));
    REQUIRE(metric(first.body, "liveroom_events_published_total"));
    CHECK(first.body.find("# TYPE liveroom_ws_connections gauge") != std::string::npos);
    CHECK(first.body.find("# TYPE liveroom_events_published_total counter") != std::string::npos);
    const double published_before = *metric(first.body, "liveroom_events_published_total");

    // Three viewers and a host connected: the gauge shows them (it may lag a little).
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    std::vector<joined> viewers;
    for (int i = 0; i < 3; ++i) {
        std::string name = "m";
        name += std::to_string(i);
        viewers.push_back(join_room(server.port(), {.room = "demo", .name = name}));
    }
    std::string last;
    auto until_metric = [&](const std::string& name, double at_least) {
        deadline until(5s);
        for (;;) {
            auto res = http_get(server.port(), "/metrics");
            last = res.body;
            auto v = metric(res.body, name);
            if (v && *v >= at_least) {
                return true;
            }
            if (until.expired()) {
                return false;
            }
            std::this_thread::sleep_for(50ms);  // re-check a scraped value; there is no event to wait for
        }
    };
    {
        bool shown = until_metric("liveroom_ws_connections", 4);
        INFO("last scrape:\n" << last.substr(0, 2000));
        CHECK(shown);
    }

    REQUIRE(publish_notices(*host, 1).ok());
    {
        bool counted = until_metric("liveroom_events_published_total", published_before + 1);
        INFO("last scrape:\n" << last.substr(0, 2000));
        CHECK(counted);
    }
}

TEST_CASE("GET / serves the index page", "[integration][http]") {
    server_process server;
    auto res = http_get(server.port(), "/");
    INFO(res.status << " " << res.header("content-type") << "\n" << res.body.substr(0, 500));
    CHECK(res.status == 200);
    CHECK(res.header("content-type").find("text/html") != std::string::npos);
    auto body = lower(res.body);
    CHECK((body.find("<html") != std::string::npos || body.find("<!doctype html") != std::string::npos));
}

TEST_CASE("the public room list shows live and scheduled guest rooms without a token", "[integration][http]") {
    server_process server;
    auto res = http_get(server.port(), "/api/public/rooms");
    REQUIRE(res.status == 200);
    auto body = res.body_json();
    REQUIRE(body);
    auto rooms = body->items("rooms");
    REQUIRE(rooms.size() == 1);
    CHECK(rooms[0].str("id") == std::optional<std::string>("demo"));
    CHECK_FALSE(rooms[0].has("cards"));
    auto ended = http_get(server.port(), "/api/public/rooms?ended=1").body_json();
    REQUIRE(ended);
    CHECK(ended->items("rooms").empty());
}
