#include "server/net/ws_frame.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/text.hpp"

using namespace liveroom::net::ws;
using kind = event::kind;
using liveroom::protocol::valid_utf8;

namespace {

using mask_key = std::array<unsigned char, 4>;
constexpr mask_key default_key{0x37, 0xFA, 0x21, 0x3D};  // the key of RFC 6455 §5.7's examples

// How a client frame spells its payload length: the shortest form (as
// required), or forced into the 16-bit or 64-bit form.
enum class length_form { shortest, bits16, bits64 };

// A client frame: `first` is the first header byte (FIN, RSV, opcode),
// `payload` is masked with `key` unless `masked` is false.
std::string client_frame(unsigned first,
                         std::string_view payload,
                         const mask_key& key = default_key,
                         length_form form = length_form::shortest,
                         bool masked = true) {
    std::string out;
    out.push_back(static_cast<char>(first));
    const unsigned mask_bit = masked ? 0x80 : 0;
    const std::uint64_t n = payload.size();
    if (form == length_form::shortest && n < 126) {
        out.push_back(static_cast<char>(mask_bit | n));
    } else if (form == length_form::bits16 || (form == length_form::shortest && n <= 0xFFFF)) {
        out.push_back(static_cast<char>(mask_bit | 126));
        out.push_back(static_cast<char>((n >> 8) & 0xFF));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(mask_bit | 127));
        for (int i = 0; i < 8; ++i) {
            out.push_back(static_cast<char>((n >> (56 - 8 * i)) & 0xFF));
        }
    }
    if (masked) {
        for (const unsigned char k : key) {
            out.push_back(static_cast<char>(k));
        }
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const auto c = static_cast<unsigned char>(payload[i]);
        out.push_back(static_cast<char>(masked ? c ^ key[i & 3] : c));
    }
    return out;
}

// First header bytes.
constexpr unsigned fin = 0x80;
constexpr unsigned op_cont = 0x0, op_text = 0x1, op_binary = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

std::string masked(unsigned first, std::string_view payload, length_form form = length_form::shortest) {
    return client_frame(first, payload, default_key, form);
}

// A header alone, claiming `length` payload bytes (none of which follow).
std::string header_only(unsigned first, std::uint64_t length) {
    std::string h = client_frame(first, "");
    h.resize(1);
    if (length < 126) {
        h.push_back(static_cast<char>(0x80 | length));
    } else if (length <= 0xFFFF) {
        h.push_back(static_cast<char>(0x80 | 126));
        h.push_back(static_cast<char>(length >> 8));
        h.push_back(static_cast<char>(length & 0xFF));
    } else {
        h.push_back(static_cast<char>(0x80 | 127));
        for (int i = 0; i < 8; ++i) {
            h.push_back(static_cast<char>((length >> (56 - 8 * i)) & 0xFF));
        }
    }
    return h;
}

std::string close_payload(std::uint16_t code, std::string_view reason = {}) {
    std::string p;
    p.push_back(static_cast<char>(code >> 8));
    p.push_back(static_cast<char>(code & 0xFF));
    p.append(reason);
    return p;
}

// Runs one fresh reader on `bytes` and returns its first event.
struct one_result {
    event::kind what;
    std::string payload;
    std::uint16_t code;
    std::size_t pos;
};
one_result first_event(std::string bytes, std::size_t max_message = 1024) {
    reader r(max_message);
    std::size_t pos = 0;
    const event e = r.next(bytes, pos);
    return {e.what, std::string(e.payload), e.code, pos};
}

void check_fails(const std::string& bytes, std::uint16_t code, std::size_t max_message = 1024) {
    reader r(max_message);
    std::string in = bytes;
    std::size_t pos = 0;
    const event e = r.next(in, pos);
    CHECK(e.what == kind::fail);
    CHECK(e.code == code);
    CHECK_FALSE(e.why.empty());
}

}  // namespace

