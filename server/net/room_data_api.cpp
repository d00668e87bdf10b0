#include "server/net/room_data_api.hpp"

#include <charconv>
#include <thread>

#include <boost/asio/post.hpp>

#include "protocol/encode.hpp"
#include "server/hub/hub.hpp"
#include "server/hub/room_runner.hpp"
#include "server/net/csv.hpp"
#include "server/net/router.hpp"
#include "server/store/report.hpp"

namespace liveroom::net {

namespace http = boost::beast::http;

namespace {

// The value of `name` in the request's query string ("" when absent).
std::string_view query_param(const http_request& req, std::string_view name) {
    std::string_view target(req.target().data(), req.target().size());
    const auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {};
    }
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        }
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
    return {};
}

// An unsigned number parameter: `fallback` when absent, nullopt when invalid.
std::optional<std::uint64_t> number_param(const http_request& req, std::string_view name, std::uint64_t fallback) {
    const std::string_view v = query_param(req, name);
    if (v.empty()) {
        return fallback;
    }
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || p != v.data() + v.size()) {
        return std::nullopt;
    }
    return n;
}

constexpr std::uint64_t default_replay_limit = 500;
constexpr std::uint64_t max_replay_limit = 1000;

}  // namespace

void handle_replay(hub::hub& h, std::shared_ptr<hub::room_runner> room, http_request&& req, respond_fn respond) {
    const auto from = number_param(req, "from", 1);
    const auto limit = number_param(req, "limit", default_replay_limit);
    if (!from || !limit || *limit == 0 || *limit > max_replay_limit) {
        respond(make_error(req, http::status::bad_request, "bad_request",
                           "from must be a seq and limit a number from 1 to 1000"));
        return;
    }
    const std::uint64_t head = room->events().head();  // durable and published
    protocol::json_out j;
    j.begin_object();
    j.key("events");
    j.w().StartArray();
    std::uint64_t last = 0;
    if (auto* log = h.log()) {
        for (const auto& e : log->read_events(room->id(), std::max<std::uint64_t>(*from, 1), *limit)) {
            if (e.seq > head) {
                break;  // written, not yet published: the next page has it
            }
            j.w().RawValue(e.body.data(), e.body.size(), rapidjson::kObjectType);
            last = e.seq;
        }
    } else {
        // No event log: what the ring still holds.
        auto& ring = room->events();
        for (std::uint64_t s = std::max({*from, ring.oldest(), std::uint64_t{1}}); s <= head && s - *from < *limit;
             ++s) {
            if (auto* f = ring.acquire(s)) {
                const auto bytes = f->bytes();
                j.w().RawValue(bytes.data(), bytes.size(), rapidjson::kObjectType);
                f->release();
                last = s;
            }
        }
    }
    j.w().EndArray();
    j.key("next");
    const std::uint64_t next = last != 0 ? last + 1 : std::max<std::uint64_t>(*from, 1);
    if (next <= head) {
        j.w().Uint64(next);
    } else {
        j.w().Null();
    }
    respond(make_response(req, http::status::ok, std::string(j.finish()), "application/json"));
}

