// Abuse resistance (issue 8): the per-connection request rate and the flood
// close, the per-address connection cap and handshake rate, the per-room cap,
// and the global cap on bytes queued for writing. Each breach is checked on
// the wire (the contract's error or a close code with a reason) and in /metrics.
#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

// prefix followed by n in decimal.
std::string numbered(std::string_view prefix, std::uint64_t n) {
    std::string s(prefix);
    s += std::to_string(n);
    return s;
}

// The default viewer limits, restored over the test harness's raised ones.
const std::vector<std::string> viewer_limits = {"--viewer-requests-per-s", "10", "--viewer-request-burst", "20"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// `n` guests of the demo room that check their notices, all welcomed.
std::unique_ptr<viewer_swarm> start_viewers(std::uint16_t port, std::size_t n) {
    swarm_options options;
    options.port = port;
    options.viewers = n;
    options.notice_index = true;
    auto swarm = std::make_unique<viewer_swarm>(options);
    swarm->start();
    REQUIRE(swarm->wait_welcomed(30s));
    return swarm;
}

// Milliseconds from the host's notice.set until every viewer of `swarm` got
// it, for `count` notices one after the other.
std::vector<double> delivery_latencies(
    ws_client& host, viewer_swarm& swarm, std::uint64_t& published, int count, clock::duration spacing) {
    std::vector<double> out;
    for (int i = 0; i < count; ++i) {
        const auto started = clock::now();
        ++published;
        const std::string id = numbered("n", published);
        auto ack = host.request(notice_request(id, indexed_notice(published)), id, 10s);
        REQUIRE(ack);
        REQUIRE(ack->type() == "ack");
        const std::uint64_t want = published;
        REQUIRE(swarm.wait_until(
            [&] {
                const auto least = swarm.min_live_notices();
                return least != std::numeric_limits<std::uint64_t>::max() && least >= want;
            },
            10s));
        out.push_back(std::chrono::duration<double, std::milli>(clock::now() - started).count());
        std::this_thread::sleep_until(started + spacing);  // pacing, not synchronization
    }
    return out;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.at(static_cast<std::size_t>(p * static_cast<double>(v.size() - 1)));
}

struct raw_response {
    int status = 0;  // 0: the server closed without an answer
    std::string text;
};

// Plain HTTP GET from a chosen loopback source address (the per-address
// limits count each address apart).
raw_response get_from(const std::string& source, std::uint16_t port, const std::string& target = "/healthz") {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.open(asio::ip::tcp::v4());
    s.bind({asio::ip::make_address(source), 0});
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    asio::write(s, asio::buffer(req));
    raw_response out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out.text), ec);  // until the server closes (Connection: close)
    if (out.text.size() >= 12) {
        out.status = std::stoi(out.text.substr(9, 3));
    }
    return out;
}

int status_from(const std::string& source, std::uint16_t port) {
    return get_from(source, port).status;
}

// A metric read from 127.0.0.250, an address no test limits.
std::int64_t metric(std::uint16_t port, const std::string& name) {
    const auto res = get_from("127.0.0.250", port, "/metrics");
    const std::string key = "\n" + name + " ";
    const auto at = res.text.find(key);
    if (at == std::string::npos) {
        return -1;
    }
    return std::stoll(res.text.substr(at + key.size()));
}

}  // namespace

