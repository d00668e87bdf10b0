#include "bench/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "bench/report.hpp"

namespace liveroom::bench {

namespace {

using value = rapidjson::Value;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw std::runtime_error(path + ": " + what);
}

void only_members(const value& v, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const std::string_view key(it->name.GetString(), it->name.GetStringLength());
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            fail(path + "." + std::string(key), "unknown member");
        }
    }
}

const value& object_at(const value& parent, const char* key, const std::string& path) {
    const value& v = parent[key];
    if (!v.IsObject()) {
        fail(path + "." + key, "expected an object");
    }
    return v;
}

double number(const value& parent, const char* key, const std::string& path, double fallback, double lo, double hi) {
    const auto it = parent.FindMember(key);
    if (it == parent.MemberEnd()) {
        return fallback;
    }
    if (!it->value.IsNumber()) {
        fail(path + "." + key, "expected a number");
    }
    const double d = it->value.GetDouble();
    if (!std::isfinite(d) || d < lo || d > hi) {
        std::ostringstream msg;
        msg << "expected a number in [" << lo << ", " << hi << "], got " << d;
        fail(path + "." + key, msg.str());
    }
    return d;
}

std::string text(const value& parent, const char* key, const std::string& path, std::string fallback) {
    const auto it = parent.FindMember(key);
    if (it == parent.MemberEnd()) {
        return fallback;
    }
    if (!it->value.IsString()) {
        fail(path + "." + key, "expected a string");
    }
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::string required_text(const value& parent, const char* key, const std::string& path) {
    if (!parent.HasMember(key)) {
        fail(path + "." + key, "required");
    }
    return text(parent, key, path, {});
}

void parse_viewers(const value& v, const std::string& path, scenario& s) {
    only_members(v, path, {"online", "leave_per_min", "rejoin_share", "rejoin_after_s", "leave"});
    const auto online = v.FindMember("online");
    if (online == v.MemberEnd() || !online->value.IsArray() || online->value.Empty()) {
        fail(path + ".online", "required: a non-empty list of [seconds, viewers]");
    }
    double last_t = -1;
    for (rapidjson::SizeType i = 0; i < online->value.Size(); ++i) {
        const value& p = online->value[i];
        const std::string at = path + ".online[" + std::to_string(i) + "]";
        if (!p.IsArray() || p.Size() != 2 || !p[0].IsNumber() || !p[1].IsNumber()) {
            fail(at, "expected [seconds, viewers]");
        }
        const double t = p[0].GetDouble();
        const double n = p[1].GetDouble();
        if (t < 0 || t <= last_t || n < 0 || n > 10'000'000) {
            fail(at, "times must increase from 0 and counts be in [0, 10000000]");
        }
        last_t = t;
        s.online.emplace_back(t, n);
    }
    s.leave_per_min = number(v, "leave_per_min", path, 0, 0, 60);
    s.rejoin_share = number(v, "rejoin_share", path, 0, 0, 1);
    if (const auto r = v.FindMember("rejoin_after_s"); r != v.MemberEnd()) {
        if (!r->value.IsArray() || r->value.Size() != 2 || !r->value[0].IsNumber() || !r->value[1].IsNumber() ||
            r->value[0].GetDouble() < 0 || r->value[1].GetDouble() < r->value[0].GetDouble()) {
            fail(path + ".rejoin_after_s", "expected [min, max] seconds with 0 <= min <= max");
        }
        s.rejoin_after_min_s = r->value[0].GetDouble();
        s.rejoin_after_max_s = r->value[1].GetDouble();
    }
    const std::string leave = text(v, "leave", path, "close");
    if (leave != "close" && leave != "drop") {
        fail(path + ".leave", "expected \"close\" (clean WebSocket close) or \"drop\" (connection cut)");
    }
    s.leave_abruptly = leave == "drop";
}

void parse_activity(const value& v, const std::string& path, scenario& s) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const std::string key(it->name.GetString(), it->name.GetStringLength());
        const std::string at = path + "." + key;
        std::size_t index = viewer_action_count;
        for (std::size_t i = 0; i < viewer_action_count; ++i) {
            if (key == to_string(static_cast<viewer_action>(i))) {
                index = i;
            }
        }
        if (index == viewer_action_count) {
            fail(at, "unknown activity (comment, ask, vote, like, quiz.answer)");
        }
        if (!it->value.IsObject()) {
            fail(at, "expected an object");
        }
        const bool quiz = index == static_cast<std::size_t>(viewer_action::quiz_answer);
        if (quiz) {
            only_members(it->value, at, {"share", "within_s"});
        } else {
            only_members(it->value, at, {"share", "per_min"});
        }
        activity& a = s.activities[index];
        a.share = number(it->value, "share", at, 0, 0, 1);
        a.per_min = quiz ? 0 : number(it->value, "per_min", at, 0, 0, 600);
        a.within_s = quiz ? number(it->value, "within_s", at, 10, 0, 3600) : 0;
    }
}

