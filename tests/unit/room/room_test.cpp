#include "server/room/room.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/room/demo.hpp"

using namespace liveroom;
using room::actor;

namespace {
// Collects events as JSON text (seq numbered here, as the runner would).
struct collect : room::event_sink {
    std::vector<std::string> events;
    std::vector<fanout::frame_class> classes;
    protocol::json_out j;
    void emit(std::string_view type,
              fanout::frame_class cls,
              std::uint8_t,
              const std::function<void(protocol::json_out&)>& write) override {
        j.begin(type).field("seq", static_cast<std::uint64_t>(events.size() + 1));
        write(j);
        events.emplace_back(j.finish());
        classes.push_back(cls);
    }
};
const actor host{"h1", "主持人", protocol::role::host};
const actor viewer{"v1", "观众", protocol::role::viewer};
}  // namespace

TEST_CASE("a viewer's moderator request is forbidden and changes nothing", "[room]") {
    room::room r(room::demo_room(0));
    collect sink;
    auto rep = r.apply(viewer, protocol::req::notice_set{"hi"}, 0, sink);
    CHECK_FALSE(rep.ok);
    CHECK(rep.code == protocol::errc::forbidden);
    CHECK(sink.events.empty());
}

TEST_CASE("host shows deck and new cards; notice; comments are droppable", "[room]") {
    room::room r(room::demo_room(0));
    collect sink;
    REQUIRE(r.apply(host, protocol::req::card_show{std::string("rest-1"), std::nullopt}, 0, sink).ok);
    CHECK(sink.events.back().find(R"("title":"工会驿站是什么")") != std::string::npos);
    CHECK(r.apply(host, protocol::req::card_show{std::string("nope"), std::nullopt}, 0, sink).code ==
          protocol::errc::not_found);
    REQUIRE(r.apply(host, protocol::req::notice_set{"扫码入会"}, 0, sink).ok);
    CHECK(sink.events.back() == R"({"type":"notice","seq":2,"text":"扫码入会"})");
    REQUIRE(r.apply(viewer, protocol::req::comment{"谢谢"}, 0, sink).ok);
    CHECK(sink.classes.back() == fanout::frame_class::droppable);
    CHECK(sink.classes.front() == fanout::frame_class::critical);
}

TEST_CASE("extend moves the planned end; end closes the room", "[room]") {
    auto spec = room::demo_room(1000);
    room::room r(spec);
    collect sink;
    r.on_tick(1000, sink);
    CHECK(r.status() == protocol::room_status::live);
    REQUIRE(r.apply(host, protocol::req::room_extend{60}, 0, sink).ok);
    CHECK(r.ends_at() == spec.ends_at + 60 * 60 * 1000);
    CHECK(sink.events.back().find(R"("reason":"extended")") != std::string::npos);
    REQUIRE(r.apply(host, protocol::req::room_end{}, 0, sink).ok);
    CHECK(r.status() == protocol::room_status::ended);
    CHECK(r.apply(viewer, protocol::req::comment{"x"}, 0, sink).code == protocol::errc::closed);
    const auto n = sink.events.size();
    CHECK(r.apply(host, protocol::req::room_end{}, 0, sink).ok);  // idempotent, no event
    CHECK(sink.events.size() == n);
}
