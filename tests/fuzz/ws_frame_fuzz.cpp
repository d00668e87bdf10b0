// libFuzzer target: net::ws::reader on the bytes a client sends. Beyond
// memory safety and UB, it checks the reader's promises: `pos` only moves
// forward and stays within the input; text is valid UTF-8; messages are at
// most max_message bytes and control payloads at most 125; a close carries a
// code a peer may send (or 1005 with no reason) and a UTF-8 reason; a failure
// carries 1002, 1007 or 1009 and a reason. And how the bytes are split into
// reads does not matter: the whole input at once and the input in chunks
// give the same events.
//
// Input: byte 0 holds in its low 3 bits the count k of chunk-size bytes that
// follow (0: one byte per read), in bit 3 whether consumed bytes are dropped
// between reads (as a session's buffer does), and in bits 4-5 the reader's
// max_message (4096, 256, 16 or 0); then k bytes, each a chunk size minus
// one, used in turn; the rest is the client's byte stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/text.hpp"
#include "server/net/ws_frame.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace liveroom::net::ws;
using liveroom::protocol::valid_utf8;

// The limits a run may use (picked by the input, so that small inputs reach
// the too-big paths too); the server's is larger than any of them.
constexpr std::size_t max_messages[] = {4096, 256, 16, 0};

// An event with its own copy of the payload: the reader's views die with the
// next call, and each run unmasks its own buffer.
struct owned_event {
    event::kind what;
    std::string payload;
    std::uint16_t code;
    bool operator==(const owned_event&) const = default;
};

bool peer_close_code(std::uint16_t c) {
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

void check_event(const event& e, const reader& r, std::size_t max_message) {
    switch (e.what) {
        case event::kind::need_more:
            break;
        case event::kind::text:
            LR_FUZZ_CHECK(valid_utf8(e.payload));
            [[fallthrough]];
        case event::kind::binary:
            LR_FUZZ_CHECK(e.payload.size() <= max_message);
            LR_FUZZ_CHECK(!r.in_message());  // a whole message ends the fragmented one
            break;
        case event::kind::ping:
        case event::kind::pong:
            LR_FUZZ_CHECK(e.payload.size() <= 125);
            break;
        case event::kind::close:
            LR_FUZZ_CHECK(e.payload.size() <= 123);
            LR_FUZZ_CHECK(valid_utf8(e.payload));
            LR_FUZZ_CHECK(peer_close_code(e.code) || (e.code == close_code::no_status && e.payload.empty()));
            break;
        case event::kind::fail:
            LR_FUZZ_CHECK(e.code == close_code::protocol_error || e.code == close_code::bad_payload ||
                          e.code == close_code::too_big);
            LR_FUZZ_CHECK(!e.why.empty());
            break;
    }
}

// Reads `stream` with a fresh reader, delivered in chunks whose sizes are
// `chunks[i] + 1` in turn (all of it at once when `chunks` is empty), and
// returns the events up to the first failure.
std::vector<owned_event> run(std::string_view stream,
                             std::size_t max_message,
                             const std::vector<std::uint8_t>& chunks,
                             bool compact) {
    reader r(max_message);
    std::string in;
    std::size_t pos = 0;
    std::size_t fed = 0;
    std::size_t turn = 0;
    std::vector<owned_event> events;
    while (fed < stream.size()) {
        const std::size_t left = stream.size() - fed;
        const std::size_t n =
            chunks.empty() ? left : std::min<std::size_t>(left, std::size_t{chunks[turn++ % chunks.size()]} + 1);
        if (compact && pos > 0) {
            in.erase(0, pos);
            pos = 0;
        }
        in.append(stream.substr(fed, n));
        fed += n;
        for (;;) {
            const std::size_t before = pos;
            const event e = r.next(in, pos);
            LR_FUZZ_CHECK(pos >= before);
            LR_FUZZ_CHECK(pos <= in.size());
            if (e.what == event::kind::need_more) {
                break;
            }
            // A complete frame was consumed (a failure may leave pos where it was).
            LR_FUZZ_CHECK(e.what == event::kind::fail || pos > before);
            check_event(e, r, max_message);
            events.push_back(owned_event{e.what, std::string(e.payload), e.code});
            if (e.what == event::kind::fail) {
                return events;  // the reader's state is undefined from here
            }
        }
    }
    return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t k = std::min<std::size_t>(data[0] & 0x07, size - 1);
    const bool compact = (data[0] & 0x08) != 0;
    const std::size_t max_message = max_messages[(data[0] >> 4) & 0x03];
    std::vector<std::uint8_t> chunks(data + 1, data + 1 + k);
    if (chunks.empty()) {
        chunks.push_back(0);  // one byte per read
    }
    const std::string_view stream(reinterpret_cast<const char*>(data + 1 + k), size - 1 - k);

    const std::vector<owned_event> whole = run(stream, max_message, {}, false);
    const std::vector<owned_event> pieces = run(stream, max_message, chunks, compact);
    LR_FUZZ_CHECK(whole == pieces);
    return 0;
}
