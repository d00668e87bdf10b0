#include "bench/selftest.hpp"

#include <cstdint>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "bench/args.hpp"
#include "bench/compare.hpp"
#include "bench/exit_status.hpp"
#include "bench/histogram.hpp"
#include "bench/html_report.hpp"
#include "bench/json_flat.hpp"
#include "bench/scan.hpp"
#include "bench/scenario.hpp"
#include "bench/scenario_report.hpp"
#include "bench/seq_tracker.hpp"

namespace liveroom::bench {

namespace {

class checker {
  public:
    void expect(bool ok, const char* what) {
        ++checks_;
        if (!ok) {
            ++failures_;
            std::cerr << "selftest: FAILED: " << what << "\n";
        }
    }
    int finish() const {
        std::cerr << "selftest: " << checks_ - failures_ << "/" << checks_ << " checks passed\n";
        return failures_ == 0 ? exit_completed : exit_failed;
    }

  private:
    int checks_ = 0;
    int failures_ = 0;
};

void check_scanner(checker& c) {
    message_fields f;
    c.expect(scan_message(R"({"type":"notice","seq":42,"ts":1700000000000,"text":"t=123;xx"})", f), "notice scans");
    c.expect(f.type == "notice" && f.has_seq && f.seq == 42 && f.text == "t=123;xx", "notice fields");
    std::int64_t t = 0;
    c.expect(parse_send_time(f.text, t) && t == 123, "send time parses");
    c.expect(!parse_send_time("hello", t) && !parse_send_time("t=;", t), "non-bench text is not a send time");

    // Key order does not matter; nested "seq"/"type" and escaped quotes are not top level.
    c.expect(scan_message(
                 R"({"ts":1,"question":{"type":"x","seq":9,"text":"a \"seq\":7 \\"},"seq":5,"type":"question"})", f),
             "nested object scans");
    c.expect(f.type == "question" && f.seq == 5 && f.text.empty(), "nested members are skipped");

    c.expect(scan_message(R"({"type":"skipped","from":10,"to":14})", f) && f.has_from && f.has_to && f.from == 10 &&
                 f.to == 14,
             "skipped fields");
    c.expect(scan_message(R"({"type":"welcome","room":"demo","you":{"id":"u1","name":"h","role":"host"},"seq":0,)"
                          R"("resumed":false,"state":{"notice":"","questions":[{"id":"q","votes":[1,2]}]}})",
                          f),
             "welcome scans");
    c.expect(
        f.type == "welcome" && f.has_seq && f.seq == 0 && f.you.find("\"role\":\"host\"") != std::string_view::npos,
        "welcome fields");
    c.expect(scan_message(R"({"type":"error","id":"n3","code":"rate_limited","message":"slow down"})", f) &&
                 f.id == "n3" && f.code == "rate_limited",
             "error fields");
    c.expect(!scan_message(R"({"type":"notice","seq":)", f), "truncated object is malformed");
    c.expect(!scan_message("not json", f), "garbage is malformed");
    c.expect(!scan_message(R"({"seq":1})", f), "object without type is rejected");

    std::vector<std::string_view> pieces;
    for_each_object("{\"type\":\"a\"}\n{\"type\":\"b\"}\n\n{\"type\":\"c\"}\n",
                    [&pieces](std::string_view o) { pieces.push_back(o); });
    c.expect(pieces.size() == 3 && pieces[1] == "{\"type\":\"b\"}", "frame splits on newlines");
}

void check_seq_tracker(checker& c) {
    seq_tracker s;
    s.on_welcome(10);
    s.on_event(11, false);
    s.on_event(12, true);
    c.expect(s.gaps() == 0 && s.first_in_window() == 12, "in-order events have no gap");
    s.on_event(15, true);
    c.expect(s.gaps() == 1 && s.missing() == 2, "a jump is a gap");
    s.on_event(15, true);
    c.expect(s.duplicates() == 1, "a repeated seq is a duplicate");

    seq_tracker announced;
    announced.on_welcome(0);
    announced.on_event(1, true);
    announced.on_skipped(2, 5);
    announced.on_event(6, true);
    c.expect(announced.gaps() == 0 && announced.skipped_jumps() == 1, "announced skip before the jump is no gap");

    seq_tracker late;
    late.on_welcome(0);
    late.on_event(1, true);
    late.on_event(6, true);
    late.on_skipped(2, 5);
    c.expect(late.gaps() == 0 && late.missing() == 0 && late.last_in_window() == 6,
             "announced skip after the jump is no gap");

    seq_tracker partial;
    partial.on_welcome(0);
    partial.on_skipped(2, 3);
    partial.on_event(6, true);
    c.expect(partial.gaps() == 1 && partial.missing() == 5, "a jump beyond the announced range is a gap");
}

