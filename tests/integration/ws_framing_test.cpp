// The server's own WebSocket framing (server/net/ws_frame, ws_session), seen
// from a client that speaks RFC 6455 by hand over a plain TCP socket: the
// opening handshake (426, 400, 101 and its accept value), frames sent along
// with the upgrade request, ping/pong, fragmented messages, the close codes of
// protocol errors, the closing handshake, and the idle ping and drop.
#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "tests/support/json.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// The key and accept value of RFC 6455 §1.3.
constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view rfc_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

constexpr std::uint8_t op_cont = 0x0;
constexpr std::uint8_t op_text = 0x1;
constexpr std::uint8_t op_close = 0x8;
constexpr std::uint8_t op_ping = 0x9;
constexpr std::uint8_t op_pong = 0xA;

// An upgrade request for /ws; `key` and `version` are left out when empty.
std::string upgrade_request(std::string_view key = rfc_key, std::string_view version = "13") {
    std::string req =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\n";
    if (!key.empty()) {
        req += "Sec-WebSocket-Key: " + std::string(key) + "\r\n";
    }
    if (!version.empty()) {
        req += "Sec-WebSocket-Version: " + std::string(version) + "\r\n";
    }
    req += "\r\n";
    return req;
}

// One client→server frame as bytes on the wire: masked unless `masked` is false.
std::string client_frame(std::uint8_t op, std::string_view payload, bool fin = true, bool masked = true) {
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0x00) | op);
    const std::uint8_t mask_bit = masked ? 0x80 : 0x00;
    const std::size_t n = payload.size();
    if (n < 126) {
        f += static_cast<char>(mask_bit | n);
    } else if (n <= 0xFFFF) {
        f += static_cast<char>(mask_bit | 126);
        f += static_cast<char>((n >> 8) & 0xFF);
        f += static_cast<char>(n & 0xFF);
    } else {
        f += static_cast<char>(mask_bit | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            f += static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF);
        }
    }
    if (!masked) {
        f.append(payload);
        return f;
    }
    const unsigned char key[4] = {0x5a, 0x13, 0xc7, 0x81};
    for (unsigned char k : key) {
        f += static_cast<char>(k);
    }
    for (std::size_t i = 0; i < n; ++i) {
        f += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]);
    }
    return f;
}

// A masked close frame carrying `code` and `reason`.
std::string client_close(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload += static_cast<char>(code >> 8);
    payload += static_cast<char>(code & 0xFF);
    payload.append(reason);
    return client_frame(op_close, payload);
}

std::string hello(std::string_view name) {
    return json_object().add("type", "hello").add("room", "demo").add("name", name).str();
}

struct frame {
    bool fin = false;
    bool masked = false;
    std::uint8_t op = 0;
    std::string payload;

    // The code of a close frame (1005 when it carries none).
    std::uint16_t close_code() const {
        if (payload.size() < 2) {
            return 1005;
        }
        return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
    }
    // The first JSON object of a text frame (server frames may carry several, "\n"-separated).
    json first_object() const { return json::parse_or_throw(std::string_view(payload).substr(0, payload.find('\n'))); }
};

struct http_head {
    int status = 0;
    std::string text;

    // The value of header `name` (case-insensitive), or nullopt.
    std::optional<std::string> header(std::string_view name) const {
        std::size_t at = text.find("\r\n");
        while (at != std::string::npos && at + 2 < text.size()) {
            const std::size_t start = at + 2;
            const std::size_t end = text.find("\r\n", start);
            const std::string line = text.substr(start, end - start);
            const std::size_t colon = line.find(':');
            if (colon == name.size()) {
                bool same = true;
                for (std::size_t i = 0; i < colon; ++i) {
                    same = same && std::tolower(static_cast<unsigned char>(line[i])) ==
                                       std::tolower(static_cast<unsigned char>(name[i]));
                }
                if (same) {
                    std::size_t v = colon + 1;
                    while (v < line.size() && line[v] == ' ') {
                        ++v;
                    }
                    return line.substr(v);
                }
            }
            at = end;
        }
        return std::nullopt;
    }
};

// A client that does the WebSocket upgrade and the framing by hand. Every
// read and write is bounded; bytes read and not yet parsed stay buffered, so
// frames that arrive with the 101 response are not lost.
class raw_ws {
  public:
    explicit raw_ws(std::uint16_t port) : socket_(ioc_) {
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    }

