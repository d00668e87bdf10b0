// A delivery pass runs in slices (worker::pass_slice members each) so that a
// worker's other handlers run in between. Members that leave or join while a
// pass is under way must not make it skip anyone.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "server/core/config.hpp"
#include "server/fanout/frame.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/member.hpp"
#include "server/hub/worker.hpp"

namespace {

using namespace liveroom;

struct counting_member : hub::member {
    int served = 0;
    bool subscribed = false;
    std::function<void()> on_serve;
    void on_room_frames() override {
        ++served;
        if (on_serve) {
            auto f = std::move(on_serve);  // once
            f();
        }
    }
    void on_room_rewound(std::uint64_t) override {}
    void on_room_banned(const std::string&) override {}
    void on_room_unavailable() override {}
};

struct pass_fixture {
    core::config cfg;
    std::unique_ptr<hub::hub> h;
    std::shared_ptr<hub::room_runner> room;
    hub::worker* w = nullptr;
    hub::local_room* local = nullptr;
    std::vector<std::unique_ptr<counting_member>> members;
    std::uint64_t seq = 0;

    explicit pass_fixture(std::size_t n) {
        cfg.threads = 2;
        h = std::make_unique<hub::hub>(cfg, nullptr);
        room::room_spec spec;
        spec.id = "slices";
        room = h->create(std::move(spec));
        // The test thread plays a worker that does not own the room (its
        // io_context is not running, so nothing else touches it).
        w = &h->worker_at(room->owner().index() == 0 ? 1 : 0);
        for (std::size_t i = 0; i < n; ++i) {
            add();
        }
    }
    counting_member& add() {
        members.push_back(std::make_unique<counting_member>());
        auto& m = *members.back();
        local = &w->subscribe(*room, m);
        m.subscribed = true;
        return m;
    }
    void remove(counting_member& m) {
        w->unsubscribe(*room, m);
        m.subscribed = false;
    }
    // The member now at `pos` in the worker's list (positions as the pass sees them).
    counting_member& at(std::size_t pos) {
        for (auto& m : members) {
            if (m->subscribed && m->member_index == pos) {
                return *m;
            }
        }
        FAIL("no member at " << pos);
        throw;
    }
    void publish() {
        ++seq;
        room->events().publish(fanout::frame::make(seq, fanout::frame_class::critical, 0, "{}"));
        w->on_wake(*room);
    }
    // Runs the worker's handlers until every subscribed member was served
    // `times` (bounded: 5 s).
    bool run_until_served(int times) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < deadline) {
            bool all = true;
            for (auto& m : members) {
                all = all && (!m->subscribed || m->served >= times);
            }
            if (all) {
                return true;
            }
            w->ioc().run_one_for(std::chrono::milliseconds(10));
        }
        return false;
    }
};

}  // namespace

TEST_CASE("a sliced pass serves every member once, with members leaving and joining mid-pass", "[hub]") {
    constexpr std::size_t n = hub::worker::pass_slice * 4;
    pass_fixture f(n);
    // During the first slice: a served member leaves, and so does one not yet served.
    f.at(100).on_serve = [&] {
        f.remove(f.at(10));
        f.remove(f.at(700));
    };
    // A member that closes while it is being served (a failed write).
    f.at(150).on_serve = [&] { f.remove(f.at(150)); };
    f.publish();
    // Between slices: more served members leave, from the front and the end
    // of the served part, and newcomers join.
    REQUIRE(f.at(0).served == 1);
    REQUIRE(f.at(n - 10).served == 0);
    f.remove(f.at(0));
    f.remove(f.at(hub::worker::pass_slice - 3));
    f.add();
    f.add();
    REQUIRE(f.run_until_served(1));
    for (auto& m : f.members) {
        CHECK(m->served <= 1);
    }
}

TEST_CASE("an event published while a sliced pass runs gets a pass of its own", "[hub]") {
    pass_fixture f(hub::worker::pass_slice * 3);
    f.publish();
    REQUIRE(f.at(0).served == 1);
    f.publish();  // the first pass is between slices
    REQUIRE(f.run_until_served(2));
    for (auto& m : f.members) {
        CHECK(m->served == 2);
    }
}

TEST_CASE(
    "a write that completes while a pass is under way leaves its events to a pass; with none due it writes at once",
    "[hub]") {
    pass_fixture f(hub::worker::pass_slice * 3);
    CHECK_FALSE(f.w->defer_to_pass(*f.local));  // no pass due: the member writes itself
    f.publish();
    REQUIRE(f.at(0).served == 1);
    // Between slices, member 0 (already served) finishes a write with events
    // left: they wait for a pass, so another pass must follow this one.
    CHECK(f.w->defer_to_pass(*f.local));
    REQUIRE(f.run_until_served(2));
    CHECK(f.at(0).served == 2);
    CHECK_FALSE(f.w->defer_to_pass(*f.local));  // all passes done
}
