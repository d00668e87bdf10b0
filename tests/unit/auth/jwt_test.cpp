#include "server/auth/jwt.hpp"

#include <limits>

#include <catch2/catch.hpp>

using namespace liveroom::auth;
using liveroom::protocol::role;

namespace {
const std::string secret = "0123456789abcdef0123456789abcdef";
claims host() {
    return {"u1", "主持人", role::host, "demo", 2000000000};
}
}  // namespace

TEST_CASE("a signed token verifies with its claims", "[auth]") {
    auto v = verify(sign(host(), secret), secret, 1700000000);
    REQUIRE(v.ok);
    CHECK(v.ok->sub == "u1");
    CHECK(v.ok->name == "主持人");
    CHECK(v.ok->role == role::host);
    CHECK(admits(*v.ok, "demo"));
    CHECK_FALSE(admits(*v.ok, "other"));
}

TEST_CASE("forged, expired and alg-confused tokens are refused", "[auth]") {
    const std::string t = sign(host(), secret);
    CHECK(verify(t, "another-secret-of-16+", 1700000000).error == verify_error::bad_signature);
    CHECK(verify(t, secret, 2000000000 + 31).error == verify_error::expired);
    CHECK(verify(t, secret, 2000000000 + 29).ok);  // within the allowed skew
    // alg none: header {"alg":"none"} with the same payload and no signature
    const auto dot = t.find('.');
    const auto dot2 = t.find('.', dot + 1);
    const std::string none = base64url_encode(R"({"alg":"none","typ":"JWT"})") + t.substr(dot, dot2 - dot) + ".";
    CHECK(verify(none, secret, 1700000000).error == verify_error::bad_alg);
    const std::string rs = base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + t.substr(dot);
    CHECK(verify(rs, secret, 1700000000).error == verify_error::bad_alg);
    // a tampered payload (role upgraded) breaks the signature
    claims admin = host();
    admin.role = role::admin;
    const std::string other = sign(admin, "x-secret-x-secret-x");
    const auto odot = other.find('.');
    const std::string tampered =
        t.substr(0, dot) + other.substr(odot, other.find('.', odot + 1) - odot) + t.substr(dot2);
    CHECK(verify(tampered, secret, 1700000000).error == verify_error::bad_signature);
    CHECK_FALSE(verify("a.b", secret, 0).ok);
    CHECK_FALSE(verify("", secret, 0).ok);
    CHECK_FALSE(verify("!!!.???.###", secret, 0).ok);
}

TEST_CASE("base64url round trips and rejects padding", "[auth]") {
    for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
        CHECK(*base64url_decode(base64url_encode(s)) == s);
    }
    CHECK_FALSE(base64url_decode("Zg=="));
    CHECK_FALSE(base64url_decode("Z"));
}

namespace {
constexpr std::string_view claims_json = R"({"sub":"u1","role":"host","room":"demo","exp":2000000000})";
}  // namespace

// Found by tests/fuzz (jwt_verify).
TEST_CASE("alg is compared in full: HS256 followed by a NUL is refused", "[auth]") {
    CHECK(verify(sign_raw(R"({"alg":"HS256"})", claims_json, secret), secret, 1700000000).ok);
    CHECK(verify(sign_raw(R"({"alg":"HS256\u0000x"})", claims_json, secret), secret, 1700000000).error ==
          verify_error::bad_alg);
}

TEST_CASE("the largest exp does not overflow into expired", "[auth]") {
    claims c = host();
    c.exp = std::numeric_limits<std::int64_t>::max();
    CHECK(verify(sign(c, secret), secret, 1700000000).ok);
}

TEST_CASE("claims with a lone surrogate escape are refused", "[auth]") {
    const auto v =
        verify(sign_raw(R"({"alg":"HS256"})",
                        R"({"sub":"u1","name":"a\udc00","role":"host","room":"demo","exp":2000000000})", secret),
               secret, 1700000000);
    CHECK(v.error == verify_error::bad_claims);
    CHECK(verify(sign_raw(R"({"alg":"HS256"})", R"({"sub":"\udc00","role":"host","room":"demo","exp":2000000000})",
                          secret),
                 secret, 1700000000)
              .error == verify_error::bad_claims);
}