    bool write(std::string_view bytes, clock::duration timeout = 5s) {
        bool done = false;
        boost::system::error_code result;
        asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                          [&](const boost::system::error_code& ec, std::size_t) {
                              result = ec;
                              done = true;
                          });
        run_until_done(done, deadline(timeout));
        return done && !result;
    }

    // The response head (through the blank line); nullopt on timeout or end.
    std::optional<http_head> read_head(clock::duration timeout = 5s) {
        const deadline until(timeout);
        for (;;) {
            if (const auto end = in_.find("\r\n\r\n"); end != std::string::npos) {
                http_head head;
                head.text = in_.substr(0, end + 4);
                in_.erase(0, end + 4);
                if (head.text.size() >= 12 && head.text.rfind("HTTP/1.1 ", 0) == 0) {
                    head.status = std::stoi(head.text.substr(9, 3));
                }
                return head;
            }
            if (!fill(until)) {
                return std::nullopt;
            }
        }
    }

    // The next server frame; nullopt on timeout or when the connection ended first.
    std::optional<frame> read_frame(clock::duration timeout) { return read_frame(deadline(timeout)); }
    std::optional<frame> read_frame(const deadline& until) {
        for (;;) {
            if (auto f = parse_frame()) {
                return f;
            }
            if (!fill(until)) {
                return std::nullopt;
            }
        }
    }

    // The next frame that is not a text frame (room events are skipped).
    std::optional<frame> read_control(const deadline& until) {
        for (;;) {
            auto f = read_frame(until);
            if (!f || f->op != op_text) {
                return f;
            }
        }
    }

    // Reads until the server ends the connection; true when it did within the
    // timeout. What arrived meanwhile stays in buffered().
    bool wait_end(clock::duration timeout) {
        const deadline until(timeout);
        while (fill(until)) {
        }
        return ended_;
    }

    bool ended() const noexcept { return ended_; }
    const std::string& how() const noexcept { return how_; }
    const std::string& buffered() const noexcept { return in_; }

    // The upgrade with rfc_key, expecting 101.
    void upgrade(std::string_view after = {}) {
        REQUIRE(write(upgrade_request() + std::string(after)));
        auto head = read_head();
        REQUIRE(head);
        INFO(head->text);
        REQUIRE(head->status == 101);
    }

    // Sends hello and expects the welcome as the first text frame; returns it.
    json join(std::string_view name) {
        REQUIRE(write(client_frame(op_text, hello(name))));
        return expect_welcome(*this);
    }

    static json expect_welcome(raw_ws& c) {
        auto f = c.read_frame(5s);
        INFO("ended: " << c.ended() << " " << c.how());
        REQUIRE(f);
        CHECK_FALSE(f->masked);
        REQUIRE(f->op == op_text);
        INFO("frame: " << f->payload);
        const json first = f->first_object();
        CHECK(first.type() == "welcome");
        return first;
    }

  private:
    // One read into in_, bounded; false when nothing was read (timeout or end).
    bool fill(const deadline& until) {
        if (ended_ || until.expired()) {
            return false;
        }
        bool done = false;
        boost::system::error_code result;
        std::size_t got = 0;
        socket_.async_read_some(asio::buffer(chunk_), [&](const boost::system::error_code& ec, std::size_t n) {
            result = ec;
            got = n;
            done = true;
        });
        run_until_done(done, until);
        in_.append(chunk_.data(), got);
        if (result && result != asio::error::operation_aborted) {
            ended_ = true;
            how_ = result == asio::error::eof ? "end of stream" : result.message();
        }
        return got > 0;
    }

    // Runs the io_context until `done` or the deadline; then cancels and lets the handler run.
    void run_until_done(bool& done, const deadline& until) {
        ioc_.restart();
        while (!done && !until.expired()) {
            ioc_.run_one_for(until.remaining());
        }
        if (!done) {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
            ioc_.restart();
            while (!done) {
                ioc_.run_one_for(1s);
            }
        }
    }

    std::optional<frame> parse_frame() {
        const auto* p = reinterpret_cast<const unsigned char*>(in_.data());
        const std::size_t avail = in_.size();
        if (avail < 2) {
            return std::nullopt;
        }
        frame f;
        f.fin = (p[0] & 0x80) != 0;
        f.op = p[0] & 0x0F;
        f.masked = (p[1] & 0x80) != 0;
        std::uint64_t length = p[1] & 0x7F;
        std::size_t header = 2;
        if (length == 126) {
            if (avail < 4) {
                return std::nullopt;
            }
            length = (std::uint64_t{p[2]} << 8) | p[3];
            header = 4;
        } else if (length == 127) {
            if (avail < 10) {
                return std::nullopt;
            }
            length = 0;
            for (int i = 2; i < 10; ++i) {
                length = (length << 8) | p[i];
            }
            header = 10;
        }
        const std::size_t key_at = header;
        if (f.masked) {
            header += 4;
        }
        if (avail < header || avail - header < length) {
            return std::nullopt;
        }
        f.payload = in_.substr(header, static_cast<std::size_t>(length));
        if (f.masked) {
            for (std::size_t i = 0; i < f.payload.size(); ++i) {
                f.payload[i] = static_cast<char>(f.payload[i] ^ in_[key_at + (i % 4)]);
            }
        }
        in_.erase(0, header + static_cast<std::size_t>(length));
        return f;
    }

    asio::io_context ioc_;
    tcp::socket socket_;
    std::array<char, 16384> chunk_{};
    std::string in_;
    bool ended_ = false;
    std::string how_ = "still open";
};

