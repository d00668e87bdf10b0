// TLS (--tls-cert/--tls-key): https and wss on the same port, with a
// self-signed certificate made at test time; plain HTTP on that port is
// redirected to https and a plain WebSocket upgrade fails.
#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/metrics_scrape.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tls_client.hpp"

using namespace liveroom::test;

namespace {

struct tls_server {
    temp_dir dir;
    test_certificate cert = make_test_certificate(dir.path().string());
    server_process server{{.extra_args = {"--tls-cert", cert.cert_file, "--tls-key", cert.key_file}}};
    tls_options client{.ca_file = cert.cert_file};
};

}  // namespace

TEST_CASE("wss: a viewer joins over TLS, gets its welcome and pings", "[integration][tls]") {
    tls_server t;
    wss_client c(t.server.port(), t.client);
    c.send(hello_args{.room = "demo", .name = "secure"}.to_json());
    auto welcome = c.receive();
    REQUIRE(welcome);
    INFO(welcome->text());
    CHECK(welcome->type() == "welcome");
    CHECK(welcome->str("you.name") == "secure");
    auto pong = c.request(R"({"type":"ping","id":"p1"})", "p1");
    REQUIRE(pong);
    CHECK(pong->type() == "ack");
    c.close();
}

TEST_CASE("wss: a host's notice reaches a viewer over TLS", "[integration][tls]") {
    tls_server t;
    wss_client viewer(t.server.port(), t.client);
    viewer.send(hello_args{.room = "demo", .name = "v"}.to_json());
    REQUIRE(viewer.receive());
    wss_client host(t.server.port(), t.client);
    host.send(hello_args{.room = "demo", .token = t.server.token("host", "demo", "Host"), .name = "Host"}.to_json());
    REQUIRE(host.receive());
    auto ack = host.request(notice_request("n1", "over TLS"), "n1");
    REQUIRE(ack);
    CHECK(ack->type() == "ack");
    for (;;) {
        auto m = viewer.receive();
        REQUIRE(m);
        if (m->type() == "notice") {
            CHECK(m->str("text") == "over TLS");
            break;
        }
    }
}

TEST_CASE("SIGTERM closes a wss connection with 1001 over TLS and the server exits 0", "[integration][tls]") {
    tls_server t;
    wss_client c(t.server.port(), t.client);
    c.send(hello_args{.room = "demo", .name = "v"}.to_json());
    REQUIRE(c.receive());
    t.server.terminate();
    while (c.receive()) {
    }
    CHECK(c.close_code() == std::optional<std::uint16_t>(1001));
    const auto status = t.server.wait_exit(10s);
    REQUIRE(status);
    CHECK(exited_with(*status, 0));
}

TEST_CASE("https serves the pages and the API on the same port", "[integration][tls]") {
    tls_server t;
    const auto page = https_get(t.server.port(), "/", t.client);
    CHECK(page.status == 200);
    CHECK(page.header("content-type").find("text/html") != std::string::npos);
    CHECK(https_get(t.server.port(), "/healthz", t.client).status == 200);
    const auto rooms = https_get(t.server.port(), "/api/public/rooms", t.client);
    CHECK(rooms.status == 200);
    CHECK(rooms.body.find("demo") != std::string::npos);
}

TEST_CASE("plain HTTP on the TLS port is redirected to https; a plain WebSocket fails", "[integration][tls]") {
    tls_server t;
    const auto port = t.server.port();
    const auto res = http_get(port, "/room/demo");
    CHECK(res.status == 308);
    CHECK(res.header("location") == "https://127.0.0.1:" + std::to_string(port) + "/room/demo");
    ws_client plain;
    CHECK_THROWS(plain.connect(port));
    // Metrics are served over https only, too.
    const auto metrics = https_get(port, "/metrics", t.client);
    CHECK(metrics.body.find("liveroom_http_plain_on_tls_total 2") != std::string::npos);
}

TEST_CASE("a client that does not trust the certificate fails the handshake; the server goes on",
          "[integration][tls]") {
    tls_server t;
    temp_dir other;
    const auto stranger = make_test_certificate(other.path().string());
    CHECK_THROWS(https_get(t.server.port(), "/healthz", {.ca_file = stranger.cert_file}));
    CHECK(https_get(t.server.port(), "/healthz", t.client).status == 200);
}

TEST_CASE("a missing or unreadable certificate stops the server at start with exit code 2", "[integration][tls]") {
    temp_dir dir;
    const auto r =
        run_command({server_binary(), "--port", "0", "--secret", "integration-test-secret", "--data-dir",
                     dir.path().string(), "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"},
                    20s);
    REQUIRE(r.status);
    INFO(r.err);
    CHECK(exited_with(*r.status, 2));
    CHECK(r.err.find("--tls-cert") != std::string::npos);
    const auto half = run_command(
        {server_binary(), "--port", "0", "--secret", "integration-test-secret", "--tls-cert", "/nonexistent/cert.pem"},
        20s);
    REQUIRE(half.status);
    CHECK_FALSE(exited_with(*half.status, 0));
    CHECK(half.err.find("go together") != std::string::npos);
}
