#include "bench/selftest.hpp"

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "bench/args.hpp"
#include "bench/exit_status.hpp"
#include "bench/histogram.hpp"
#include "bench/scan.hpp"
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

}  // namespace

int run_selftest() {
    checker c;
    check_scanner(c);
    check_seq_tracker(c);
    check_histogram(c);
    check_args(c);
    return c.finish();
}

}  // namespace liveroom::bench