TEST_CASE("a masked text frame yields its unmasked text and moves past the frame", "[ws_frame]") {
    // RFC 6455 §5.7: a single-frame masked text message "Hello".
    std::string in("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
    CHECK(in == masked(fin | op_text, "Hello"));  // the helper masks as the RFC does
    reader r(1024);
    std::size_t pos = 0;
    const event e = r.next(in, pos);
    REQUIRE(e.what == kind::text);
    CHECK(e.payload == "Hello");
    CHECK(pos == in.size());
    CHECK_FALSE(r.in_message());
    CHECK(r.next(in, pos).what == kind::need_more);
    CHECK(pos == in.size());
}

TEST_CASE("the frame may start past the beginning of the buffer", "[ws_frame]") {
    std::string in = "xyz" + masked(fin | op_binary, "abc");
    reader r(1024);
    std::size_t pos = 3;
    const event e = r.next(in, pos);
    REQUIRE(e.what == kind::binary);
    CHECK(e.payload == "abc");
    CHECK(pos == in.size());
}

TEST_CASE("two frames in one buffer come out one per call", "[ws_frame]") {
    const std::string a = masked(fin | op_text, "first");
    const std::string b = client_frame(fin | op_binary, "second", mask_key{1, 2, 3, 4});
    std::string in = a + b;
    reader r(1024);
    std::size_t pos = 0;
    event e = r.next(in, pos);
    REQUIRE(e.what == kind::text);
    CHECK(e.payload == "first");
    CHECK(pos == a.size());
    e = r.next(in, pos);
    REQUIRE(e.what == kind::binary);
    CHECK(e.payload == "second");
    CHECK(pos == a.size() + b.size());
    CHECK(r.next(in, pos).what == kind::need_more);
}

TEST_CASE("a frame arriving byte by byte is need_more until its last byte", "[ws_frame]") {
    const std::string payload = GENERATE(std::string("byte by byte"), std::string(300, 'q'), std::string());
    const std::string full = masked(fin | op_text, payload);
    reader r(1024);
    std::string in;
    std::size_t pos = 0;
    for (std::size_t i = 0; i + 1 < full.size(); ++i) {
        in.push_back(full[i]);
        const event e = r.next(in, pos);
        REQUIRE(e.what == kind::need_more);
        REQUIRE(pos == 0);
    }
    in.push_back(full.back());
    const event e = r.next(in, pos);
    REQUIRE(e.what == kind::text);
    CHECK(e.payload == payload);
    CHECK(pos == full.size());
}

TEST_CASE("16-bit and 64-bit payload lengths", "[ws_frame]") {
    SECTION("200 bytes use the 16-bit length") {
        std::string payload(200, '\0');
        for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<char>('a' + i % 26);
        }
        std::string in = masked(fin | op_text, payload);
        REQUIRE(static_cast<unsigned char>(in[1]) == (0x80 | 126));
        const auto r = first_event(in);
        CHECK(r.what == kind::text);
        CHECK(r.payload == payload);
        CHECK(r.pos == 4 + 4 + 200);
    }
    SECTION("70,000 bytes use the 64-bit length") {
        std::string payload(70000, '\0');
        for (std::size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<char>(i * 7);
        }
        std::string in = masked(fin | op_binary, payload);
        REQUIRE(static_cast<unsigned char>(in[1]) == (0x80 | 127));
        const auto r = first_event(in, 100000);
        CHECK(r.what == kind::binary);
        CHECK(r.payload == payload);
        CHECK(r.pos == 10 + 4 + 70000);
    }
    SECTION("an extended length arriving in pieces waits for the whole header") {
        const std::string full = masked(fin | op_text, std::string(70000, 'z'));
        reader r(100000);
        std::string in;
        std::size_t pos = 0;
        for (std::size_t i = 0; i < 14; ++i) {  // 2 + 8 length bytes + 4 key bytes
            in.push_back(full[i]);
            REQUIRE(r.next(in, pos).what == kind::need_more);
        }
        in.append(full, 14, full.size() - 15);
        REQUIRE(r.next(in, pos).what == kind::need_more);
        CHECK(pos == 0);
        in.push_back(full.back());
        const event e = r.next(in, pos);
        REQUIRE(e.what == kind::text);
        CHECK(e.payload.size() == 70000);
        CHECK(pos == full.size());
    }
}

TEST_CASE("a length not in its shortest form is a protocol error", "[ws_frame]") {
    check_fails(masked(fin | op_text, std::string(100, 'a'), length_form::bits16), close_code::protocol_error);
    check_fails(masked(fin | op_text, std::string(125, 'a'), length_form::bits16), close_code::protocol_error);
    check_fails(masked(fin | op_text, std::string(200, 'a'), length_form::bits64), close_code::protocol_error);
    check_fails(masked(fin | op_text, std::string(65535, 'a'), length_form::bits64), close_code::protocol_error,
                100000);
    // The shortest forms at the boundaries are accepted.
    CHECK(first_event(masked(fin | op_text, std::string(126, 'a'))).what == kind::text);
    CHECK(first_event(masked(fin | op_text, std::string(65536, 'a')), 100000).what == kind::text);
    // A 64-bit length with its most significant bit set.
    std::string top = header_only(fin | op_binary, 0x8000000000000000ULL);
    check_fails(top, close_code::protocol_error);
}

