#pragma once

#include <string>
#include <string_view>

namespace liveroom::test {

// Hand-made tokens for the negative handshake tests (valid tokens come from
// the server binary's `token` subcommand, see make_token).

// base64url without padding, as JWTs use it.
std::string base64url(std::string_view bytes);

// header.payload.signature with alg HS256, signed with `secret`.
std::string sign_hs256(std::string_view payload_json, std::string_view secret);

// header.payload signed with HMAC-SHA-256 whatever the header says (alg
// confusion: a header claiming "none", "HS512" or "RS256" over a valid MAC).
std::string sign_with_header(std::string_view header_json, std::string_view payload_json, std::string_view secret);

// A token whose header says alg "none" and which carries no signature.
std::string unsigned_token(std::string_view payload_json);

}  // namespace liveroom::test
