// 5,000 half-open connections (TCP connects that never send a byte, or never
// finish their HTTP upgrade request) do not keep a new viewer out, and the
// server drops them at --handshake-timeout-ms. They come from 50 loopback
// addresses (127.0.0.10 ..) so the default per-address cap (200) admits them.
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <sys/resource.h>

#include "tests/support/metrics_scrape.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"

using namespace liveroom::test;
namespace asio = boost::asio;

namespace {

// Raises this process's open-file limit to its hard limit; the limit now.
rlim_t raise_nofile() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

}  // namespace

TEST_CASE("5,000 half-open connections do not keep a new viewer out", "[integration][abuse][half_open]") {
#ifdef LIVEROOM_IT_SANITIZED
    constexpr std::size_t total = 2000;  // sanitized builds are slower; the idea is the same
#else
    constexpr std::size_t total = 5000;
#endif
    constexpr std::size_t addresses = 50;
    const rlim_t files = raise_nofile();
    if (files < total + 200) {
        WARN("RLIMIT_NOFILE is " << files << ": not enough descriptors for " << total << " connections");
        return;
    }
    // The defaults for the per-address limits (200 connections, 50 a second
    // with a burst of 100), and a short handshake deadline to see them dropped.
    server_process server({.extra_args = {"--max-connections-per-ip", "200", "--handshakes-per-ip-per-s", "50",
                                          "--handshake-timeout-ms", "3000"}});
    const auto port = server.port();
    const asio::ip::tcp::endpoint to(asio::ip::make_address("127.0.0.1"), port);

    asio::io_context ioc;
    std::vector<asio::ip::tcp::socket> half_open;
    half_open.reserve(total);
    const auto started = clock::now();
    const std::string partial = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n";
    for (std::size_t i = 0; i < total; ++i) {
        asio::ip::tcp::socket s(ioc);
        s.open(asio::ip::tcp::v4());
        const std::string source = "127.0.0." + std::to_string(10 + i % addresses);
        s.bind({asio::ip::make_address(source), 0});
        s.connect(to);
        if (i % 2 == 1) {
            asio::write(s, asio::buffer(partial));  // an upgrade that never ends
        }
        half_open.push_back(std::move(s));
    }
    INFO(total << " half-open connections made in " << seconds_since(started) << " s");

    // A new viewer joins promptly while they are all open.
    const auto join_started = clock::now();
    auto viewer = join_room(port, {.room = "demo", .name = "newcomer"}, {}, 5s);
    const double join_s = seconds_since(join_started);
    INFO("the newcomer joined in " << join_s << " s");
    WARN("half-open: " << total << " connections from " << addresses << " addresses; newcomer joined in " << join_s
                       << " s");
    CHECK(join_s < 3.0);
    CHECK(viewer.welcome.type() == "welcome");
    CHECK(scrape_metric(port, "liveroom_ip_addresses_tracked").value_or(0) >= static_cast<std::int64_t>(addresses));
    // 100 from each address: within the default cap and handshake burst.
    CHECK(scrape_metric(port, "liveroom_refused_ip_connections_total") == 0);
    CHECK(scrape_metric(port, "liveroom_refused_ip_handshakes_total") == 0);

    // The server drops them at the handshake deadline: every one ends.
    std::size_t ended = 0;
    for (auto& s : half_open) {
        s.non_blocking(false);
        timeval tv{6, 0};
        setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char byte = 0;
        boost::system::error_code ec;
        s.read_some(asio::buffer(&byte, 1), ec);
        ended += ec ? 1 : 0;  // end of stream or reset, not a timeout (that is EAGAIN after 6 s)
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            --ended;
            break;
        }
    }
    CHECK(ended == total);
    // Nearly all ended at the server's deadline. A few of 5,000 connects made
    // in a fraction of a second may overflow the kernel's accept queue
    // (SOMAXCONN): the server never sees them and the kernel resets them.
    CHECK(scrape_metric(port, "liveroom_http_request_timeouts_total").value_or(0) >=
          static_cast<std::int64_t>(total * 99 / 100));
    // The newcomer is still being served.
    auto pong = viewer->request(R"({"type":"ping","id":"after"})", "after");
    REQUIRE(pong);
    CHECK(pong->type() == "ack");
}