TEST_CASE("a fragmented message is assembled, with control frames between its fragments", "[ws_frame]") {
    std::string in = masked(op_text, "Hel") + masked(op_cont, "lo, ") + masked(fin | op_ping, "are you there") +
                     masked(fin | op_cont, "world");
    reader r(1024);
    std::size_t pos = 0;
    event e = r.next(in, pos);
    REQUIRE(e.what == kind::ping);
    CHECK(e.payload == "are you there");
    CHECK(r.in_message());
    e = r.next(in, pos);
    REQUIRE(e.what == kind::text);
    CHECK(e.payload == "Hello, world");
    CHECK(pos == in.size());
    CHECK_FALSE(r.in_message());
    CHECK(r.next(in, pos).what == kind::need_more);
}

TEST_CASE("fragments arriving in separate reads are assembled", "[ws_frame]") {
    const std::string f1 = masked(op_binary, std::string("\x00\xFF", 2));
    const std::string f2 = masked(fin | op_pong, "");
    const std::string f3 = masked(fin | op_cont, std::string("\x80\x01", 2));
    reader r(1024);
    std::string in = f1;
    std::size_t pos = 0;
    CHECK(r.next(in, pos).what == kind::need_more);
    CHECK(pos == f1.size());  // the fragment was consumed and kept by the reader
    CHECK(r.in_message());
    in += f2;
    event e = r.next(in, pos);
    CHECK(e.what == kind::pong);
    CHECK(e.payload.empty());
    in += f3;
    e = r.next(in, pos);
    REQUIRE(e.what == kind::binary);
    CHECK(e.payload == std::string("\x00\xFF\x80\x01", 4));
}

TEST_CASE("a second fragmented message does not carry the first one's bytes", "[ws_frame]") {
    std::string in = masked(op_text, "ab") + masked(fin | op_cont, "cd") + masked(op_text, "ef") +
                     masked(fin | op_cont, "gh") + masked(fin | op_text, "ij");
    reader r(1024);
    std::size_t pos = 0;
    std::vector<std::string> got;
    for (event e = r.next(in, pos); e.what == kind::text; e = r.next(in, pos)) {
        got.emplace_back(e.payload);
    }
    CHECK(got == std::vector<std::string>{"abcd", "efgh", "ij"});
    CHECK(pos == in.size());
}

TEST_CASE("fragments out of order are protocol errors", "[ws_frame]") {
    SECTION("a continuation without a message") {
        check_fails(masked(fin | op_cont, "x"), close_code::protocol_error);
        check_fails(masked(op_cont, "x"), close_code::protocol_error);
        // ... also right after a message that ended
        std::string in = masked(fin | op_text, "done") + masked(fin | op_cont, "more");
        reader r(1024);
        std::size_t pos = 0;
        REQUIRE(r.next(in, pos).what == kind::text);
        const event e = r.next(in, pos);
        CHECK(e.what == kind::fail);
        CHECK(e.code == close_code::protocol_error);
    }
    SECTION("a new message while a fragmented one is open") {
        const unsigned second = GENERATE(fin | op_text, op_text, fin | op_binary);
        std::string in = masked(op_text, "open") + masked(second, "new");
        reader r(1024);
        std::size_t pos = 0;
        const event e = r.next(in, pos);
        CHECK(e.what == kind::fail);
        CHECK(e.code == close_code::protocol_error);
    }
}

