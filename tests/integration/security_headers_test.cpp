// The pages from web/ go out with a strict Content-Security-Policy and the
// other security headers, and hold nothing that policy would block.
#include <regex>

#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

TEST_CASE("every page carries a strict CSP and the security headers", "[integration][http][security]") {
    server_process server;
    for (const std::string page : {"/", "/room/demo", "/console/demo", "/dashboard/demo"}) {
        INFO("GET " << page);
        const auto res = http_get(server.port(), page);
        REQUIRE(res.status == 200);
        CHECK(res.header("content-type").rfind("text/html", 0) == 0);
        const std::string csp = res.header("content-security-policy");
        INFO("CSP: " << csp);
        CHECK(csp.find("default-src 'self'") != std::string::npos);
        CHECK(csp.find("script-src 'self';") != std::string::npos);
        CHECK(csp.find("style-src 'self';") != std::string::npos);
        CHECK(csp.find("object-src 'none'") != std::string::npos);
        CHECK(csp.find("base-uri 'none'") != std::string::npos);
        CHECK(csp.find("form-action 'self'") != std::string::npos);
        CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
        CHECK(csp.find("unsafe-inline") == std::string::npos);
        CHECK(csp.find("unsafe-eval") == std::string::npos);
        CHECK(res.header("x-frame-options") == "DENY");
        CHECK(res.header("x-content-type-options") == "nosniff");
        CHECK(res.header("referrer-policy") == "no-referrer");
        CHECK(res.header("cross-origin-opener-policy") == "same-origin");
        const std::string permissions = res.header("permissions-policy");
        CHECK(permissions.find("camera=()") != std::string::npos);
        CHECK(permissions.find("microphone=()") != std::string::npos);
        CHECK(permissions.find("geolocation=()") != std::string::npos);
    }
}

TEST_CASE("scripts, styles and API answers are not sniffed", "[integration][http][security]") {
    server_process server;
    for (const std::string path : {"/js/liveroom.js", "/css/room.css", "/api/rooms", "/healthz"}) {
        INFO("GET " << path);
        const auto res = http_get(server.port(), path);
        CHECK(res.header("x-content-type-options") == "nosniff");
        CHECK(res.header("referrer-policy") == "no-referrer");
    }
    CHECK(http_get(server.port(), "/js/liveroom.js").header("content-type").rfind("text/javascript", 0) == 0);
    CHECK(http_get(server.port(), "/css/room.css").header("content-type").rfind("text/css", 0) == 0);
}

TEST_CASE("the pages hold no inline script, inline style or event handler attribute", "[integration][http][security]") {
    // What the CSP above would block, as served: the pages must not need it.
    server_process server;
    const std::regex inline_script(R"(<script(?![^>]*\ssrc=)[^>]*>)", std::regex::icase);
    const std::regex style_element(R"(<style[\s>])", std::regex::icase);
    const std::regex style_attribute(R"(<[^>]*\sstyle\s*=)", std::regex::icase);
    const std::regex handler_attribute(R"(<[^>]*\son[a-z]+\s*=)", std::regex::icase);
    const std::regex javascript_url(R"(javascript:)", std::regex::icase);
    for (const std::string page : {"/", "/room/demo", "/console/demo", "/dashboard/demo"}) {
        INFO("GET " << page);
        const auto res = http_get(server.port(), page);
        REQUIRE(res.status == 200);
        CHECK_FALSE(std::regex_search(res.body, inline_script));
        CHECK_FALSE(std::regex_search(res.body, style_element));
        CHECK_FALSE(std::regex_search(res.body, style_attribute));
        CHECK_FALSE(std::regex_search(res.body, handler_attribute));
        CHECK_FALSE(std::regex_search(res.body, javascript_url));
    }
}
