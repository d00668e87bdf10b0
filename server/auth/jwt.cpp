#include "server/auth/jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/text.hpp"

namespace liveroom::auth {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

std::string_view to_string(verify_error e) noexcept {
    switch (e) {
        case verify_error::malformed:
            return "malformed token";
        case verify_error::bad_alg:
            return "token algorithm must be HS256";
        case verify_error::bad_signature:
            return "bad token signature";
        case verify_error::expired:
            return "token expired";
        case verify_error::bad_claims:
            return "token claims invalid";
    }
    return "invalid token";
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = b[i] << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (i + 2 == bytes.size()) {
        const unsigned v = (b[i] << 16) | (b[i + 1] << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : text) {
        int v = -1;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == '-') {
            v = 62;
        } else if (c == '_') {
            v = 63;
        } else {
            return std::nullopt;  // no padding, no standard alphabet
        }
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;  // non-canonical trailing bits
    }
    return out;
}

std::string sign(const claims& c, std::string_view secret) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("sub");
    w.String(c.sub.c_str(), static_cast<rapidjson::SizeType>(c.sub.size()));
    w.Key("name");
    w.String(c.name.c_str(), static_cast<rapidjson::SizeType>(c.name.size()));
    w.Key("role");
    const auto role = protocol::to_string(c.role);
    w.String(role.data(), static_cast<rapidjson::SizeType>(role.size()));
    w.Key("room");
    w.String(c.room.c_str(), static_cast<rapidjson::SizeType>(c.room.size()));
    w.Key("exp");
    w.Int64(c.exp);
    w.EndObject();
    return sign_raw(R"({"alg":"HS256","typ":"JWT"})", std::string_view(buf.GetString(), buf.GetSize()), secret);
}

std::string sign_raw(std::string_view header_json, std::string_view payload_json, std::string_view secret) {
    std::string signing_input = base64url_encode(header_json) + "." + base64url_encode(payload_json);
    const std::string mac = hmac_sha256(secret, signing_input);
    return signing_input + "." + base64url_encode(mac);
}

verified verify(std::string_view token, std::string_view secret, std::int64_t now_s, std::int64_t skew_s) {
    verified out;
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
        return out;
    }
    auto header = base64url_decode(token.substr(0, dot1));
    auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    auto sig = base64url_decode(token.substr(dot2 + 1));
    if (!header || !payload || !sig) {
        return out;
    }
    rapidjson::Document h;
    h.Parse(header->data(), header->size());
    if (h.HasParseError() || !h.IsObject()) {
        return out;
    }
    auto alg = h.FindMember("alg");
    if (alg == h.MemberEnd() || !alg->value.IsString() ||
        std::string_view(alg->value.GetString(), alg->value.GetStringLength()) != "HS256") {  // "HS256\u0000x" too
        out.error = verify_error::bad_alg;  // "none", RS256 (key confusion), anything else
        return out;
    }
    const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
    if (sig->size() != expected.size() || CRYPTO_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
        out.error = verify_error::bad_signature;
        return out;
    }
    rapidjson::Document p;
    p.Parse<rapidjson::kParseValidateEncodingFlag>(payload->data(), payload->size());
    if (p.HasParseError() || !p.IsObject()) {
        out.error = verify_error::bad_claims;
        return out;
    }
    auto str = [&](const char* k) -> const rapidjson::Value* {
        auto it = p.FindMember(k);
        return it != p.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
    };
    const auto* sub = str("sub");
    const auto* role = str("role");
    const auto* room = str("room");
    const auto* name = str("name");
    auto exp = p.FindMember("exp");
    // The parser lets a lone surrogate escape ("\udc00") through as invalid UTF-8.
    auto utf8 = [](const rapidjson::Value* v) {
        return v == nullptr || protocol::valid_utf8(std::string_view(v->GetString(), v->GetStringLength()));
    };
    if (sub == nullptr || role == nullptr || room == nullptr || exp == p.MemberEnd() || !exp->value.IsInt64() ||
        sub->GetStringLength() == 0 || sub->GetStringLength() > 64 || room->GetStringLength() == 0 || !utf8(sub) ||
        !utf8(room) || !utf8(name)) {
        out.error = verify_error::bad_claims;
        return out;
    }
    auto r = protocol::parse_role(std::string_view(role->GetString(), role->GetStringLength()));
    if (!r) {
        out.error = verify_error::bad_claims;
        return out;
    }
    if (exp->value.GetInt64() < now_s - skew_s) {  // not exp + skew: exp may be INT64_MAX
        out.error = verify_error::expired;
        return out;
    }
    claims c;
    c.sub.assign(sub->GetString(), sub->GetStringLength());
    c.name = name != nullptr ? std::string(name->GetString(), name->GetStringLength()) : std::string();
    c.role = *r;
    c.room.assign(room->GetString(), room->GetStringLength());
    c.exp = exp->value.GetInt64();
    out.ok = std::move(c);
    return out;
}

}  // namespace liveroom::auth
