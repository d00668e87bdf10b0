#include "server/net/ws_frame.hpp"

#include <array>
#include <cstring>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "protocol/text.hpp"

namespace liveroom::net::ws {

namespace {

event fail(std::uint16_t code, std::string_view why) {
    return event{.what = event::kind::fail, .payload = {}, .code = code, .why = why};
}

void unmask(char* data, std::uint64_t n, const unsigned char* key) noexcept {
    for (std::uint64_t i = 0; i < n; ++i) {
        data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ key[i & 3]);
    }
}

// Codes a peer may send (RFC 6455 §7.4, and the IANA registry's 1012–1014).
bool valid_close_code(std::uint16_t c) noexcept {
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

}  // namespace

event reader::next(std::string& in, std::size_t& pos) {
    if (!in_message_ && !partial_.empty()) {
        std::string().swap(partial_);  // the last assembled message was handled
    }
    for (;;) {
        const std::size_t avail = in.size() - pos;
        if (avail < 2) {
            return {};
        }
        const auto* p = reinterpret_cast<const unsigned char*>(in.data() + pos);
        const bool fin = (p[0] & 0x80) != 0;
        const unsigned op = p[0] & 0x0F;
        if ((p[0] & 0x70) != 0) {
            return fail(close_code::protocol_error, "reserved bits set");
        }
        if ((p[1] & 0x80) == 0) {
            return fail(close_code::protocol_error, "client frames must be masked");
        }
        const bool control = (op & 0x8) != 0;
        if (op > 2 && op != 8 && op != 9 && op != 10) {
            return fail(close_code::protocol_error, "unknown opcode");
        }
        std::uint64_t length = p[1] & 0x7F;
        std::size_t header = 2;
        if (control && (!fin || length > 125)) {
            return fail(close_code::protocol_error, "control frames are whole and at most 125 bytes");
        }
        if (length == 126) {
            if (avail < 4) {
                return {};
            }
            length = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
            if (length < 126) {
                return fail(close_code::protocol_error, "frame length not in its shortest form");
            }
        } else if (length == 127) {
            if (avail < 10) {
                return {};
            }
            length = 0;
            for (int i = 2; i < 10; ++i) {
                length = (length << 8) | p[i];
            }
            header = 10;
            if ((length >> 63) != 0 || length <= 0xFFFF) {
                return fail(close_code::protocol_error, "frame length not in its shortest form");
            }
        }
        if (!control) {
            if (op == 0 && !in_message_) {
                return fail(close_code::protocol_error, "continuation frame without a message");
            }
            if (op != 0 && in_message_) {
                return fail(close_code::protocol_error, "new message before the last one ended");
            }
            const std::uint64_t before = op == 0 ? partial_.size() : 0;
            if (length > max_message_ || before + length > max_message_) {
                return fail(close_code::too_big, "message too big");
            }
        }
        if (avail < header + 4 || avail - header - 4 < length) {
            return {};  // the mask key or part of the payload is still to come
        }
        const unsigned char* key = p + header;
        char* data = in.data() + pos + header + 4;
        unmask(data, length, key);
        pos += header + 4 + static_cast<std::size_t>(length);
        const std::string_view payload(data, static_cast<std::size_t>(length));

        switch (static_cast<opcode>(op)) {
            case opcode::ping:
                return event{.what = event::kind::ping, .payload = payload};
            case opcode::pong:
                return event{.what = event::kind::pong, .payload = payload};
            case opcode::close: {
                if (payload.empty()) {
                    return event{.what = event::kind::close, .code = close_code::no_status};
                }
                if (payload.size() == 1) {
                    return fail(close_code::protocol_error, "close frame with a one-byte payload");
                }
                const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                             static_cast<unsigned char>(payload[1]));
                if (!valid_close_code(code)) {
                    return fail(close_code::protocol_error, "invalid close code");
                }
                const std::string_view reason = payload.substr(2);
                if (!protocol::valid_utf8(reason)) {
                    return fail(close_code::bad_payload, "close reason is not UTF-8");
                }
                return event{.what = event::kind::close, .payload = reason, .code = code};
            }
            case opcode::text:
            case opcode::binary: {
                const bool text = op == 1;
                if (!fin) {
                    in_message_ = true;
                    partial_text_ = text;
                    partial_.assign(payload);
                    continue;
                }
                if (text && !protocol::valid_utf8(payload)) {
                    return fail(close_code::bad_payload, "text message is not UTF-8");
                }
                return event{.what = text ? event::kind::text : event::kind::binary, .payload = payload};
            }
            case opcode::cont:
                partial_.append(payload);
                if (!fin) {
                    continue;
                }
                in_message_ = false;
                if (partial_text_ && !protocol::valid_utf8(partial_)) {
                    return fail(close_code::bad_payload, "text message is not UTF-8");
                }
                return event{.what = partial_text_ ? event::kind::text : event::kind::binary, .payload = partial_};
        }
        return fail(close_code::protocol_error, "unknown opcode");
    }
}

std::size_t write_header(char* out, opcode op, std::uint64_t length) noexcept {
    out[0] = static_cast<char>(0x80 | static_cast<unsigned>(op));
    if (length < 126) {
        out[1] = static_cast<char>(length);
        return 2;
    }
    if (length <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<char>(length >> 8);
        out[3] = static_cast<char>(length & 0xFF);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) {
        out[2 + i] = static_cast<char>((length >> (56 - 8 * i)) & 0xFF);
    }
    return 10;
}

std::string control_frame(opcode op, std::string_view payload) {
    payload = payload.substr(0, 125);
    std::string out(2, '\0');
    out.resize(write_header(out.data(), op, payload.size()));
    out.append(payload);
    return out;
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
    std::size_t n = std::min<std::size_t>(reason.size(), 123);
    while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) {
        --n;  // do not cut a character in two
    }
    std::string payload;
    payload.reserve(2 + n);
    payload.push_back(static_cast<char>(code >> 8));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason.substr(0, n));
    return control_frame(opcode::close, payload);
}

std::string accept_key(std::string_view client_key) {
    static constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string text(client_key);
    text.append(guid);
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> b64{};
    const int n = EVP_EncodeBlock(b64.data(), digest.data(), static_cast<int>(digest.size()));
    return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

bool valid_client_key(std::string_view k) noexcept {
    if (k.size() != 24 || k.substr(22) != "==") {
        return false;
    }
    for (const char c : k.substr(0, 22)) {
        const bool b64 =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!b64) {
            return false;
        }
    }
    return true;
}

}  // namespace liveroom::net::ws
