// Cross-site WebSocket hijacking: the Origin allow-list on /ws upgrades
// (--allowed-origins; by default the same host and clients without Origin).
#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/process.hpp"
#include "tests/support/raw_tcp.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

// A WebSocket upgrade of /ws; `origin` "" sends no Origin header.
http_response upgrade(std::uint16_t port, const std::string& origin) {
    http_headers headers = {{"Connection", "Upgrade"},
                            {"Upgrade", "websocket"},
                            {"Sec-WebSocket-Version", "13"},
                            {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    if (!origin.empty()) {
        headers.emplace_back("Origin", origin);
    }
    return http_get(port, "/ws", headers, 5s);
}

void expect_accepted(std::uint16_t port, const std::string& origin) {
    INFO("Origin: " << (origin.empty() ? "(none)" : origin));
    const auto res = upgrade(port, origin);
    CHECK(res.status == 101);
    CHECK(res.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455's example key
}

void expect_refused(std::uint16_t port, const std::string& origin) {
    INFO("Origin: " << origin);
    const auto res = upgrade(port, origin);
    CHECK(res.status == 403);
    const auto body = res.body_json();
    REQUIRE(body);
    CHECK(body->str("error.code") == "forbidden");
    CHECK(body->str("error.message").value_or("").find("origin") != std::string::npos);
}

std::int64_t refusals(std::uint16_t port) {
    return scrape_metric(port, "liveroom_ws_refused_origin_total").value_or(-1);
}

}  // namespace

TEST_CASE("by default /ws admits the same host and clients without Origin, and refuses other sites",
          "[integration][origin]") {
    server_process server;
    const std::string port = std::to_string(server.port());
    CHECK(refusals(server.port()) == 0);

    expect_accepted(server.port(), "");                          // not a browser
    expect_accepted(server.port(), "http://127.0.0.1:" + port);  // the pages of this server
    expect_accepted(server.port(), "HTTP://127.0.0.1:" + port);  // scheme and host are case-insensitive
    CHECK(refusals(server.port()) == 0);

    expect_refused(server.port(), "https://evil.example");
    expect_refused(server.port(), "http://127.0.0.1");  // same host, another port: another origin
    expect_refused(server.port(), "http://127.0.0.1:" + std::to_string(server.port() == 1 ? 2 : 1));
    expect_refused(server.port(), "null");  // sandboxed frames, file: pages
    expect_refused(server.port(), "http://127.0.0.1:" + port + "/path");
    CHECK(refusals(server.port()) == 5);
}

TEST_CASE("an upgrade with two Origin headers is refused", "[integration][origin]") {
    server_process server;
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    raw_tcp c(server.port());
    REQUIRE(c.write("GET /ws HTTP/1.1\r\nHost: " + host +
                        "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://" +
                        host + "\r\nOrigin: https://evil.example\r\n\r\n",
                    5s));
    const auto r = c.read_until_closed(5s);
    INFO(r.data.substr(0, 300));
    CHECK(r.data.rfind("HTTP/1.1 403", 0) == 0);
    CHECK(r.closed);
    CHECK(refusals(server.port()) == 1);
}

TEST_CASE("--allowed-origins admits the listed sites besides the same host", "[integration][origin]") {
    server_process server(
        {.extra_args = {"--allowed-origins", "https://app.example.com, http://partner.example:8080"}});
    expect_accepted(server.port(), "https://app.example.com");
    expect_accepted(server.port(), "https://APP.example.com:443");  // the default port, spelled out
    expect_accepted(server.port(), "http://partner.example:8080");
    expect_accepted(server.port(), "http://127.0.0.1:" + std::to_string(server.port()));
    expect_accepted(server.port(), "");
    CHECK(refusals(server.port()) == 0);

    expect_refused(server.port(), "http://app.example.com");  // http is another origin than https
    expect_refused(server.port(), "http://partner.example");
    expect_refused(server.port(), "https://evil.example");
    CHECK(refusals(server.port()) == 3);
}

TEST_CASE("a malformed --allowed-origins stops the server at start-up", "[integration][origin]") {
    for (const std::string bad : {"https://app.example.com/path", "app.example.com", "ftp://x.example", "null"}) {
        INFO("--allowed-origins " << bad);
        const auto r = run_command(
            {server_binary(), "--secret", "integration-test-secret", "--port", "0", "--allowed-origins", bad}, 10s);
        REQUIRE(r.status);
        CHECK_FALSE(r.ok());
        CHECK(r.err.find("--allowed-origins") != std::string::npos);
    }
}
