#pragma once

// The result of one fan-out run, printed for people (stdout) and as JSON (--json).
// Field meanings are documented in bench/README.md.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "bench/histogram.hpp"

namespace liveroom::bench {

struct latency_summary {
    std::uint64_t count = 0;
    double p50_ms = 0;
    double p90_ms = 0;
    double p99_ms = 0;
    double p999_ms = 0;
    double max_ms = 0;
    double mean_ms = 0;

    // From a histogram of microseconds.
    static latency_summary of(const log_histogram& micros);
};

struct server_memory {
    std::optional<std::uint64_t> before_kib;  // VmRSS before the bench connected
    std::optional<std::uint64_t> idle_kib;    // VmRSS with all viewers connected, before publishing
    std::optional<std::uint64_t> end_kib;     // VmRSS after the drain, before closing
    std::optional<std::uint64_t> peak_kib;    // VmHWM at the end (peak over the server's life)
    std::optional<double> per_viewer_kib;     // (idle - before) / viewers connected
};

struct fanout_report {
    // What was asked.
    std::string url;
    std::string room;
    std::uint64_t viewers_requested = 0;
    unsigned threads = 0;
    unsigned sources = 0;
    double rate = 0;
    double seconds = 0;
    double warmup = 0;
    std::uint64_t size = 0;

    // Connections.
    std::uint64_t viewers_connected = 0;
    std::uint64_t connect_failures = 0;
    std::string first_connect_error;
    std::uint64_t disconnects = 0;  // viewers the server closed or lost during the run
    std::string first_disconnect;
    double ramp_seconds = 0;

    // Publishing (the host connection).
    std::uint64_t events_sent = 0;
    std::uint64_t events_acked = 0;
    std::uint64_t events_rejected = 0;  // answered with an error
    std::uint64_t events_unanswered = 0;
    std::string first_rejection;
    std::uint64_t window_events_sent = 0;
    std::uint64_t window_events_acked = 0;
    double window_seconds = 0;

    // Deliveries (viewers, measurement window).
    std::uint64_t deliveries = 0;
    double deliveries_per_second = 0;
    std::uint64_t expected_deliveries = 0;
    std::int64_t loss = 0;  // expected - received
    double loss_percent = 0;
    std::uint64_t gaps = 0;          // unannounced seq jumps, all viewers
    std::uint64_t missing_seqs = 0;  // seqs inside those jumps
    std::uint64_t viewers_with_gaps = 0;
    std::uint64_t skipped_messages = 0;  // "skipped" announcements received
    std::uint64_t skipped_seqs = 0;      // seqs those announcements covered
    std::uint64_t duplicates = 0;        // seq at or below one already seen
    std::uint64_t room_events = 0;       // objects with a seq, all types, whole run
    std::uint64_t malformed = 0;         // objects the scanner could not read
    std::uint64_t server_errors = 0;     // "error" objects sent to viewers
    std::string first_server_error;
    std::int64_t first_seq_min = -1;  // over viewers: first seq seen after the warm-up
    std::int64_t last_seq_min = -1;   // over viewers: last seq seen
    std::int64_t last_seq_max = -1;
    std::uint64_t viewers_at_last_seq = 0;  // viewers whose last seq is last_seq_max
    latency_summary latency;
    latency_summary ack_latency;  // host: notice.set sent -> ack received

    // The bench's own cost.
    unsigned cores = 0;
    double wall_seconds = 0;
    double cpu_user_seconds = 0;
    double cpu_sys_seconds = 0;
    double cpu_percent = 0;                          // (user + sys) / wall, whole run; 100 = one core
    double window_cpu_percent = 0;                   // the same over the measurement window and drain
    std::optional<double> alloc_bytes_per_delivery;  // jemalloc builds: viewer threads, window

    server_memory server;
    std::optional<int> server_pid;

    bool completed = false;
    std::string incomplete_reason;
};

class json_writer;

// "%.*f" of v.
std::string fixed(double v, int decimals);
// KiB as "12.3 MiB".
std::string kib_text(std::uint64_t kib);

// Writes `l` as an object member `key` {count, p50, p90, p99, p999, max, mean} (ms).
void latency_json(json_writer& w, const char* key, const latency_summary& l);

// "p50 1.234  p90 ... ms  (mean ..., n=...)", or "no samples".
std::string latency_line(const latency_summary& l);

void print_text(std::ostream& out, const fanout_report& report);

std::string to_json(const fanout_report& report);

// The whole content of a file, or nullopt when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);

// Writes `text` to `path` (truncating); returns an error message, empty on success.
std::string write_text_file(const std::string& path, const std::string& text);

// Writes to_json(report) to `path`; returns an error message, empty on success.
std::string write_json_file(const std::string& path, const fanout_report& report);

}  // namespace liveroom::bench
