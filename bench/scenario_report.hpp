#pragma once

// The result of one scenario run, for people (text), machines (JSON) and the HTML page.
// Field meanings are documented in bench/README.md ("Scenario report").

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench/report.hpp"

namespace liveroom::bench {

// One row of the time series, every report interval.
struct timeline_sample {
    double t = 0;           // real seconds since the scenario start
    double scenario_t = 0;  // scenario seconds
    std::uint64_t target = 0;
    std::uint64_t online = 0;
    std::uint64_t connecting = 0;
    double deliveries_per_s = 0;
    double requests_per_s = 0;
    std::uint64_t errors = 0;  // cumulative, viewers
    std::uint64_t gaps = 0;    // cumulative
    double bench_cpu_percent = 0;
    std::optional<double> server_cpu_percent;
    std::optional<std::uint64_t> server_rss_kib;
    latency_summary latency;  // deliveries received in this interval, all kinds
};

struct kind_latency {
    std::string kind;
    std::string source;  // "text": from the sender's embedded time; "ts": from the server's emit time
    std::uint64_t deliveries = 0;
    latency_summary latency;
};

struct request_summary {
    std::string kind;
    std::string side;  // viewer | host
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t errors = 0;
    std::map<std::string, std::uint64_t> errors_by_code;
    std::string first_error;
    latency_summary ack_latency;
};

struct scenario_report {
    // What was run.
    std::string name;
    std::string description;
    std::string file;
    std::string url;
    std::string room;
    double speed = 1;
    double duration_s = 0;  // scenario seconds
    std::uint64_t peak_target = 0;
    unsigned threads = 0;
    unsigned sources = 0;
    std::uint64_t seed = 0;
    bool completed = false;
    std::string incomplete_reason;

    // Viewers.
    std::uint64_t peak_online = 0;
    std::uint64_t online_at_end = 0;
    std::uint64_t viewers = 0;  // distinct viewers welcomed at least once
    std::uint64_t joins = 0;
    std::uint64_t rejoins = 0;
    std::uint64_t resumed = 0;
    std::uint64_t snapshots = 0;
    std::uint64_t leaves = 0;
    std::uint64_t drops = 0;
    std::uint64_t server_closes = 0;
    std::uint64_t connect_failures = 0;
    std::string first_connect_error;
    std::string first_server_close;
    latency_summary reconnect;  // drop → welcome again
    latency_summary welcome;    // connect started → welcome (TCP, upgrade, hello, snapshot)

    // Deliveries and sequence.
    std::uint64_t deliveries = 0;
    double deliveries_per_second = 0;       // over the scenario's real duration
    double peak_deliveries_per_second = 0;  // best interval
    std::uint64_t room_events = 0;
    std::uint64_t replayed = 0;  // delivered as replay after a resumed welcome (no latency recorded)
    std::uint64_t gaps = 0;
    std::uint64_t missing_seqs = 0;
    std::uint64_t viewers_with_gaps = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t skipped_messages = 0;
    std::uint64_t skipped_seqs = 0;
    std::uint64_t malformed = 0;
    std::uint64_t unsolicited_errors = 0;
    std::uint64_t abandoned_requests = 0;
    std::int64_t final_seq = -1;
    std::uint64_t viewers_at_final = 0;
    std::vector<kind_latency> latency;
    std::vector<request_summary> requests;
    std::map<std::string, std::uint64_t> errors_by_code;  // all requests, viewers and host

    // Host.
    std::uint64_t host_steps = 0;
    std::uint64_t host_sent = 0;
    std::uint64_t host_answered = 0;
    std::uint64_t host_skipped = 0;
    std::string host_first_skip;

    // Server (from /proc when --server-pid is given).
    std::optional<int> server_pid;
    std::optional<double> server_cpu_mean_percent;
    std::optional<double> server_cpu_peak_percent;
    std::optional<std::uint64_t> server_rss_start_kib;
    std::optional<std::uint64_t> server_rss_mid_kib;  // halfway through the scenario
    std::optional<std::uint64_t> server_rss_end_kib;
    std::optional<std::uint64_t> server_rss_peak_kib;     // VmHWM
    std::optional<double> server_rss_slope_kib_per_hour;  // least squares over the second half

    // The bench itself.
    unsigned cores = 0;
    double wall_seconds = 0;
    double bench_cpu_percent = 0;  // 100 = one core

    double interval_s = 1;
    std::vector<timeline_sample> timeline;
};

void print_text(std::ostream& out, const scenario_report& report);

std::string to_json(const scenario_report& report);

}  // namespace liveroom::bench
