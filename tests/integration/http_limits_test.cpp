// HTTP request limits: body size (413), header size (431) and the request
// deadline against slowloris, each breach counted in /metrics.
#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/raw_tcp.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

std::int64_t counter(std::uint16_t port, const std::string& name) {
    return scrape_metric(port, name).value_or(-1);
}

void check_too_large(const http_response& res, int status) {
    CHECK(res.status == status);
    CHECK(res.header("connection") == "close");
    const auto body = res.body_json();
    REQUIRE(body);
    CHECK(body->str("error.code") == "too_large");
}

}  // namespace

TEST_CASE("a body over --max-body-bytes gets 413 and closes, also while the client is still sending",
          "[integration][http][limits]") {
    server_process server({.extra_args = {"--max-body-bytes", "1024"}});
    const char* name = "liveroom_http_body_too_large_total";
    CHECK(counter(server.port(), name) == 0);

    // At the limit: the request is read and answered (the API wants a token).
    const auto at_limit = http_post(server.port(), "/api/rooms", std::string(1024, ' '));
    CHECK(at_limit.status != 413);
    CHECK(counter(server.port(), name) == 0);

    check_too_large(http_post(server.port(), "/api/rooms", std::string(1025, ' ')), 413);
    CHECK(counter(server.port(), name) == 1);

    // Far over the limit: the answer is sent after the header, while the
    // client is still writing megabytes; the server reads and drops them so
    // the client gets the 413 and not a reset.
    check_too_large(http_post(server.port(), "/api/rooms", std::string(8 * 1024 * 1024, 'x')), 413);
    CHECK(counter(server.port(), name) == 2);

    CHECK(http_get(server.port(), "/healthz").status == 200);  // the server is fine
}

TEST_CASE("header fields over --max-header-bytes get 431 and close", "[integration][http][limits]") {
    server_process server({.extra_args = {"--max-header-bytes", "2048"}});
    const char* name = "liveroom_http_header_too_large_total";
    CHECK(counter(server.port(), name) == 0);

    CHECK(http_get(server.port(), "/healthz", {{"X-Padding", std::string(1000, 'a')}}).status == 200);
    CHECK(counter(server.port(), name) == 0);

    check_too_large(http_get(server.port(), "/healthz", {{"X-Padding", std::string(3000, 'a')}}), 431);
    CHECK(counter(server.port(), name) == 1);

    // Many small fields count together.
    http_headers many;
    for (int i = 0; i < 100; ++i) {
        many.emplace_back("X-Field-" + std::to_string(i), std::string(40, 'b'));
    }
    check_too_large(http_get(server.port(), "/healthz", many), 431);
    CHECK(counter(server.port(), name) == 2);
}

TEST_CASE("a client that sends half a request line and stalls is dropped at the deadline (slowloris)",
          "[integration][http][limits]") {
    server_process server({.extra_args = {"--handshake-timeout-ms", "500"}});
    const char* name = "liveroom_http_request_timeouts_total";
    CHECK(counter(server.port(), name) == 0);

    raw_tcp stalled(server.port());
    const auto start = clock::now();
    REQUIRE(stalled.write("GET /healthz HT", 5s));
    // Meanwhile the server answers others.
    CHECK(http_get(server.port(), "/healthz").status == 200);
    const auto r = stalled.read_until_closed(10s);
    const double waited = seconds_since(start);
    INFO("read: '" << r.data << "', " << r.how << " after " << waited << " s");
    CHECK(r.closed);
    CHECK(r.data.empty());  // dropped without an answer
    CHECK(waited >= 0.4);
    CHECK(waited < 5.0);
    CHECK(counter(server.port(), name) == 1);
}

TEST_CASE("the request deadline is one for the whole request: trickling bytes does not extend it",
          "[integration][http][limits]") {
    server_process server({.extra_args = {"--handshake-timeout-ms", "500"}});
    raw_tcp trickle(server.port());
    const auto start = clock::now();
    REQUIRE(trickle.write("GET /healthz HTTP/1.1\r\n", 5s));
    // A header line every 100 ms, each within any per-read timeout; the wait
    // between them is the bounded wait for the server's close.
    bool closed = false;
    for (int i = 0; i < 50 && !closed; ++i) {
        if (!trickle.write("X-Slow-" + std::to_string(i) + ": 1\r\n", 1s)) {
            closed = true;  // the server closed (reset) before this write
            break;
        }
        closed = trickle.read_until_closed(100ms).closed;
    }
    const double waited = seconds_since(start);
    INFO("closed after " << waited << " s");
    CHECK(closed);
    CHECK(waited < 2.5);
    CHECK(counter(server.port(), "liveroom_http_request_timeouts_total") == 1);
}

TEST_CASE("a keep-alive connection idle between requests is closed without counting as slowloris",
          "[integration][http][limits]") {
    server_process server({.extra_args = {"--handshake-timeout-ms", "500"}});
    raw_tcp idle(server.port());
    REQUIRE(idle.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s));
    const auto r = idle.read_until_closed(10s);
    INFO(r.data);
    CHECK(r.data.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(r.closed);
    CHECK(counter(server.port(), "liveroom_http_request_timeouts_total") == 0);
}