TEST_CASE("frames breaking the framing rules are protocol errors", "[ws_frame]") {
    SECTION("an unmasked client frame") {
        check_fails(client_frame(fin | op_text, "hi", default_key, length_form::shortest, false),
                    close_code::protocol_error);
        check_fails(client_frame(fin | op_ping, "", default_key, length_form::shortest, false),
                    close_code::protocol_error);
    }
    SECTION("reserved bits") {
        const unsigned rsv = GENERATE(0x40u, 0x20u, 0x10u, 0x70u);
        check_fails(masked(fin | rsv | op_text, "hi"), close_code::protocol_error);
    }
    SECTION("unknown opcodes") {
        const unsigned op = GENERATE(3u, 4u, 5u, 6u, 7u, 0xBu, 0xCu, 0xDu, 0xEu, 0xFu);
        check_fails(masked(fin | op, "hi"), close_code::protocol_error);
        // from the header alone, before its payload arrives
        check_fails(header_only(fin | op, 5), close_code::protocol_error);
        check_fails(header_only(op, 5).substr(0, 2), close_code::protocol_error);
    }
    SECTION("a control frame over 125 bytes, detected from its header") {
        const unsigned op = GENERATE(op_ping, op_pong, op_close);
        check_fails(masked(fin | op, std::string(126, 'p')), close_code::protocol_error);
        check_fails(header_only(fin | op, 126).substr(0, 2), close_code::protocol_error);
        check_fails(header_only(fin | op, 70000).substr(0, 2), close_code::protocol_error);
        // 125 is allowed
        CHECK(first_event(masked(fin | op, close_payload(1000, std::string(123, 'p')))).what != kind::fail);
    }
    SECTION("a fragmented control frame") {
        const unsigned op = GENERATE(op_ping, op_pong, op_close);
        check_fails(masked(op, ""), close_code::protocol_error);
        // also in the middle of a fragmented message
        check_fails(masked(op_text, "a") + masked(op, ""), close_code::protocol_error);
    }
}

TEST_CASE("a message over max_message is too big", "[ws_frame]") {
    SECTION("one frame") {
        check_fails(masked(fin | op_text, std::string(101, 'a')), close_code::too_big, 100);
        check_fails(masked(fin | op_binary, std::string(300, 'a')), close_code::too_big, 100);
        CHECK(first_event(masked(fin | op_text, std::string(100, 'a')), 100).what == kind::text);
    }
    SECTION("one frame, from its header alone") {
        check_fails(header_only(fin | op_text, 101), close_code::too_big, 100);
        check_fails(header_only(fin | op_binary, 1ULL << 40), close_code::too_big, 100);
        check_fails(header_only(op_text, 0x7FFFFFFFFFFFFFFFULL), close_code::too_big, 100);
    }
    SECTION("fragments adding up past it, from the last fragment's header alone") {
        std::string in = masked(op_text, std::string(60, 'a')) + masked(op_cont, std::string(30, 'b'));
        in += header_only(fin | op_cont, 11);  // 60 + 30 + 11 = 101
        reader small(100);
        std::size_t pos = 0;
        const event e = small.next(in, pos);
        CHECK(e.what == kind::fail);
        CHECK(e.code == close_code::too_big);
    }
    SECTION("fragments adding up to exactly max_message are fine") {
        std::string in = masked(op_text, std::string(60, 'a')) + masked(op_cont, std::string(30, 'b')) +
                         masked(fin | op_cont, std::string(10, 'c'));
        const auto r = first_event(in, 100);
        CHECK(r.what == kind::text);
        CHECK(r.payload == std::string(60, 'a') + std::string(30, 'b') + std::string(10, 'c'));
    }
}

TEST_CASE("text must be UTF-8, binary need not", "[ws_frame]") {
    SECTION("a single invalid text frame") {
        check_fails(masked(fin | op_text, "ab\xC0\xAF"), close_code::bad_payload);
        check_fails(masked(fin | op_text, "\xED\xA0\x80"), close_code::bad_payload);
        check_fails(masked(fin | op_text, "\xE5\xB7"), close_code::bad_payload);
    }
    SECTION("a fragmented invalid text message") {
        check_fails(masked(op_text, "ok ") + masked(fin | op_cont, "\xFF"), close_code::bad_payload);
        check_fails(masked(op_text, "\xE5") + masked(fin | op_cont, "x"), close_code::bad_payload);
    }
    SECTION("a character split between fragments is fine") {
        // 工 is E5 B7 A5
        const auto r = first_event(masked(op_text, "a\xE5") + masked(op_cont, "\xB7") + masked(fin | op_cont, "\xA5z"));
        CHECK(r.what == kind::text);
        CHECK(r.payload == "a工z");
    }
    SECTION("binary with invalid UTF-8") {
        const std::string bytes("\xC0\xAF\xFF\x00\xED\xA0\x80", 7);
        auto r = first_event(masked(fin | op_binary, bytes));
        CHECK(r.what == kind::binary);
        CHECK(r.payload == bytes);
        r = first_event(masked(op_binary, bytes.substr(0, 3)) + masked(fin | op_cont, bytes.substr(3)));
        CHECK(r.what == kind::binary);
        CHECK(r.payload == bytes);
    }
}