timeline_step parse_step(const value& v, const std::string& at) {
    if (!v.IsObject()) {
        fail(at, "expected an object");
    }
    timeline_step step;
    step.what = required_text(v, "do", at);
    step.at_s = number(v, "at", at, -1, 0, 1e9);
    if (step.at_s < 0) {
        fail(at + ".at", "required");
    }
    const std::string& w = step.what;
    if (w == "room.start" || w == "room.end" || w == "quiz.close") {
        only_members(v, at, {"at", "do", "every_s", "until"});
    } else if (w == "card.show") {
        only_members(v, at, {"at", "do", "every_s", "until", "card"});
        step.card = required_text(v, "card", at);
    } else if (w == "notice.set") {
        only_members(v, at, {"at", "do", "every_s", "until", "text"});
        step.text = text(v, "text", at, {});
    } else if (w == "question.answer") {
        only_members(v, at, {"at", "do", "every_s", "until", "text"});
        step.text = text(v, "text", at, "answered live");
    } else if (w == "quiz.open") {
        only_members(v, at, {"at", "do", "every_s", "until", "question", "options", "correct", "seconds", "scoring"});
        step.question = required_text(v, "question", at);
        const auto options = v.FindMember("options");
        if (options == v.MemberEnd() || !options->value.IsArray() || options->value.Size() < 2) {
            fail(at + ".options", "required: at least two strings");
        }
        for (const auto& o : options->value.GetArray()) {
            if (!o.IsString()) {
                fail(at + ".options", "expected strings");
            }
            step.options.emplace_back(o.GetString(), o.GetStringLength());
        }
        const auto correct = v.FindMember("correct");
        if (correct == v.MemberEnd() || !correct->value.IsArray() || correct->value.Empty()) {
            fail(at + ".correct", "required: a list of option indexes");
        }
        for (const auto& c : correct->value.GetArray()) {
            if (!c.IsInt() || c.GetInt() < 0 || static_cast<std::size_t>(c.GetInt()) >= step.options.size()) {
                fail(at + ".correct", "expected option indexes");
            }
            step.correct.push_back(c.GetInt());
        }
        step.seconds = number(v, "seconds", at, 0, 0, 86'400);
        step.scoring = text(v, "scoring", at, "accuracy");
        if (step.scoring != "accuracy" && step.scoring != "speed") {
            fail(at + ".scoring", "expected accuracy or speed");
        }
    } else if (w == "draw") {
        only_members(v, at, {"at", "do", "every_s", "until", "count"});
        step.count = static_cast<std::int64_t>(number(v, "count", at, 1, 1, 1000));
    } else if (w == "room.extend") {
        only_members(v, at, {"at", "do", "every_s", "until", "minutes"});
        step.minutes = static_cast<std::int64_t>(number(v, "minutes", at, 0, 1, 24 * 60));
        if (!v.HasMember("minutes")) {
            fail(at + ".minutes", "required");
        }
    } else if (w == "drop_all") {
        only_members(v, at, {"at", "do", "every_s", "until", "back_within_s"});
        step.back_within_s = number(v, "back_within_s", at, 2, 0, 600);
    } else {
        fail(at + ".do",
             "unknown step '" + w +
                 "' (room.start, card.show, notice.set, quiz.open, quiz.close, draw, question.answer, room.extend, "
                 "room.end, drop_all)");
    }
    return step;
}

}  // namespace