void check_histogram(checker& c) {
    log_histogram h;
    c.expect(h.percentile(50) == 0 && h.count() == 0, "empty histogram");
    for (std::uint64_t v = 1; v <= 100000; ++v) {
        h.record(v);
    }
    const auto near = [](std::uint64_t got, std::uint64_t want) {
        return got >= want && static_cast<double>(got) <= static_cast<double>(want) * 1.02;
    };
    c.expect(near(h.percentile(50), 50000), "p50 within 2 %");
    c.expect(near(h.percentile(99), 99000), "p99 within 2 %");
    c.expect(h.percentile(100) == 100000 && h.max() == 100000 && h.min() == 1, "max and min exact");
    bool monotonic = true;
    std::size_t last = 0;
    for (std::uint64_t v = 0; v < (1U << 20); ++v) {
        const std::size_t i = log_histogram::index_of(v);
        monotonic = monotonic && i >= last && i <= last + 1 && v <= log_histogram::highest_in(i);
        last = i;
    }
    c.expect(monotonic, "bucket index is contiguous and bounds hold");
    log_histogram other;
    other.record(7);
    other.merge(h);
    c.expect(other.count() == 100001 && other.min() == 1, "merge adds counts");
    other.record(~std::uint64_t{0});
    c.expect(other.max() == log_histogram::max_trackable - 1, "huge values clamp");
}

void check_args(checker& c) {
    const ws_url u = parse_ws_url("ws://127.0.0.1:8080/ws");
    c.expect(u.host == "127.0.0.1" && u.port == 8080 && u.target == "/ws" && u.host_header == "127.0.0.1:8080",
             "ws url parses");
    const ws_url v6 = parse_ws_url("ws://[::1]:9000/ws?x=1");
    c.expect(v6.host == "::1" && v6.port == 9000 && v6.target == "/ws?x=1" && v6.host_header == "[::1]:9000",
             "IPv6 url parses");
    const ws_url bare = parse_ws_url("ws://localhost");
    c.expect(bare.port == 80 && bare.target == "/", "defaults port 80 and path /");
    bool threw = false;
    try {
        (void)parse_ws_url("http://x/ws");
    } catch (const usage_error&) {
        threw = true;
    }
    c.expect(threw, "non-ws url is refused");
    threw = false;
    try {
        (void)parse_int("--viewers", "12x", 1, 10);
    } catch (const usage_error&) {
        threw = true;
    }
    c.expect(threw, "bad integer is refused");
    using boost::asio::ip::make_address;
    c.expect(is_loopback(make_address("127.0.0.9")) && is_loopback(make_address("::1")) &&
                 is_loopback(make_address("::ffff:127.0.0.1")),
             "loopback addresses");
    c.expect(!is_loopback(make_address("10.0.0.1")) && !is_loopback(make_address("::")), "non-loopback addresses");
    c.expect(group_digits(1234567) == "1,234,567" && group_digits(12) == "12" && group_digits(123456) == "123,456",
             "digit grouping");
}

