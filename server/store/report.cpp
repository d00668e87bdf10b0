#include "server/store/report.hpp"

#include <map>
#include <unordered_map>

#include "protocol/model.hpp"

namespace liveroom::store {

namespace {

constexpr std::int64_t minute_ms = 60'000;

// Every accepted comment with its fate: the room records it with the command
// as "state|merged_into|cid|text" (room_comments.cpp); moderators' approvals
// and removals change it; the published ones have an event with its seq.
void read_comments(db& d, std::string_view room, room_report& out) {
    stmt s(d,
           "SELECT ts, actor, name, aux FROM commands WHERE room = ? AND kind = 'request' AND type = 'comment' "
           "ORDER BY n");
    s.bind(1, room);
    std::unordered_map<std::string, std::size_t> by_id;
    while (s.step()) {
        const std::string_view aux = s.col_text(3);
        const auto a = aux.find('|');
        const auto m = a == std::string_view::npos ? a : aux.find('|', a + 1);
        const auto b = m == std::string_view::npos ? m : aux.find('|', m + 1);
        if (b == std::string_view::npos) {
            continue;
        }
        comment_row c;
        c.ts = s.col_int(0);
        c.author_id.assign(s.col_text(1));
        c.author_name.assign(s.col_text(2));
        c.outcome.assign(aux.substr(0, a));
        c.merged_into.assign(aux.substr(a + 1, m - a - 1));
        c.id.assign(aux.substr(m + 1, b - m - 1));
        c.text.assign(aux.substr(b + 1));
        by_id.emplace(c.id, out.comments.size());
        out.comments.push_back(std::move(c));
    }
    stmt acts(d,
              "SELECT ts, type, json_extract(body, '$.cid') FROM commands WHERE room = ? AND kind = 'request' "
              "AND type IN ('comment.approve', 'comment.remove') ORDER BY n");
    acts.bind(1, room);
    while (acts.step()) {
        auto it = by_id.find(std::string(acts.col_text(2)));
        if (it == by_id.end()) {
            continue;
        }
        auto& c = out.comments[it->second];
        if (acts.col_text(1) == "comment.remove") {
            c.outcome = "removed";
            c.removed_at = acts.col_int(0);
        } else if (c.outcome != "removed") {
            c.outcome = "published";
        }
    }
    stmt ev(d,
            "SELECT seq, json_extract(body, '$.comment.id'), json_extract(body, '$.comment.text') FROM events "
            "WHERE room = ? AND type = 'comment' ORDER BY seq");
    ev.bind(1, room);
    while (ev.step()) {
        if (auto it = by_id.find(std::string(ev.col_text(1))); it != by_id.end()) {
            auto& c = out.comments[it->second];
            if (c.seq == 0) {
                c.seq = static_cast<std::uint64_t>(ev.col_int(0));
            }
            c.text.assign(ev.col_text(2));  // as published (blank once purged by retention)
        }
    }
}

void read_moderation(db& d, std::string_view room, room_report& out) {
    stmt s(d,
           "SELECT ts, actor, name, role, type, body FROM commands "
           "WHERE room = ? AND kind = 'request' AND role > 0 ORDER BY n");
    s.bind(1, room);
    while (s.step()) {
        if (!protocol::can_moderate(static_cast<protocol::role>(s.col_int(3)))) {
            continue;
        }
        out.moderation.push_back({s.col_int(0), std::string(s.col_text(1)), std::string(s.col_text(2)),
                                  static_cast<int>(s.col_int(3)), std::string(s.col_text(4)),
                                  std::string(s.col_text(5))});
    }
}

void read_timeline(db& d, std::string_view room, room_report& out) {
    std::map<std::int64_t, minute_row> minutes;
    auto at = [&](std::int64_t ts) -> minute_row& {
        const std::int64_t m = ts / minute_ms * minute_ms;
        auto& row = minutes[m];
        row.minute = m;
        return row;
    };
    stmt p(d,
           "SELECT ts, json_extract(body, '$.online'), json_extract(body, '$.peak'), json_extract(body, '$.views') "
           "FROM events WHERE room = ? AND type = 'presence' ORDER BY seq");
    p.bind(1, room);
    while (p.step()) {
        auto& row = at(p.col_int(0));
        row.online = std::max(row.online, p.col_int(1));
        row.peak = std::max(row.peak, p.col_int(2));
        row.views = std::max(row.views, p.col_int(3));
    }
    stmt c(d, "SELECT ts FROM events WHERE room = ? AND type = 'comment'");
    c.bind(1, room);
    while (c.step()) {
        ++at(c.col_int(0)).comments;
    }
    stmt q(d, "SELECT ts FROM commands WHERE room = ? AND type = 'ask'");
    q.bind(1, room);
    while (q.step()) {
        ++at(q.col_int(0)).questions;
    }
    if (minutes.empty()) {
        return;
    }
    // Every minute from first to last: a quiet minute keeps the last counts.
    minute_row last{};
    for (std::int64_t m = minutes.begin()->first; m <= minutes.rbegin()->first; m += minute_ms) {
        auto it = minutes.find(m);
        minute_row row = it != minutes.end() ? it->second : minute_row{m, last.online, last.peak, last.views, 0, 0};
        if (row.peak == 0 && row.views == 0) {  // no presence event this minute
            row.online = last.online;
            row.peak = last.peak;
            row.views = last.views;
        }
        out.timeline.push_back(row);
        last = row;
    }
}

}  // namespace

room_report read_report(const event_log& log, std::string_view room) {
    auto d = log.reader();
    room_report out;
    read_comments(*d, room, out);
    read_moderation(*d, room, out);
    read_timeline(*d, room, out);
    return out;
}

}  // namespace liveroom::store
