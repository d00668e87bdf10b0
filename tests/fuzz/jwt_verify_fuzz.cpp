// libFuzzer target: auth::verify, the token check every hello and REST call
// runs on attacker-chosen bytes. The first input byte picks a mode:
//   0: the rest is a token as received (must never verify: the fuzzer does
//      not know the secret);
//   1: the rest is "<header JSON>\xff<payload JSON>", which the target signs
//      with the secret, so the claim checks behind the signature are reached;
//      an accepted token must have alg exactly "HS256" and sane claims, and
//      re-signing its claims must verify to the same claims;
//   2: base64url: encode/decode round-trip and canonical decoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "server/auth/jwt.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace liveroom;

constexpr std::string_view secret = "fuzzing-secret-0123456789";
constexpr std::int64_t now_s = 1'800'000'000;
constexpr std::int64_t skew_s = 30;

void check_claims(const auth::claims& c) {
    LR_FUZZ_CHECK(!c.sub.empty() && c.sub.size() <= 64);
    LR_FUZZ_CHECK(!c.room.empty());
    LR_FUZZ_CHECK(c.exp >= now_s - skew_s);
}

void raw_token(std::string_view token) {
    const auto v = auth::verify(token, secret, now_s, skew_s);
    LR_FUZZ_CHECK(!v.ok);
}

void signed_token(std::string_view rest) {
    const auto sep = rest.find('\xff');
    if (sep == std::string_view::npos) {
        return;
    }
    const std::string_view header = rest.substr(0, sep);
    const std::string_view payload = rest.substr(sep + 1);
    const std::string token = auth::sign_raw(header, payload, secret);
    const auto v = auth::verify(token, secret, now_s, skew_s);
    if (!v.ok) {
        return;
    }
    rapidjson::Document h;
    h.Parse(header.data(), header.size());
    LR_FUZZ_CHECK(!h.HasParseError() && h.IsObject());
    const auto alg = h.FindMember("alg");
    LR_FUZZ_CHECK(alg != h.MemberEnd() && alg->value.IsString());
    LR_FUZZ_CHECK(std::string_view(alg->value.GetString(), alg->value.GetStringLength()) == "HS256");
    check_claims(*v.ok);
    const auto again = auth::verify(auth::sign(*v.ok, secret), secret, now_s, skew_s);
    LR_FUZZ_CHECK(again.ok.has_value());
    LR_FUZZ_CHECK(again.ok->sub == v.ok->sub && again.ok->name == v.ok->name && again.ok->role == v.ok->role &&
                  again.ok->room == v.ok->room && again.ok->exp == v.ok->exp);
}

void base64(std::string_view bytes) {
    const auto decoded = auth::base64url_decode(auth::base64url_encode(bytes));
    LR_FUZZ_CHECK(decoded && *decoded == bytes);
    if (const auto d = auth::base64url_decode(bytes)) {
        LR_FUZZ_CHECK(auth::base64url_encode(*d) == bytes);  // one encoding per value
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 3) {
        case 0:
            raw_token(rest);
            break;
        case 1:
            signed_token(rest);
            break;
        default:
            base64(rest);
            break;
    }
    return 0;
}