// Sends `request` on a fresh connection and returns the response head.
http_head handshake(std::uint16_t port, const std::string& request) {
    raw_ws c(port);
    REQUIRE(c.write(request));
    auto head = c.read_head();
    REQUIRE(head);
    return *head;
}

// Expects the server's close frame with `code` (text frames before it are
// skipped), then a clean end of the connection, at once, with nothing after
// that frame.
void expect_close(raw_ws& c, std::uint16_t code) {
    const deadline until(5s);
    auto f = c.read_control(until);
    INFO("ended: " << c.ended() << " " << c.how());
    REQUIRE(f);
    CHECK_FALSE(f->masked);
    REQUIRE(f->op == op_close);
    INFO("close payload: " << f->payload);
    CHECK(f->close_code() == code);
    // At once, not after the server's 2 s fallback for a client that does not answer.
    CHECK(c.wait_end(1500ms));
    CHECK(c.how() == "end of stream");
    CHECK(c.buffered().empty());
}

}  // namespace

TEST_CASE("the opening handshake: 426 for another version, 400 for a bad key, 101 with the RFC 6455 accept value",
          "[integration][ws_framing][handshake]") {
    server_process server;
    const auto port = server.port();

    const auto old_version = handshake(port, upgrade_request(rfc_key, "8"));
    INFO(old_version.text);
    CHECK(old_version.status == 426);
    CHECK(old_version.header("Sec-WebSocket-Version") == std::optional<std::string>("13"));
    CHECK_FALSE(old_version.header("Sec-WebSocket-Accept"));

    const auto no_key = handshake(port, upgrade_request(""));
    INFO(no_key.text);
    CHECK(no_key.status == 400);
    CHECK_FALSE(no_key.header("Sec-WebSocket-Accept"));

    const auto bad_key = handshake(port, upgrade_request("abc"));
    INFO(bad_key.text);
    CHECK(bad_key.status == 400);
    CHECK_FALSE(bad_key.header("Sec-WebSocket-Accept"));

    const auto good = handshake(port, upgrade_request());
    INFO(good.text);
    CHECK(good.status == 101);
    CHECK(good.header("Sec-WebSocket-Accept") == std::optional<std::string>(rfc_accept));
    CHECK(good.header("Upgrade") == std::optional<std::string>("websocket"));
}

TEST_CASE("a hello sent in the same write as the upgrade request gets its welcome",
          "[integration][ws_framing][pipelined]") {
    server_process server;
    raw_ws c(server.port());
    c.upgrade(client_frame(op_text, hello("pipelined")));
    const json welcome = raw_ws::expect_welcome(c);
    CHECK(welcome.str("room") == std::optional<std::string>("demo"));
    CHECK(welcome.str("you.name") == std::optional<std::string>("pipelined"));
}

TEST_CASE("a ping gets a pong with its payload; a fragmented hello is assembled and answered",
          "[integration][ws_framing][control]") {
    server_process server;
    raw_ws c(server.port());
    c.upgrade();

    REQUIRE(c.write(client_frame(op_ping, "abc")));
    auto pong = c.read_frame(5s);
    REQUIRE(pong);
    CHECK_FALSE(pong->masked);
    CHECK(pong->fin);
    CHECK(pong->op == op_pong);
    CHECK(pong->payload == "abc");

    // The hello in two fragments, with a ping between them (control frames
    // may come in the middle of a fragmented message, RFC 6455 §5.4).
    const std::string text = hello("fragments");
    const std::size_t half = text.size() / 2;
    REQUIRE(c.write(client_frame(op_text, text.substr(0, half), false)));
    REQUIRE(c.write(client_frame(op_ping, "mid")));
    auto mid = c.read_frame(5s);
    REQUIRE(mid);
    CHECK(mid->op == op_pong);
    CHECK(mid->payload == "mid");
    REQUIRE(c.write(client_frame(op_cont, text.substr(half), true)));
    raw_ws::expect_welcome(c);
}

TEST_CASE("protocol errors close with their code: 1002 for an unmasked frame, 1007 for invalid UTF-8",
          "[integration][ws_framing][errors]") {
    server_process server;
    SECTION("an unmasked frame") {
        raw_ws c(server.port());
        c.upgrade();
        REQUIRE(c.write(client_frame(op_text, hello("unmasked"), true, false)));
        expect_close(c, 1002);
    }
    SECTION("a text frame that is not UTF-8") {
        raw_ws c(server.port());
        c.upgrade();
        REQUIRE(c.write(client_frame(op_text, std::string("\xC3\x28", 2))));
        expect_close(c, 1007);
    }
    SECTION("the same after a welcome") {
        raw_ws c(server.port());
        c.upgrade();
        c.join("then-bad");
        REQUIRE(c.write(client_frame(op_text, std::string("\xC3\x28", 2))));
        expect_close(c, 1007);
    }
}

