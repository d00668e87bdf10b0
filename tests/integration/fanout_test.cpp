// Fan-out: many viewers of one room receive every host event, gap-free, in
// the same order.
#include <algorithm>
#include <iostream>
#include <limits>
#include <map>

#include <catch2/catch.hpp>

#include "tests/support/room_helpers.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/viewer_swarm.hpp"

using namespace liveroom::test;

namespace {

#ifdef LIVEROOM_IT_SANITIZED
constexpr std::size_t default_viewers = 200;
constexpr std::size_t default_events = 2000;
#else
constexpr std::size_t default_viewers = 1000;
constexpr std::size_t default_events = 10000;
#endif

}  // namespace

TEST_CASE("1,000 viewers in one room receive 10,000 host events gap-free and in order", "[integration][fanout]") {
    const std::size_t viewers = env_or("LIVEROOM_FANOUT_VIEWERS", default_viewers);
    const std::size_t events = env_or("LIVEROOM_FANOUT_EVENTS", default_events);
    // How far the host may run ahead of the slowest viewer: enough to let the
    // server batch, small enough that a healthy viewer is never "slow".
    const std::uint64_t lead = env_or("LIVEROOM_FANOUT_LEAD", 400);
    const auto started = clock::now();
    deadline budget(120s);

    server_process server;
    auto host = join_room(server.port(), {.room = "demo", .token = server.token("host", "demo", "Host")});
    REQUIRE(host.welcome.str("you.role") == "host");

    swarm_options options;
    options.port = server.port();
    options.viewers = viewers;
    options.notice_index = true;
    viewer_swarm swarm(options);
    swarm.start();

    // 1. Everyone joins.
    if (!swarm.wait_welcomed(std::min<clock::duration>(45s, budget.remaining()))) {
        swarm.stop();
        FAIL("not every viewer was welcomed: " << summarize_reports(
                 swarm.reports(), [](const viewer_report& r) { return r.welcomed && r.failure.empty(); }));
    }
    const double join_seconds = seconds_since(started);

    // 2. Let presence settle so that the notices are not interleaved with
    //    presence events (online = viewers + the host). Best effort, bounded.
    const auto expected_online = static_cast<std::int64_t>(viewers + 1);
    bool settled = swarm.wait_until(
        [&] {
            for (std::size_t i = 0; i < swarm.size(); ++i) {
                if (swarm.last_online(i) != expected_online) {
                    return false;
                }
            }
            return true;
        },
        std::min<clock::duration>(10s, budget.remaining()));
    if (!settled) {
        WARN("presence never reported online == " << expected_online
                                                  << " to every viewer; notices may be interleaved with presence");
    }

    // 3. The host publishes, pipelined, never more than `lead` notices ahead of the slowest viewer.
    std::uint64_t slowest = 0;
    publish_options publish;
    publish.max_outstanding = 64;
    publish.budget = budget.remaining();
    publish.ack_timeout = 20s;
    publish.may_send = [&](std::uint64_t sent) {
        if (sent < slowest + lead) {
            return true;
        }
        slowest = swarm.min_live_notices();
        return slowest == std::numeric_limits<std::uint64_t>::max() || sent < slowest + lead;
    };
    const auto publish_started = clock::now();
    auto result = publish_notices(*host, events, publish);
    INFO("publish: " << result.sent << " sent, " << result.acked << " acked in " << result.seconds << " s, slowest ack "
                     << result.max_ack_ms << " ms; error: " << result.error);
    if (!result.ok()) {
        swarm.stop();
        INFO(summarize_reports(swarm.reports(), [&](const viewer_report& r) { return r.failure.empty() && !r.ended; }));
        FAIL("publishing failed");
    }

    // 4. Every viewer still connected gets all of them.
    bool delivered = swarm.wait_until(
        [&] {
            auto least = swarm.min_live_notices();
            return least == std::numeric_limits<std::uint64_t>::max() || least >= events;
        },
        budget.remaining());
    const double deliver_seconds = seconds_since(publish_started);
    swarm.stop();
    auto reports = swarm.reports();
    std::cout << "fanout: " << viewers << " viewers joined in " << join_seconds << " s; " << events
              << " notices published and delivered in " << deliver_seconds << " s ("
              << static_cast<double>(viewers * events) / deliver_seconds << " deliveries/s); total "
              << seconds_since(started) << " s\n";

    // The (seq, text) sequence most viewers saw is the reference.
    std::map<std::uint64_t, std::size_t> hashes;
    for (const auto& r : reports) {
        ++hashes[r.notice_hash];
    }
    std::uint64_t reference = 0;
    std::size_t best = 0;
    for (const auto& [h, n] : hashes) {
        if (n > best) {
            best = n;
            reference = h;
        }
    }

    CHECK(delivered);
    auto complete = [&](const viewer_report& r) {
        return r.welcomed && r.failure.empty() && !r.ended && r.notices == events && r.gaps == 0 && r.backwards == 0 &&
               r.notice_index_errors == 0 && r.first_notice_index == 1 &&
               r.last_notice_index == static_cast<std::int64_t>(events) && r.notice_hash == reference;
    };
    INFO(summarize_reports(reports, complete));
    CHECK(std::all_of(reports.begin(), reports.end(), complete));
    CHECK(hashes.size() == 1);

    // With presence settled and one publisher, the notices are consecutive room events.
    if (settled) {
        auto consecutive = [&](const viewer_report& r) {
            return r.notice_seq_breaks == 0 && r.notices == events &&
                   r.last_notice_seq - r.first_notice_seq == events - 1;
        };
        INFO(summarize_reports(reports, consecutive));
        CHECK(std::all_of(reports.begin(), reports.end(), consecutive));
    }
    CHECK(server.alive());
}