namespace {

// What the export reads on the room's owner thread.
struct room_state_copy {
    std::vector<room::room::question_record> questions;
    std::vector<room::quiz> quizzes;
    std::vector<room::draw_record> draws;
};

void write_indexes(protocol::json_out& j, std::uint8_t mask) {
    j.w().StartArray();
    for (int i = 0; i < 8; ++i) {
        if ((mask & (1u << i)) != 0) {
            j.w().Int(i);
        }
    }
    j.w().EndArray();
}

void write_quiz(protocol::json_out& j, const room::quiz& q) {
    auto& w = j.w();
    w.StartObject();
    j.field("id", q.pub.id).field("question", q.pub.question);
    j.key("options");
    j.value(q.pub.options);
    j.key("correct");
    j.value(q.correct);
    j.field("seconds", q.seconds).field("scoring", q.mode == protocol::req::scoring::speed ? "speed" : "accuracy");
    j.field("opened_at", q.opened_at).field("closed_at", q.closed_at).field("seed_hash", q.pub.seed_hash);
    if (q.draws > 0) {
        j.field("seed", q.seed);  // revealed by its first draw; secret until then
    }
    j.key("counts");
    j.value(q.counts);
    j.field("total", q.total).field("correct_count", q.correct_count);
    j.key("answers");
    w.StartArray();
    for (const auto& a : q.answers) {
        w.StartObject();
        j.field("user", a.user).field("name", a.name);
        j.key("choice");
        write_indexes(j, a.choice);
        j.field("correct", a.correct).field("elapsed_ms", a.elapsed_ms).field("points", a.points).field("at", a.at);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
}

}  // namespace

void write_draw(protocol::json_out& j, const room::draw_record& d) {
    auto& w = j.w();
    w.StartObject();
    j.field("id", d.id);
    if (d.quiz_id) {
        j.field("quiz_id", *d.quiz_id);
    } else {
        j.null_field("quiz_id");
    }
    j.field("seed", d.seed).field("seed_hash", d.seed_hash).field("round", static_cast<std::int64_t>(d.round));
    j.field("count", static_cast<std::int64_t>(d.count)).field("at", d.at);
    j.key("eligible");
    w.StartArray();
    for (const auto& e : d.eligible) {
        w.String(e.data(), static_cast<rapidjson::SizeType>(e.size()));
    }
    w.EndArray();
    j.field("eligible_sha256", room::eligible_digest(d.eligible));
    j.key("winners");
    w.StartArray();
    for (const auto& a : d.winners) {
        j.value(a);
    }
    w.EndArray();
    w.EndObject();
}

namespace {

void write_json(protocol::json_out& j,
                hub::room_runner& room,
                const room_state_copy& state,
                const store::room_report& rep) {
    const auto& questions = state.questions;
    const auto& quizzes = state.quizzes;
    const auto& draws = state.draws;
    auto& w = j.w();
    j.begin_object();
    j.key("room");
    room.write_summary(j);
    j.key("questions");
    w.StartArray();
    for (const auto& r : questions) {
        const auto& q = r.q;
        w.StartObject();
        j.field("id", q.id).field("text", q.text);
        j.key("author");
        w.StartObject();
        j.field("id", r.author_id).field("name", q.by.name);
        w.EndObject();
        j.field("anonymous", q.by.name.empty()).field("votes", q.votes);
        j.field("status", protocol::to_string(q.status)).field("answer", q.answer).field("card_id", q.card_id);
        j.field("into", q.into).field("ts", q.ts);
        w.EndObject();
    }
    w.EndArray();
    j.key("comments");
    w.StartArray();
    for (const auto& c : rep.comments) {
        w.StartObject();
        j.field("id", c.id).field("seq", c.seq).field("ts", c.ts);
        j.key("author");
        w.StartObject();
        j.field("id", c.author_id).field("name", c.author_name);
        w.EndObject();
        j.field("text", c.text).field("outcome", c.outcome);
        if (!c.merged_into.empty()) {
            j.field("merged_into", c.merged_into);
        }
        if (c.removed_at != 0) {
            j.field("removed_at", c.removed_at);
        }
        w.EndObject();
    }
    w.EndArray();
    j.key("quizzes");
    w.StartArray();
    for (const auto& q : quizzes) {
        write_quiz(j, q);
    }
    w.EndArray();
    j.key("draws");
    w.StartArray();
    for (const auto& d : draws) {
        write_draw(j, d);
    }
    w.EndArray();
    j.key("moderation");
    w.StartArray();
    for (const auto& m : rep.moderation) {
        w.StartObject();
        j.field("ts", m.ts);
        j.key("actor");
        w.StartObject();
        j.field("id", m.actor)
            .field("name", m.name)
            .field("role", protocol::to_string(static_cast<protocol::role>(m.role)));
        w.EndObject();
        j.field("type", m.type);
        j.key("request");
        w.RawValue(m.request.data(), m.request.size(), rapidjson::kObjectType);
        w.EndObject();
    }
    w.EndArray();
    j.key("timeline");
    w.StartArray();
    for (const auto& t : rep.timeline) {
        w.StartObject();
        j.field("minute", t.minute).field("online", t.online).field("peak", t.peak).field("views", t.views);
        j.field("comments", t.comments).field("questions", t.questions);
        w.EndObject();
    }
    w.EndArray();
}

// One table as CSV; nullopt for an unknown table.
std::optional<std::string> write_csv(std::string_view table,
                                     const room_state_copy& state,
                                     const store::room_report& rep) {
    const auto& questions = state.questions;
    csv_writer c;
    if (table == "questions") {
        for (const char* h :
             {"id", "ts", "author_id", "author_name", "text", "votes", "status", "answer", "card_id", "into"}) {
            c.field(h);
        }
        c.end_row();
        for (const auto& r : questions) {
            c.field(r.q.id).field(r.q.ts).field(r.author_id).field(r.q.by.name).field(r.q.text);
            c.field(r.q.votes).field(protocol::to_string(r.q.status)).field(r.q.answer).field(r.q.card_id);
            c.field(r.q.into);
            c.end_row();
        }
    } else if (table == "comments") {
        for (const char* h : {"id", "seq", "ts", "author_id", "author_name", "text", "outcome", "removed_at"}) {
            c.field(h);
        }
        c.end_row();
        for (const auto& m : rep.comments) {
            c.field(m.id).field(static_cast<std::int64_t>(m.seq)).field(m.ts).field(m.author_id);
            c.field(m.author_name).field(m.text).field(m.outcome).field(m.removed_at);
            c.end_row();
        }
    } else if (table == "quizzes") {
        for (const char* h : {"id", "question", "opened_at", "closed_at", "scoring", "correct", "total",
                              "correct_count", "seed_hash"}) {
            c.field(h);
        }
        c.end_row();
        for (const auto& q : state.quizzes) {
            std::string correct;
            for (const int i : q.correct) {
                if (!correct.empty()) {
                    correct.push_back(' ');
                }
                correct.append(std::to_string(i));
            }
            c.field(q.pub.id).field(q.pub.question).field(q.opened_at).field(q.closed_at);
            c.field(q.mode == protocol::req::scoring::speed ? "speed" : "accuracy").field(correct);
            c.field(q.total).field(q.correct_count).field(q.pub.seed_hash);
            c.end_row();
        }
    } else if (table == "moderation") {
        for (const char* h : {"ts", "actor_id", "actor_name", "role", "type", "request"}) {
            c.field(h);
        }
        c.end_row();
        for (const auto& m : rep.moderation) {
            c.field(m.ts).field(m.actor).field(m.name).field(protocol::to_string(static_cast<protocol::role>(m.role)));
            c.field(m.type).field(m.request);
            c.end_row();
        }
    } else if (table == "timeline") {
        for (const char* h : {"minute", "online", "peak", "views", "comments", "questions"}) {
            c.field(h);
        }
        c.end_row();
        for (const auto& t : rep.timeline) {
            c.field(t.minute).field(t.online).field(t.peak).field(t.views).field(t.comments).field(t.questions);
            c.end_row();
        }
    } else {
        return std::nullopt;
    }
    return c.take();
}

}  // namespace

void handle_export(hub::hub& h, std::shared_ptr<hub::room_runner> room, http_request&& req, respond_fn respond) {
    const std::string format(query_param(req, "format").empty() ? "json" : query_param(req, "format"));
    const std::string table(query_param(req, "table"));
    if (format != "json" && format != "csv") {
        respond(make_error(req, http::status::bad_request, "bad_request", "format must be json or csv"));
        return;
    }
    if (format == "csv" && table.empty()) {
        respond(make_error(req, http::status::bad_request, "bad_request",
                           "format=csv needs table=questions|comments|quizzes|moderation|timeline"));
        return;
    }
    // The questions come from the owner thread; the log is read on a thread
    // of its own.
    boost::asio::post(room->owner().ioc(), [&h, room, req = std::move(req), respond = std::move(respond), format,
                                            table]() mutable {
        room_state_copy state{room->question_records(), room->quiz_records(), room->draw_records()};
        std::thread([&h, room, req = std::move(req), respond = std::move(respond), format, table,
                     state = std::move(state)]() mutable {
            store::room_report rep;
            try {
                if (auto* log = h.log()) {
                    rep = store::read_report(*log, room->id());
                }
            } catch (const std::exception& e) {
                respond(make_error(req, http::status::internal_server_error, "bad_request",
                                   std::string("cannot read the event log: ") + e.what()));
                return;
            }
            if (format == "json") {
                protocol::json_out j;
                write_json(j, *room, state, rep);
                auto res = make_response(req, http::status::ok, std::string(j.finish()), "application/json");
                res.set(http::field::content_disposition, "attachment; filename=\"" + room->id() + ".json\"");
                respond(std::move(res));
                return;
            }
            auto csv = write_csv(table, state, rep);
            if (!csv) {
                respond(make_error(req, http::status::bad_request, "bad_request",
                                   "table must be questions, comments, quizzes, moderation or timeline"));
                return;
            }
            auto res = make_response(req, http::status::ok, std::move(*csv), "text/csv; charset=utf-8");
            res.set(http::field::content_disposition, "attachment; filename=\"" + room->id() + "-" + table + ".csv\"");
            respond(std::move(res));
        }).detach();
    });
}

void handle_draw(std::shared_ptr<hub::room_runner> room, std::string draw_id, http_request&& req, respond_fn respond) {
    boost::asio::post(room->owner().ioc(), [room, draw_id = std::move(draw_id), req = std::move(req),
                                            respond = std::move(respond)]() mutable {
        for (const auto& d : room->draw_records()) {
            if (d.id == draw_id) {
                protocol::json_out j;
                j.begin_object();
                j.key("draw");
                write_draw(j, d);
                respond(make_response(req, http::status::ok, std::string(j.finish()), "application/json"));
                return;
            }
        }
        respond(make_error(req, http::status::not_found, "not_found", "no such draw"));
    });
}

}  // namespace liveroom::net
