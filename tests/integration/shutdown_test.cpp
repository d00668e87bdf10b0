// Graceful shutdown: SIGTERM closes every WebSocket with 1001 and the process exits 0 within 5 s.
#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/support/process.hpp"
#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

// SIGTERM, then the exit within 5 s with status 0, then every swarm viewer closed with 1001.
void terminate_and_check(server_process& server, viewer_swarm& swarm) {
    const auto signalled = clock::now();
    server.terminate();
    auto status = server.wait_exit(5s);
    const double took = seconds_since(signalled);
    INFO("exit after " << took << " s: " << (status ? describe_wait_status(*status) : std::string("still running")));
    REQUIRE(status);
    CHECK(exited_with(*status, 0));
    CHECK(took <= 5.0);

    swarm.wait_until([&] { return swarm.ended_count() + swarm.failed_count() >= swarm.size(); }, 5s);
    swarm.stop();
    auto reports = swarm.reports();
    auto closed_1001 = [](const viewer_report& r) {
        return r.failure.empty() && r.ended && r.close_code == std::optional<std::uint16_t>(1001);
    };
    INFO(summarize_reports(reports, closed_1001));
    CHECK(std::all_of(reports.begin(), reports.end(), closed_1001));
}

swarm_options viewers_of(const server_process& server, std::size_t n) {
    swarm_options options;
    options.port = server.port();
    options.viewers = n;
    return options;
}

}  // namespace

TEST_CASE("SIGTERM closes every viewer with 1001 and exits 0 within 5 s", "[integration][shutdown]") {
    server_process server;
    // Viewers that keep reading, and so answer the closing handshake at once.
    viewer_swarm swarm(viewers_of(server, 20));
    swarm.start();
    REQUIRE(swarm.wait_welcomed(20s));
    terminate_and_check(server, swarm);
}

TEST_CASE("a client that does not answer the closing handshake does not hold up the exit", "[integration][shutdown]") {
    server_process server;
    // The host stops reading: the server's close frame waits in its socket, unanswered.
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    viewer_swarm swarm(viewers_of(server, 5));
    swarm.start();
    REQUIRE(swarm.wait_welcomed(20s));
    terminate_and_check(server, swarm);

    // Reading now, the host finds the close frame.
    REQUIRE(host->wait_closed(5s));
    INFO("host: " << host->end_description());
    CHECK(host->close_code() == std::optional<std::uint16_t>(1001));
}
