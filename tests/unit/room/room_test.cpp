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
    std::vector<std::string> mod;
    void emit_mod(std::string_view type, const std::function<void(protocol::json_out&)>& write) override {
        j.begin(type);
        write(j);
        mod.emplace_back(j.finish());
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

namespace {
const actor mod{"m1", "版主", protocol::role::moderator};
const actor viewer2{"v2", "观众2", protocol::role::viewer};
std::string qid_of(const room::reply& r) {
    protocol::json_out j;
    j.begin("ack");
    r.ack_fields(j);
    const std::string s(j.finish());
    const auto at = s.find(R"("qid":")") + 7;
    return s.substr(at, s.find('"', at) - at);
}
}  // namespace

TEST_CASE("questions: ask, vote once per viewer, coalesced vote updates", "[room]") {
    room::room r(room::demo_room(0));
    collect sink;
    auto rep = r.apply(viewer, protocol::req::ask{"我父母能报销吗？", false}, 10, sink);
    REQUIRE(rep.ok);
    const std::string qid = qid_of(rep);
    CHECK(sink.events.back().find(R"("status":"visible")") != std::string::npos);
    const auto n = sink.events.size();
    REQUIRE(r.apply(viewer, protocol::req::vote{qid}, 11, sink).ok);
    REQUIRE(r.apply(viewer2, protocol::req::vote{qid}, 11, sink).ok);
    REQUIRE(r.apply(viewer2, protocol::req::vote{qid}, 12, sink).ok);  // undo
    REQUIRE(r.apply(viewer2, protocol::req::vote{qid}, 12, sink).ok);  // again
    CHECK(sink.events.size() == n);                                    // nothing until the tick
    r.on_tick(20, sink);
    REQUIRE(sink.events.size() == n + 1);  // one update for four vote changes
    CHECK(sink.events.back().find(R"("votes":2)") != std::string::npos);
    r.on_tick(30, sink);
    CHECK(sink.events.size() == n + 1);  // nothing changed
    CHECK(r.apply(viewer, protocol::req::vote{"q999"}, 12, sink).code == protocol::errc::not_found);
}

TEST_CASE("held questions reach moderators only until approved", "[room]") {
    room::room r(room::demo_room(0));
    collect sink;
    protocol::req::room_mode m;
    m.hold_questions = true;
    REQUIRE(r.apply(mod, m, 0, sink).ok);
    const auto n = sink.events.size();
    auto rep = r.apply(viewer, protocol::req::ask{"怎么扫码入会", false}, 1, sink);
    REQUIRE(rep.ok);
    CHECK(sink.events.size() == n);  // no room event
    CHECK(sink.mod.back().find(R"("status":"held")") != std::string::npos);
    const std::string qid = qid_of(rep);
    CHECK(r.apply(viewer2, protocol::req::vote{qid}, 2, sink).code == protocol::errc::not_found);
    CHECK(r.apply(viewer, protocol::req::question_action{protocol::req::question_verb::approve, qid, {}, {}}, 3, sink)
              .code == protocol::errc::forbidden);
    REQUIRE(
        r.apply(mod, protocol::req::question_action{protocol::req::question_verb::approve, qid, {}, {}}, 3, sink).ok);
    CHECK(sink.events.back().find(R"("status":"visible")") != std::string::npos);
}

TEST_CASE("one question answering at a time; answers carry cards; merges unite votes", "[room]") {
    room::room r(room::demo_room(0));
    collect sink;
    const auto a = qid_of(r.apply(viewer, protocol::req::ask{"哪些人可以参加互助保障", false}, 1, sink));
    const auto b = qid_of(r.apply(viewer2, protocol::req::ask{"哪些人能参加互助保障？", false}, 2, sink));
    CHECK(sink.mod.back().find(a) != std::string::npos);  // grouped as similar for moderators
    REQUIRE(r.apply(viewer, protocol::req::vote{a}, 3, sink).ok);
    REQUIRE(r.apply(viewer, protocol::req::vote{b}, 3, sink).ok);
    REQUIRE(r.apply(viewer2, protocol::req::vote{b}, 3, sink).ok);
    REQUIRE(r.apply(mod, protocol::req::question_merge{b, a}, 4, sink).ok);
    const auto* qa = r.questions().find(a);
    const auto* qb = r.questions().find(b);
    CHECK(qa->q.votes == 2);  // viewer voted both: counts once
    CHECK(qb->q.status == protocol::question_status::merged);
    CHECK(qb->q.into == a);
    const auto c = qid_of(r.apply(viewer, protocol::req::ask{"驿站在哪里", false}, 5, sink));
    using v = protocol::req::question_verb;
    REQUIRE(r.apply(mod, protocol::req::question_action{v::answering, a, {}, {}}, 6, sink).ok);
    REQUIRE(r.apply(mod, protocol::req::question_action{v::answering, c, {}, {}}, 7, sink).ok);
    CHECK(r.questions().find(a)->q.status == protocol::question_status::visible);
    CHECK(r.questions().find(c)->q.status == protocol::question_status::answering);
    CHECK(r.apply(mod, protocol::req::question_action{v::answer, a, std::string("在职会员"), std::string("nope")}, 8,
                  sink)
              .code == protocol::errc::not_found);
    REQUIRE(r.apply(mod, protocol::req::question_action{v::answer, a, std::string("在职会员"), std::string("aid-1")}, 8,
                    sink)
                .ok);
    CHECK(sink.events.back().find(R"("card_id":"aid-1")") != std::string::npos);
    // a new question like the answered one is shown the earlier answer at once
    auto rep = r.apply(viewer2, protocol::req::ask{"哪些人可以参加互助保障呢", false}, 9, sink);
    protocol::json_out j;
    j.begin("ack");
    rep.ack_fields(j);
    CHECK(std::string(j.finish()).find("similar_answered") != std::string::npos);
    CHECK(sink.mod.back().find(R"("answered_match":")" + a) != std::string::npos);
}