TEST_CASE("a flooding client is refused and closed while the others' deliveries stay fast",
          "[integration][abuse][flood]") {
    // Flood bucket: 5 x 10/s with 300 s of burst = 15,000 messages, so a
    // 10,000/s flood is closed after about 1.5 s: long enough to measure the
    // others during it.
    server_process server({.extra_args = with(viewer_limits, {"--flood-factor", "5", "--flood-seconds", "300"})});
    const auto port = server.port();
    auto host = join_room(port, {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto swarm_owner = start_viewers(port, 50);
    auto& swarm = *swarm_owner;

    std::uint64_t published = 0;
    delivery_latencies(*host, swarm, published, 5, 20ms);  // warm-up
    const auto quiet = delivery_latencies(*host, swarm, published, 20, 50ms);

    auto flooder = join_room(port, {.room = "demo", .name = "flooder"});
    std::atomic<std::uint64_t> sent{0};
    std::string flood_end;
    std::thread flood([&] {
        // 100 requests every 10 ms: 10,000 a second, for at most 2 s.
        const auto start = clock::now();
        for (int tick = 0; tick < 200; ++tick) {
            std::string chunk;
            for (int i = 0; i < 100; ++i) {
                const std::uint64_t n = sent + static_cast<std::uint64_t>(i);
                chunk +=
                    masked_text_frame(n % 2 == 0 ? numbered(R"({"type":"ping","id":"f)", n) + "\"}"
                                                 : numbered(R"({"type":"vote","id":"f)", n) + R"(","qid":"q-none"})");
            }
            std::string error;
            if (!flooder->write_raw(chunk, 2s, &error)) {
                flood_end = error;
                break;
            }
            sent += 100;
            std::this_thread::sleep_until(start + (tick + 1) * 10ms);  // pacing
        }
    });
    const auto loud = delivery_latencies(*host, swarm, published, 20, 50ms);  // the flood's first second
    flood.join();

    std::vector<json> replies;
    const bool closed = flooder->wait_closed(10s, &replies);
    std::size_t limited = 0;
    std::size_t answered = 0;
    for (const auto& r : replies) {
        if (r.str("code") == "rate_limited") {
            ++limited;
        } else if (r.type() == "ack" || r.type() == "error") {
            ++answered;
        }
    }
    const double quiet_p50 = percentile(quiet, 0.5);
    const double loud_p50 = percentile(loud, 0.5);
    const double loud_max = percentile(loud, 1.0);
    INFO("flooder sent " << sent << " requests; got " << limited << " rate_limited and " << answered
                         << " other replies; ended: " << flooder->end_description() << " " << flood_end);
    INFO("delivery to 50 viewers, ms: quiet p50 " << quiet_p50 << " max " << percentile(quiet, 1.0) << "; flood p50 "
                                                  << loud_p50 << " max " << loud_max);
    WARN("flood figures: sent " << sent << ", rate_limited " << limited << ", quiet p50 " << quiet_p50
                                << " ms, flood p50 " << loud_p50 << " ms, flood max " << loud_max << " ms");
    CHECK(closed);
    CHECK(limited > 1000);
    CHECK(answered <= 20 + 10 * 3 + 1);  // the burst and the rate, never more
    CHECK(flooder->close_code() == std::optional<std::uint16_t>(1008));
    CHECK(flooder->close_reason() == "flooding");
    // Generous bounds: the flood must not make others wait behind it. (The
    // flooding thread of this test shares the machine's two cores too.)
    CHECK(loud_p50 < std::max(4 * quiet_p50, 100.0));
    CHECK(loud_max < 1000.0);
    CHECK(metric(port, "liveroom_ws_rate_limited_total") >= static_cast<std::int64_t>(limited));
    CHECK(metric(port, "liveroom_ws_flood_closes_total") == 1);
    CHECK(swarm.ended_count() == 0);
}

TEST_CASE("with the default flood settings a 10,000/s burst is closed at once", "[integration][abuse][flood]") {
    server_process server({.extra_args = viewer_limits});
    auto flooder = join_room(server.port(), {.room = "demo", .name = "flooder"});
    std::string chunk;
    for (int i = 0; i < 1000; ++i) {
        chunk += masked_text_frame(numbered(R"({"type":"ping","id":"p)", i) + "\"}");
    }
    flooder->write_raw(chunk, 5s);
    std::vector<json> replies;
    REQUIRE(flooder->wait_closed(10s, &replies));
    std::size_t acks = 0;
    std::size_t limited = 0;
    for (const auto& r : replies) {
        acks += r.type() == "ack" ? 1 : 0;
        limited += r.str("code") == "rate_limited" ? 1 : 0;
    }
    INFO("acks " << acks << ", rate_limited " << limited << ", " << flooder->end_description());
    CHECK(acks <= 21);
    CHECK(limited > 0);
    CHECK(acks + limited < 300);  // closed after the flood bucket's 250, the rest unread
    CHECK(flooder->close_code() == std::optional<std::uint16_t>(1008));
    CHECK(flooder->close_reason() == "flooding");
}

TEST_CASE("within the rate nothing is refused; requests without an id are dropped silently",
          "[integration][abuse][rate]") {
    server_process server({.extra_args = viewer_limits});
    auto v = join_room(server.port(), {.room = "demo", .name = "v"});
    // The welcome's hello took one token: 19 more pings with ids pass at once.
    for (int i = 0; i < 19; ++i) {
        const std::string id = numbered("p", i);
        auto r = v->request(R"({"type":"ping","id":")" + id + "\"}", id);
        REQUIRE(r);
        CHECK(r->type() == "ack");
    }
    // Past the burst: without an id nothing comes back; with one, rate_limited.
    v->send(R"({"type":"ping"})");
    auto limited = v->request(R"({"type":"ping","id":"over"})", "over");
    REQUIRE(limited);
    CHECK(limited->str("code") == "rate_limited");
    CHECK(v->buffered() == 0);
    // A moment later (one token every 100 ms) requests pass again.
    deadline until(5s);
    bool passed = false;
    for (int i = 0; !passed && !until.expired(); ++i) {
        std::this_thread::sleep_for(50ms);  // waiting for tokens to come back: time is the condition
        const std::string id = numbered("again", i);
        auto r = v->request(R"({"type":"ping","id":")" + id + "\"}", id);
        passed = r && r->type() == "ack";
    }
    CHECK(passed);
    CHECK(metric(server.port(), "liveroom_ws_rate_limited_total") >= 2);
}

TEST_CASE("moderators and hosts get the higher staff rate", "[integration][abuse][rate]") {
    server_process server(
        {.extra_args = with(viewer_limits, {"--staff-requests-per-s", "50", "--staff-request-burst", "100"})});
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto viewer = join_room(server.port(), {.room = "demo", .name = "v"});
    auto count_acks = [](ws_client& c, int n) {
        std::string chunk;
        for (int i = 0; i < n; ++i) {
            chunk += masked_text_frame(numbered(R"({"type":"ping","id":"b)", i) + "\"}");
        }
        REQUIRE(c.write_raw(chunk, 5s));
        int acks = 0;
        for (int i = 0; i < n; ++i) {
            auto r = c.reply_to(numbered("b", i), 5s);
            REQUIRE(r);
            acks += r->type() == "ack" ? 1 : 0;
        }
        return acks;
    };
    const int host_acks = count_acks(*host, 60);
    const int viewer_acks = count_acks(*viewer, 60);
    INFO("of 60 pings at once: host " << host_acks << " acked, viewer " << viewer_acks);
    CHECK(host_acks == 60);
    CHECK(viewer_acks >= 19);
    CHECK(viewer_acks <= 21);
}

TEST_CASE("--max-connections-per-ip refuses with 429 past the cap, per address", "[integration][abuse][ip]") {
    server_process server({.extra_args = {"--max-connections-per-ip", "4", "--handshakes-per-ip-per-s", "0"}});
    const auto port = server.port();
    std::vector<joined> viewers;
    for (int i = 0; i < 4; ++i) {
        viewers.push_back(join_room(port, {.room = "demo"}));
    }
    const auto refused = http_get(port, "/healthz");
    CHECK(refused.status == 429);
    CHECK(refused.body.find("rate_limited") != std::string::npos);
    CHECK(refused.body.find("too many connections from your address") != std::string::npos);
    bool ws_refused = false;
    try {
        join_room(port, {.room = "demo"}, {}, 5s);
    } catch (const std::exception& e) {
        ws_refused = true;
        INFO(e.what());
    }
    CHECK(ws_refused);
    CHECK(status_from("127.0.0.2", port) == 200);  // another address has its own count
    CHECK(metric(port, "liveroom_refused_ip_connections_total") >= 2);

    viewers.back()->close();
    viewers.pop_back();
    deadline until(10s);
    int status = 0;
    while (status != 200 && !until.expired()) {
        status = http_get(port, "/healthz").status;
        if (status != 200) {
            std::this_thread::sleep_for(20ms);  // the server does not announce the freed slot
        }
    }
    CHECK(status == 200);
}

TEST_CASE("--handshakes-per-ip-per-s refuses reconnect storms from one address", "[integration][abuse][ip]") {
    server_process server({.extra_args = {"--max-connections-per-ip", "0", "--handshakes-per-ip-per-s", "5"}});
    const auto port = server.port();
    int ok = 0;
    int refused = 0;
    for (int i = 0; i < 40; ++i) {
        const int status = status_from("127.0.0.1", port);
        ok += status == 200 ? 1 : 0;
        refused += status == 429 ? 1 : 0;
    }
    INFO(ok << " admitted, " << refused << " refused");
    CHECK(ok >= 10);  // the burst: two seconds' worth
    CHECK(ok <= 25);  // the burst and whatever refilled meanwhile
    CHECK(refused == 40 - ok);
    CHECK(status_from("127.0.0.3", port) == 200);
    CHECK(metric(port, "liveroom_refused_ip_handshakes_total") == refused);
}

TEST_CASE("--max-room-connections refuses a viewer's hello with rate_limited and 1013; hosts still join",
          "[integration][abuse][room]") {
    server_process server({.extra_args = {"--max-room-connections", "3"}});
    const auto port = server.port();
    std::vector<joined> viewers;
    for (int i = 0; i < 3; ++i) {
        viewers.push_back(join_room(port, {.room = "demo"}));
    }
    ws_client extra;
    extra.connect(port);
    auto answer = extra.hello({.room = "demo", .name = "one too many"});
    REQUIRE(answer);
    INFO(answer->text());
    CHECK(answer->type() == "error");
    CHECK(answer->str("code") == "rate_limited");
    REQUIRE(extra.wait_closed(5s));
    CHECK(extra.close_code() == std::optional<std::uint16_t>(1013));
    CHECK(extra.close_reason() == "room full");
    auto host = join_room(port, {.room = "demo", .token = server.token("host", "demo", "Host")});
    CHECK(host.welcome.str("you.role") == "host");
    CHECK(metric(port, "liveroom_ws_refused_room_full_total") == 1);
}

TEST_CASE("past --max-buffered-mb the stalled connections resync and readers keep up",
          "[integration][abuse][buffers]") {
    // The per-viewer lag rules (--slow-*-bytes) are moved out of the way, so
    // only the global cap can close the stalled viewers; a large batch and
    // ring let each stalled write hold up to 1 MiB.
    server_process server(
        {.extra_args = {"--max-buffered-mb", "1", "--slow-soft-bytes", "67108864", "--slow-hard-bytes", "67108864",
                        "--max-batch-bytes", "1048576", "--ring-size", "8192"}});
    const auto port = server.port();
    auto host = join_room(port, {.room = "demo", .token = server.token("host", "demo", "Host")});
    auto readers_owner = start_viewers(port, 5);
    auto& readers = *readers_owner;
    publish_options publish;
    publish.pad = 490;  // ~2 KB notices: 6 MB of backlog
    std::uint64_t count = 3000;
    REQUIRE(publish_notices(*host, count, publish).ok());
    // Stalled viewers resume from seq 1: the message with their welcome
    // carries 1 MiB of that backlog (read by join_room), the next one another
    // 1 MiB, which a 4 KiB receive buffer never takes: 8 writes of 1 MiB stay
    // in flight, past the 1 MiB cap.
    std::vector<joined> stalled;
    for (int i = 0; i < 8; ++i) {
        stalled.push_back(
            join_room(port, {.room = "demo", .name = "stalled", .since = 1}, {.receive_buffer_bytes = 4096}, 20s));
    }
    // More events: each stalled session sees it is stuck while the cap is passed.
    const publish_options more{.id_prefix = "m", .first_index = count + 1, .pad = 490};
    REQUIRE(publish_notices(*host, 100, more).ok());
    count += 100;
    REQUIRE(readers.wait_until([&] { return readers.min_live_notices() >= count; }, 30s));
    CHECK(readers.ended_count() == 0);
    deadline until(15s);
    while (metric(port, "liveroom_ws_buffer_resyncs_total") < 8 && !until.expired()) {
        std::this_thread::sleep_for(50ms);  // polling /metrics: the server announces nothing
    }
    const auto resyncs = metric(port, "liveroom_ws_buffer_resyncs_total");
    INFO("buffer resyncs: " << resyncs << ", buffered now: " << metric(port, "liveroom_ws_buffered_bytes"));
    CHECK(resyncs >= 1);
    std::size_t ended = 0;
    for (auto& s : stalled) {
        ended += s->wait_closed(10s) ? 1 : 0;
    }
    CHECK(ended == static_cast<std::size_t>(resyncs));
    CHECK(metric(port, "liveroom_ws_buffered_bytes") < 1024 * 1024);
}

TEST_CASE("a client that sends requests and never reads the replies is closed once they pass --slow-hard-bytes",
          "[integration][abuse][outbox]") {
    namespace asio = boost::asio;
    // (A short handshake timeout also bounds the closing handshake this
    // client never answers.)
    server_process server(
        {.extra_args = {"--slow-soft-bytes", "65536", "--slow-hard-bytes", "65536", "--handshake-timeout-ms", "2000"}});
    const auto port = server.port();
    // A raw WebSocket client with a tiny receive buffer that never reads
    // after the upgrade (ws_client reads whenever it runs).
    asio::io_context ioc;
    asio::ip::tcp::socket s(ioc);
    s.open(asio::ip::tcp::v4());
    s.set_option(asio::socket_base::receive_buffer_size(4096));
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    const std::string upgrade =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    asio::write(s, asio::buffer(upgrade));
    std::string head;
    asio::read_until(s, asio::dynamic_buffer(head), "\r\n\r\n");
    REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
    asio::write(s, asio::buffer(masked_text_frame(R"({"type":"hello","room":"demo","name":"deaf"})")));
    // Pings with ids until the server gives up on this connection (each ack
    // is ~60 bytes: the kernel's buffers fill, then the server's outbox).
    boost::system::error_code ec;
    std::uint64_t sent = 0;
    deadline until(30s);
    while (!ec && !until.expired() && metric(port, "liveroom_ws_outbox_closes_total") < 1) {
        std::string chunk;
        for (int i = 0; i < 2000; ++i) {
            chunk += masked_text_frame(numbered(R"({"type":"ping","id":"p)", sent++) + "\"}");
        }
        asio::write(s, asio::buffer(chunk), ec);
    }
    INFO("sent " << sent << " pings; " << (ec ? ec.message() : "writes still accepted"));
    CHECK(metric(port, "liveroom_ws_outbox_closes_total") == 1);
    // The server closes: 1013 once its stuck write drains, or a dropped
    // connection when it does not drain within 2 s.
    std::string rest;
    s.non_blocking(false);
    timeval tv{10, 0};
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    boost::system::error_code read_ec;
    asio::read(s, asio::dynamic_buffer(rest), read_ec);
    CHECK((read_ec == asio::error::eof || read_ec == asio::error::connection_reset));
}