void check_scenario(checker& c) {
    const scenario s = parse_scenario(R"({
        "name": "t", "room": "r1", "duration_s": 100, "speed": 10, "seed": 9,
        "viewers": {"online": [[0, 0], [10, 100], [50, 300]], "leave_per_min": 0.1, "rejoin_share": 0.5,
                    "rejoin_after_s": [1, 2], "leave": "drop"},
        "activity": {"comment": {"share": 0.5, "per_min": 2}, "quiz.answer": {"share": 0.9, "within_s": 5}},
        "timeline": [
            {"at": 20, "do": "quiz.open", "question": "q", "options": ["a", "b"], "correct": [1], "seconds": 30},
            {"at": 5, "do": "notice.set", "text": "n", "every_s": 30, "until": 70},
            {"at": 150, "do": "room.end"},
            {"at": 40, "do": "drop_all", "back_within_s": 1.5}
        ]})");
    c.expect(s.name == "t" && s.room == "r1" && s.duration_s == 100 && s.speed == 10 && s.seed == 9, "scenario header");
    c.expect(s.online_at(0) == 0 && s.online_at(5) == 50 && s.online_at(30) == 200 && s.online_at(80) == 300,
             "online curve is linear between points and flat after");
    c.expect(s.peak_online() == 300 && s.leave_abruptly && s.rejoin_share == 0.5, "viewer settings");
    c.expect(s.of(viewer_action::comment).share == 0.5 && s.of(viewer_action::quiz_answer).within_s == 5 &&
                 s.of(viewer_action::ask).share == 0,
             "activities");
    // notice at 5, 35, 65; quiz at 20; drop_all at 40; room.end at 150 is past the duration.
    bool sorted = s.timeline.size() == 5;
    for (std::size_t i = 1; i < s.timeline.size(); ++i) {
        sorted = sorted && s.timeline[i - 1].at_s <= s.timeline[i].at_s;
    }
    c.expect(sorted && s.timeline[1].what == "quiz.open" && s.timeline[1].correct == std::vector<int>{1},
             "timeline expanded, sorted, cut at the duration");
    c.expect(s.timeline[3].by_viewers() && s.timeline[3].back_within_s == 1.5, "drop_all is a viewer step");
    scenario scaled = s;
    scaled.scale_to_peak(600);
    c.expect(scaled.peak_online() == 600 && scaled.online_at(10) == 200, "scale to peak");

    const auto refused = [](const char* json, const char* needle) {
        try {
            (void)parse_scenario(json);
        } catch (const std::runtime_error& e) {
            return std::string(e.what()).find(needle) != std::string::npos;
        }
        return false;
    };
    c.expect(refused(R"({"duration_s": 10})", "viewers"), "missing viewers is refused");
    c.expect(refused(R"({"duration_s": 10, "viewers": {"online": [[0, 1], [0, 2]]}})", "online[1]"),
             "non-increasing times are refused, naming the point");
    c.expect(refused(R"({"duration_s": 10, "viewers": {"online": [[0, 1]]}, "activty": {}})", "activty"),
             "a misspelt member is refused");
    c.expect(refused(R"({"duration_s": 10, "viewers": {"online": [[0, 1]]}, "timeline": [{"at": 1, "do": "fly"}]})",
                     "unknown step"),
             "an unknown step is refused");
    c.expect(refused(R"({"duration_s": 10, "viewers": {"online": [[0, 1]]},
                         "activity": {"comment": {"share": 2, "per_min": 1}}})",
                     "share"),
             "a share above 1 is refused");
    c.expect(refused("{", "invalid JSON"), "broken JSON is refused");
}

scenario_report sample_report() {
    scenario_report r;
    r.name = "sample \"quoted\"";
    r.url = "ws://127.0.0.1:1/ws";
    r.completed = true;
    r.speed = 60;
    r.duration_s = 7200;
    r.joins = 30000;
    r.gaps = 0;
    r.final_seq = 42;
    r.viewers_at_final = 10;
    r.online_at_end = 10;
    r.latency.push_back(kind_latency{"comment", "text", 5, {5, 1.5, 2, 3, 3, 4, 1.8}});
    request_summary q;
    q.kind = "quiz.open";
    q.side = "host";
    q.sent = 3;
    q.errors = 3;
    q.errors_by_code["bad_request"] = 3;
    r.requests.push_back(q);
    r.errors_by_code["bad_request"] = 3;
    timeline_sample t;
    t.t = 1;
    t.scenario_t = 60;
    t.online = 10;
    t.server_rss_kib = 2048;
    r.timeline = {t, t};
    return r;
}