TEST_CASE("close frames", "[ws_frame]") {
    SECTION("empty: no status") {
        const auto r = first_event(masked(fin | op_close, ""));
        CHECK(r.what == kind::close);
        CHECK(r.code == close_code::no_status);
        CHECK(r.payload.empty());
        CHECK(r.pos == 6);
    }
    SECTION("a one-byte payload") {
        check_fails(masked(fin | op_close, "\x03"), close_code::protocol_error);
        // even when the byte after the frame would complete a valid code (0x03E8 = 1000)
        check_fails(masked(fin | op_close, "\x03") + "\xE8", close_code::protocol_error);
    }
    SECTION("a code and a reason") {
        const auto r = first_event(masked(fin | op_close, close_payload(1000, "bye")));
        CHECK(r.what == kind::close);
        CHECK(r.code == 1000);
        CHECK(r.payload == "bye");
    }
    SECTION("a code without a reason") {
        const auto r = first_event(masked(fin | op_close, close_payload(1001)));
        CHECK(r.what == kind::close);
        CHECK(r.code == 1001);
        CHECK(r.payload.empty());
    }
    SECTION("invalid codes") {
        const std::uint16_t code =
            GENERATE(as<std::uint16_t>{}, 0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535);
        CAPTURE(code);
        check_fails(masked(fin | op_close, close_payload(code, "r")), close_code::protocol_error);
    }
    SECTION("valid codes") {
        const std::uint16_t code =
            GENERATE(as<std::uint16_t>{}, 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999);
        CAPTURE(code);
        const auto r = first_event(masked(fin | op_close, close_payload(code, "r")));
        CHECK(r.what == kind::close);
        CHECK(r.code == code);
        CHECK(r.payload == "r");
    }
    SECTION("a reason that is not UTF-8") {
        check_fails(masked(fin | op_close, close_payload(1000, "\xC3")), close_code::bad_payload);
        check_fails(masked(fin | op_close, close_payload(1000, "ok\x80")), close_code::bad_payload);
    }
    SECTION("a close between fragments") {
        std::string in = masked(op_text, "half") + masked(fin | op_close, close_payload(1001, "gone"));
        const auto r = first_event(in);
        CHECK(r.what == kind::close);
        CHECK(r.code == 1001);
        CHECK(r.payload == "gone");
    }
}

TEST_CASE("write_header picks the shortest length form, big-endian, FIN set, unmasked", "[ws_frame]") {
    std::array<char, max_header_bytes> h{};
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(h[i]); };

    CHECK(write_header(h.data(), opcode::text, 0) == 2);
    CHECK(byte(0) == 0x81);
    CHECK(byte(1) == 0);

    CHECK(write_header(h.data(), opcode::text, 125) == 2);
    CHECK(byte(0) == 0x81);
    CHECK(byte(1) == 125);

    CHECK(write_header(h.data(), opcode::binary, 126) == 4);
    CHECK(byte(0) == 0x82);
    CHECK(byte(1) == 126);
    CHECK(byte(2) == 0x00);
    CHECK(byte(3) == 126);

    CHECK(write_header(h.data(), opcode::text, 65535) == 4);
    CHECK(byte(1) == 126);
    CHECK(byte(2) == 0xFF);
    CHECK(byte(3) == 0xFF);

    CHECK(write_header(h.data(), opcode::text, 0x1234) == 4);
    CHECK(byte(2) == 0x12);
    CHECK(byte(3) == 0x34);

    CHECK(write_header(h.data(), opcode::binary, 65536) == 10);
    CHECK(byte(0) == 0x82);
    CHECK(byte(1) == 127);
    const std::array<unsigned char, 8> b65536{0, 0, 0, 0, 0, 1, 0, 0};
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(byte(2 + i) == b65536[i]);
    }

    CHECK(write_header(h.data(), opcode::text, 0x0102030405060708ULL) == 10);
    for (std::size_t i = 0; i < 8; ++i) {
        CHECK(byte(2 + i) == i + 1);
    }

    CHECK(write_header(h.data(), opcode::close, 2) == 2);
    CHECK(byte(0) == 0x88);
    CHECK(write_header(h.data(), opcode::ping, 0) == 2);
    CHECK(byte(0) == 0x89);
    CHECK(write_header(h.data(), opcode::pong, 0) == 2);
    CHECK(byte(0) == 0x8A);
}