const char* to_string(viewer_action a) {
    switch (a) {
        case viewer_action::comment:
            return "comment";
        case viewer_action::ask:
            return "ask";
        case viewer_action::vote:
            return "vote";
        case viewer_action::like:
            return "like";
        case viewer_action::quiz_answer:
            return "quiz.answer";
    }
    return "?";
}

double scenario::peak_online() const {
    double peak = 0;
    for (const auto& [t, n] : online) {
        peak = std::max(peak, n);
    }
    return peak;
}

double scenario::online_at(double t) const {
    if (online.empty() || t <= online.front().first) {
        return online.empty() || t < online.front().first ? 0 : online.front().second;
    }
    for (std::size_t i = 1; i < online.size(); ++i) {
        if (t <= online[i].first) {
            const auto [t0, n0] = online[i - 1];
            const auto [t1, n1] = online[i];
            return n0 + (n1 - n0) * (t - t0) / (t1 - t0);
        }
    }
    return online.back().second;
}

void scenario::scale_to_peak(double peak) {
    const double current = peak_online();
    if (current <= 0) {
        return;
    }
    for (auto& p : online) {
        p.second = std::round(p.second * peak / current);
    }
}

void scenario::set_duration(double seconds) {
    duration_s = seconds;
    std::erase_if(timeline, [seconds](const timeline_step& s) { return s.at_s > seconds; });
}

scenario parse_scenario(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError()) {
        throw std::runtime_error("invalid JSON at offset " + std::to_string(doc.GetErrorOffset()) + ": " +
                                 rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsObject()) {
        throw std::runtime_error("a scenario is a JSON object");
    }
    const std::string root = "scenario";
    only_members(doc, root,
                 {"name", "description", "room", "duration_s", "speed", "seed", "viewers", "activity", "timeline"});
    scenario s;
    s.name = text(doc, "name", root, "unnamed");
    s.description = text(doc, "description", root, {});
    s.room = text(doc, "room", root, "demo");
    if (s.room.empty()) {
        fail(root + ".room", "must not be empty");
    }
    s.duration_s = number(doc, "duration_s", root, -1, 1, 1e7);
    if (s.duration_s < 0) {
        fail(root + ".duration_s", "required");
    }
    s.speed = number(doc, "speed", root, 1, 0.001, 100'000);
    s.seed = static_cast<std::uint64_t>(number(doc, "seed", root, 1, 0, 4e9));
    if (!doc.HasMember("viewers")) {
        fail(root + ".viewers", "required");
    }
    parse_viewers(object_at(doc, "viewers", root), root + ".viewers", s);
    if (doc.HasMember("activity")) {
        parse_activity(object_at(doc, "activity", root), root + ".activity", s);
    }
    if (const auto t = doc.FindMember("timeline"); t != doc.MemberEnd()) {
        if (!t->value.IsArray()) {
            fail(root + ".timeline", "expected a list of steps");
        }
        for (rapidjson::SizeType i = 0; i < t->value.Size(); ++i) {
            const std::string at = root + ".timeline[" + std::to_string(i) + "]";
            const value& v = t->value[i];
            timeline_step step = parse_step(v, at);
            const double every = v.IsObject() ? number(v, "every_s", at, 0, 0, 1e9) : 0;
            if (every > 0) {
                const double until = number(v, "until", at, s.duration_s, step.at_s, 1e9);
                if ((until - step.at_s) / every > 100'000) {
                    fail(at + ".every_s", "repeats more than 100,000 times");
                }
                for (double when = step.at_s; when <= until + 1e-9; when += every) {
                    timeline_step copy = step;
                    copy.at_s = when;
                    s.timeline.push_back(std::move(copy));
                }
            } else {
                s.timeline.push_back(std::move(step));
            }
        }
    }
    std::stable_sort(s.timeline.begin(), s.timeline.end(),
                     [](const timeline_step& a, const timeline_step& b) { return a.at_s < b.at_s; });
    s.set_duration(s.duration_s);
    return s;
}

scenario load_scenario_file(const std::string& path) {
    const auto text = read_text_file(path);
    if (!text) {
        throw std::runtime_error("cannot open scenario file " + path);
    }
    try {
        return parse_scenario(*text);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

}  // namespace liveroom::bench
