#include "bench/crowd_metrics.hpp"

#include <algorithm>

namespace liveroom::bench {

void request_stats::merge(const request_stats& o) {
    sent += o.sent;
    acked += o.acked;
    errors += o.errors;
    for (const auto& [code, n] : o.errors_by_code) {
        errors_by_code[code] += n;
    }
    ack_latency.merge(o.ack_latency);
    if (first_error.empty()) {
        first_error = o.first_error;
    }
}

void request_stats::error(std::string_view code, std::string_view message) {
    ++errors;
    ++errors_by_code[std::string(code)];
    if (first_error.empty()) {
        first_error = std::string(code) + ": " + std::string(message);
    }
}

void crowd_metrics::merge(const crowd_metrics& o) {
    for (std::size_t i = 0; i < event_kind_count; ++i) {
        latency[i].merge(o.latency[i]);
        deliveries[i] += o.deliveries[i];
    }
    const std::size_t n = std::min(interval_latency.size(), o.interval_latency.size());
    for (std::size_t i = 0; i < n; ++i) {
        interval_latency[i].merge(o.interval_latency[i]);
        interval_deliveries[i] += o.interval_deliveries[i];
    }
    for (const auto& [kind, r] : o.requests) {
        requests[kind].merge(r);
    }
    reconnect_ms.merge(o.reconnect_ms);
    welcome_ms.merge(o.welcome_ms);
    room_events += o.room_events;
    replayed += o.replayed;
    gaps += o.gaps;
    missing_seqs += o.missing_seqs;
    viewers_with_gaps += o.viewers_with_gaps;
    duplicates += o.duplicates;
    skipped_messages += o.skipped_messages;
    skipped_seqs += o.skipped_seqs;
    malformed += o.malformed;
    unsolicited_errors += o.unsolicited_errors;
    abandoned_requests += o.abandoned_requests;
    viewers += o.viewers;
    joins += o.joins;
    rejoins += o.rejoins;
    resumed += o.resumed;
    snapshots += o.snapshots;
    leaves += o.leaves;
    drops += o.drops;
    server_closes += o.server_closes;
    connect_failures += o.connect_failures;
    if (first_connect_error.empty()) {
        first_connect_error = o.first_connect_error;
    }
    if (first_server_close.empty()) {
        first_server_close = o.first_server_close;
    }
}

}  // namespace liveroom::bench