TEST_CASE("control_frame writes a whole frame and cuts its payload to 125 bytes", "[ws_frame]") {
    CHECK(control_frame(opcode::pong, "abc") == std::string("\x8A\x03"
                                                            "abc",
                                                            5));
    CHECK(control_frame(opcode::ping, "") == std::string("\x89\x00", 2));
    const std::string long_ping = control_frame(opcode::ping, std::string(200, 'p'));
    CHECK(long_ping.size() == 127);
    CHECK(static_cast<unsigned char>(long_ping[0]) == 0x89);
    CHECK(static_cast<unsigned char>(long_ping[1]) == 125);
    CHECK(long_ping.substr(2) == std::string(125, 'p'));
}

TEST_CASE("close_frame writes the code and a reason cut on a character boundary", "[ws_frame]") {
    CHECK(close_frame(1000, "x") == std::string("\x88\x03\x03\xE8x", 5));
    CHECK(close_frame(1009, "") == std::string("\x88\x02\x03\xF1", 4));
    CHECK(close_frame(4001, std::string(123, 'r')) == "\x88\x7D\x0F\xA1" + std::string(123, 'r'));
    CHECK(close_frame(4001, std::string(124, 'r')) == "\x88\x7D\x0F\xA1" + std::string(123, 'r'));

    auto check_cut = [](const std::string& reason, std::size_t expected_reason_bytes) {
        const std::string f = close_frame(close_code::policy_error, reason);
        CHECK(f.size() <= 127);
        REQUIRE(f.size() >= 4);
        CHECK(static_cast<unsigned char>(f[0]) == 0x88);
        CHECK(static_cast<unsigned char>(f[1]) == f.size() - 2);
        CHECK(static_cast<unsigned char>(f[2]) == 0x03);
        CHECK(static_cast<unsigned char>(f[3]) == 0xF0);  // 1008
        const std::string cut = f.substr(4);
        CHECK(valid_utf8(cut));
        CHECK(cut.size() == expected_reason_bytes);
        CHECK(reason.compare(0, cut.size(), cut) == 0);
    };
    std::string chinese;
    for (int i = 0; i < 60; ++i) {
        chinese += "工会驿站";  // 3 bytes each: 720 bytes
    }
    check_cut(chinese, 123);         // 41 characters end exactly at 123 bytes
    check_cut("a" + chinese, 121);   // 123 falls inside a character: back to 1 + 40 * 3
    check_cut("ab" + chinese, 122);  // 2 + 40 * 3
    std::string emoji;
    for (int i = 0; i < 40; ++i) {
        emoji += "\xF0\x9F\x98\x80";  // 4 bytes each
    }
    check_cut(emoji, 120);
}

TEST_CASE("a close frame the server writes reads back, once masked", "[ws_frame]") {
    const std::string server = close_frame(close_code::going_away, "server restart — 再见");
    REQUIRE(server.size() < 127);
    std::string in = masked(fin | op_close, server.substr(2));
    const auto r = first_event(in);
    CHECK(r.what == kind::close);
    CHECK(r.code == close_code::going_away);
    CHECK(r.payload == "server restart — 再见");
}

TEST_CASE("accept_key and valid_client_key follow RFC 6455's handshake", "[ws_frame]") {
    // RFC 6455 §1.3
    CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), computed apart
    CHECK(accept_key("AAAAAAAAAAAAAAAAAAAAAA==") == "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
    CHECK(valid_client_key("dGhlIHNhbXBsZSBub25jZQ=="));
    CHECK(valid_client_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    CHECK(valid_client_key("+/+/+/+/+/+/+/+/+/+/+w=="));
    CHECK_FALSE(valid_client_key(""));
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZQAA"));   // no "=="
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ=A="));
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25jZ-=="));  // base64url, not base64
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j Q=="));  // a space
    CHECK_FALSE(valid_client_key("dGhlIHNhbXBsZSBub25j=Q=="));  // '=' inside
    CHECK_FALSE(valid_client_key(std::string_view("dGhlIHNhbXBsZSBub25j\0Q==", 24)));
}
