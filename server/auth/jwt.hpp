#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/model.hpp"

namespace liveroom::auth {

// The contract's token claims.
struct claims {
    std::string sub;
    std::string name;
    protocol::role role = protocol::role::viewer;
    std::string room;      // a room id or "*"
    std::int64_t exp = 0;  // seconds since the epoch
};

enum class verify_error { malformed, bad_alg, bad_signature, expired, bad_claims };
std::string_view to_string(verify_error e) noexcept;

// Signs HS256 (HMAC-SHA-256 through OpenSSL).
std::string sign(const claims& c, std::string_view secret);

// header.payload.signature over hand-written header and payload JSON, signed
// HS256 whatever the header says: sign() with the standard header, and the
// way tests and the fuzz target reach the checks behind the signature.
std::string sign_raw(std::string_view header_json, std::string_view payload_json, std::string_view secret);

// Verifies signature (constant-time compare), alg == HS256 exactly, exp
// against `now_s` allowing `skew_s` seconds, and the claim types.
struct verified {
    std::optional<claims> ok;
    verify_error error = verify_error::malformed;
};
verified verify(std::string_view token, std::string_view secret, std::int64_t now_s, std::int64_t skew_s = 30);

// True when the token's room claim admits `room`.
inline bool admits(const claims& c, std::string_view room) {
    return c.room == "*" || c.room == room;
}

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace liveroom::auth
