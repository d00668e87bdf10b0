#pragma once

// WebSocket framing on the server's side (RFC 6455 §5), without I/O: a
// reader that turns the bytes a client sent into messages and control
// frames, and the few frames a server writes. ws_session does the I/O.
//
// Why not Beast's websocket::stream: its per-connection state is 2.5 KB
// (a 1.5 KB read buffer inside), which alone is over half of the memory an
// idle viewer may cost. Here an idle connection holds no buffer at all.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace liveroom::net::ws {

enum class opcode : std::uint8_t { cont = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// Close codes a server sends (RFC 6455 §7.4.1).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t no_status = 1005;  // never sent: a close frame without a code
inline constexpr std::uint16_t bad_payload = 1007;
inline constexpr std::uint16_t policy_error = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

// What the reader found next in the bytes received.
struct event {
    enum class kind : std::uint8_t {
        need_more,  // no complete frame yet: read more, then call next() again
        text,       // a whole text message (UTF-8 checked)
        binary,     // a whole binary message
        ping,
        pong,
        close,  // the client's close frame; `code` is its code (1005 if none)
        fail,   // the client broke the protocol: close with `code`, reason `why`
    };
    kind what = kind::need_more;
    // text/binary: the message; ping/pong: the payload; close: the reason.
    // Valid until the next call to next() or until the input changes.
    std::string_view payload;
    std::uint16_t code = 0;
    std::string_view why;
};

// Reads client frames: masked, RSV bits clear, control frames whole and at
// most 125 bytes, fragmented messages assembled, a message at most
// `max_message` bytes. Holds memory only while a fragmented message is
// being assembled.
class reader {
  public:
    explicit reader(std::size_t max_message) : max_message_(max_message) {}

    // Parses the next event from in[pos..], unmasking the frame in place, and
    // advances `pos` past the frame when it is complete. After `fail` the
    // connection must be closed: the reader's state is undefined.
    event next(std::string& in, std::size_t& pos);

    // A fragmented message has begun and not yet ended.
    bool in_message() const noexcept { return in_message_; }

  private:
    std::size_t max_message_;
    std::string partial_;  // fragments of the message being assembled
    bool in_message_ = false;
    bool partial_text_ = false;
};

// The largest header write_header() produces.
inline constexpr std::size_t max_header_bytes = 10;

// Writes the header of an unmasked, final server frame carrying `length`
// payload bytes into `out` (at least max_header_bytes long); returns its size.
std::size_t write_header(char* out, opcode op, std::uint64_t length) noexcept;

// A whole control frame: ping or pong with `payload` (cut to 125 bytes).
std::string control_frame(opcode op, std::string_view payload);
// A whole close frame with `code` and `reason` (cut to fit 125 bytes, on a
// UTF-8 character boundary).
std::string close_frame(std::uint16_t code, std::string_view reason);

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
std::string accept_key(std::string_view client_key);
// A Sec-WebSocket-Key is the base64 of 16 bytes: 24 characters ending "==".
bool valid_client_key(std::string_view client_key) noexcept;

}  // namespace liveroom::net::ws
