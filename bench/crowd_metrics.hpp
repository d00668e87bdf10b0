#pragma once

// What one client thread measures during a scenario, merged over threads at the end:
// delivery latency per event kind and over time, request → ack latency and errors by code
// per request kind, sequence checks, and the comings and goings of viewers.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/event_kind.hpp"
#include "bench/histogram.hpp"

namespace liveroom::bench {

// One request kind: what was sent, how it was answered.
struct request_stats {
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t errors = 0;
    std::map<std::string, std::uint64_t> errors_by_code;
    log_histogram ack_latency;  // µs
    std::string first_error;    // "code: message"

    void merge(const request_stats& o);
    void error(std::string_view code, std::string_view message);
};

struct crowd_metrics {
    explicit crowd_metrics(std::size_t intervals = 0) : interval_latency(intervals), interval_deliveries(intervals) {}

    std::array<log_histogram, event_kind_count> latency;  // µs, per event kind
    std::array<std::uint64_t, event_kind_count> deliveries{};
    std::vector<log_histogram> interval_latency;  // all kinds, per report interval
    std::vector<std::uint64_t> interval_deliveries;
    std::map<std::string, request_stats> requests;  // by request kind ("comment", ...)
    log_histogram reconnect_ms;                     // drop → welcome again, µs
    log_histogram welcome_ms;                       // connect started → welcome, µs (joins and rejoins)

    // Sequence, summed over viewers.
    std::uint64_t room_events = 0;
    std::uint64_t replayed = 0;  // events replayed after a resumed welcome (no latency recorded)
    std::uint64_t gaps = 0;
    std::uint64_t missing_seqs = 0;
    std::uint64_t viewers_with_gaps = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t skipped_messages = 0;
    std::uint64_t skipped_seqs = 0;
    std::uint64_t malformed = 0;
    std::uint64_t unsolicited_errors = 0;  // error objects without a request id of ours
    std::uint64_t abandoned_requests = 0;  // requests whose connection ended before the answer

    // Connections.
    std::uint64_t viewers = 0;           // distinct viewers that got at least one welcome
    std::uint64_t joins = 0;             // first hello of a viewer (a view)
    std::uint64_t rejoins = 0;           // hello with `since` after leaving, a drop, or a server close
    std::uint64_t resumed = 0;           // of those: welcome with resumed:true
    std::uint64_t snapshots = 0;         // of those: welcome with a snapshot instead
    std::uint64_t leaves = 0;            // clean closes by the scenario
    std::uint64_t drops = 0;             // connections cut by the scenario (drop_all, leave: drop)
    std::uint64_t server_closes = 0;     // ended by the server or the network while online
    std::uint64_t connect_failures = 0;  // ended before a welcome
    std::string first_connect_error;
    std::string first_server_close;

    void merge(const crowd_metrics& o);
};

}  // namespace liveroom::bench