void check_reports(checker& c) {
    const scenario_report r = sample_report();
    flat_json doc;
    try {
        doc = flatten_json(to_json(r));
    } catch (const std::runtime_error&) {
        c.expect(false, "the scenario report is valid JSON");
        return;
    }
    const auto number = [&doc](const char* path) {
        const flat_leaf* leaf = find_leaf(doc, path);
        return leaf != nullptr && leaf->number ? *leaf->number : -1.0;
    };
    c.expect(number("viewers.joins") == 30000 && number("deliveries.final_seq") == 42 && number("completed") == 1,
             "report JSON carries the figures");
    c.expect(number("latency_ms.comment.p99") == 3 && number("requests.quiz.open.errors_by_code.bad_request") == 3,
             "per-kind latency and errors by code");
    const flat_leaf* name = find_leaf(doc, "config.name");
    c.expect(name != nullptr && name->text == "sample \"quoted\"", "strings round-trip with escapes");
    c.expect(find_leaf(doc, "timeline.t") == nullptr, "the time series is not flattened");

    std::string why;
    c.expect(evaluate_check(doc, "deliveries.gaps == 0", why), "check: equality holds");
    c.expect(evaluate_check(doc, "deliveries.viewers_at_final == viewers.online_at_end", why),
             "check: field against field");
    c.expect(!evaluate_check(doc, "viewers.joins < 100", why) && why.find("30000") != std::string::npos,
             "check: a false one explains itself");
    c.expect(!evaluate_check(doc, "no.such.field >= 1", why) && why.find("no number") != std::string::npos,
             "check: an unknown field fails");
    c.expect(evaluate_check(doc, "viewers.joins >= 30000", why) && !evaluate_check(doc, "viewers.joins > 30000", why),
             "check: >= and > differ");

    scenario_report later = r;
    later.joins = 33000;
    std::ostringstream out;
    print_comparison(out, doc, flatten_json(to_json(later)), "a", "b", false);
    const std::string table = out.str();
    c.expect(table.find("viewers.joins") != std::string::npos && table.find("+10.0 %") != std::string::npos,
             "compare shows the change in percent");
    c.expect(table.find("deliveries.gaps") == std::string::npos, "compare hides equal fields by default");

    const std::string html = to_html(r);
    c.expect(html.find("<svg") != std::string::npos && html.find("sample &quot;quoted&quot;") != std::string::npos &&
                 html.find("http") == html.find("http-equiv") && html.find("<script") == std::string::npos,
             "HTML is self-contained with inline SVG and escaped text");
}

void check_scan_extras(checker& c) {
    message_fields f;
    c.expect(scan_message(R"({"type":"welcome","seq":7,"resumed":true,"you":{"id":"g1"}})", f) && f.resumed,
             "welcome resumed flag");
    c.expect(
        scan_message(R"({"type":"comment","seq":3,"ts":1700000000123,"comment":{"id":"m1","text":"t=5;hi"}})", f) &&
            f.has_ts && f.ts == 1700000000123 && f.body.find("\"m1\"") != std::string_view::npos,
        "event ts and nested body");
    c.expect(scan_message(R"({"type":"ack","id":"h3","quiz":"z9"})", f) && f.quiz == "z9", "quiz id in an ack");
    int n = 0;
    c.expect(for_each_element(R"(["a", {"b":[1,2]}, 3, "x,y"])", [&n](std::string_view, json_kind) { ++n; }) && n == 4,
             "array elements");
    c.expect(!for_each_element("[1,", [](std::string_view, json_kind) {}), "truncated array is malformed");

    seq_tracker s;
    s.on_welcome(10);
    s.on_event(11, true);
    c.expect(s.last_seen() == 11, "last seen seq");
    s.rebase(40);  // a snapshot after a reconnect: what was missed is not a gap
    s.on_event(41, true);
    c.expect(s.gaps() == 0 && s.last_seen() == 41, "rebase after a snapshot");
}

}  // namespace

int run_selftest() {
    checker c;
    check_scanner(c);
    check_seq_tracker(c);
    check_histogram(c);
    check_args(c);
    check_scenario(c);
    check_reports(c);
    check_scan_extras(c);
    return c.finish();
}

}  // namespace liveroom::bench