TEST_CASE("a client's close 1000 is answered with close 1000, then the connection ends",
          "[integration][ws_framing][close]") {
    server_process server;
    raw_ws c(server.port());
    c.upgrade();
    c.join("leaving");
    REQUIRE(c.write(client_close(1000, "bye")));
    expect_close(c, 1000);
}

TEST_CASE(
    "idle: a silent client is pinged at half of --idle-timeout-ms and dropped at all of it; one that answers "
    "pings stays",
    "[integration][ws_framing][idle]") {
    server_process server({.extra_args = {"--idle-timeout-ms", "2000"}});
    const auto port = server.port();

    SECTION("a client that never answers") {
        raw_ws c(port);
        c.upgrade();
        REQUIRE(c.write(client_frame(op_text, hello("silent"))));
        const auto last_sent = clock::now();
        raw_ws::expect_welcome(c);

        auto ping = c.read_control(deadline(4s));
        INFO("ended: " << c.ended() << " " << c.how());
        REQUIRE(ping);
        CHECK_FALSE(ping->masked);
        REQUIRE(ping->op == op_ping);
        const double ping_after = seconds_since(last_sent);
        INFO("ping " << ping_after << " s after the last byte sent");
        CHECK(ping_after >= 0.9);
        CHECK(ping_after <= 2.5);

        REQUIRE(c.wait_end(6s));
        const double end_after = seconds_since(last_sent);
        INFO("connection ended (" << c.how() << ") " << end_after << " s after the last byte sent");
        CHECK(end_after >= 1.9);
        CHECK(end_after <= 4.0);
    }

    SECTION("a client that answers each ping with a pong") {
        raw_ws c(port);
        c.upgrade();
        c.join("answering");
        const deadline quiet(5s);
        int pings = 0;
        while (!quiet.expired()) {
            auto f = c.read_control(quiet);
            if (!f) {
                break;
            }
            INFO("frame opcode " << int(f->op));
            REQUIRE(f->op == op_ping);
            ++pings;
            REQUIRE(c.write(client_frame(op_pong, f->payload)));
        }
        INFO("ended: " << c.ended() << " " << c.how());
        REQUIRE_FALSE(c.ended());
        CHECK(pings >= 2);  // one every 1-1.5 s

        REQUIRE(c.write(client_frame(op_text, R"({"type":"ping","id":"x"})")));
        const deadline until(5s);
        std::optional<json> ack;
        while (!ack) {
            auto f = c.read_frame(until);
            REQUIRE(f);
            if (f->op == op_ping) {
                REQUIRE(c.write(client_frame(op_pong, f->payload)));
                continue;
            }
            REQUIRE(f->op == op_text);
            std::size_t at = 0;
            while (at < f->payload.size()) {
                std::size_t end = f->payload.find('\n', at);
                if (end == std::string::npos) {
                    end = f->payload.size();
                }
                const json m = json::parse_or_throw(std::string_view(f->payload).substr(at, end - at));
                if (m.str("id") == std::optional<std::string>("x")) {
                    ack = m;
                }
                at = end + 1;
            }
        }
        CHECK(ack->type() == "ack");
    }
}

TEST_CASE("a frame cut between two reads is completed later, while other connections on the same thread are read",
          "[integration][ws_framing][partial]") {
    // Each worker reads into one shared buffer that a connection keeps only
    // while it holds part of a frame: the part must survive other
    // connections' reads, and must not leak into them.
    server_process server;
    raw_ws a(server.port());
    a.upgrade();
    const std::string frame = client_frame(op_text, hello("cut"));
    const std::size_t cut = frame.size() / 2;
    // A whole ping and half the hello in one write; the pong shows that the
    // server has read that write.
    REQUIRE(a.write(client_frame(op_ping, "p") + frame.substr(0, cut)));
    auto pong = a.read_frame(5s);
    REQUIRE(pong);
    CHECK(pong->op == op_pong);
    // Connections are spread over the worker threads in turn: two more cover
    // a's thread whatever their number (2 here).
    for (const char* name : {"other1", "other2"}) {
        raw_ws b(server.port());
        b.upgrade(client_frame(op_text, hello(name)));
        const json welcome = raw_ws::expect_welcome(b);
        CHECK(welcome.str("you.name") == std::optional<std::string>(name));
    }
    REQUIRE(a.write(frame.substr(cut)));
    const json welcome = raw_ws::expect_welcome(a);
    CHECK(welcome.str("you.name") == std::optional<std::string>("cut"));
}
