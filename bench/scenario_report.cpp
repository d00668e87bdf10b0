#include "bench/scenario_report.hpp"

#include <cmath>

#include "bench/args.hpp"
#include "bench/json_writer.hpp"

namespace liveroom::bench {

namespace {

std::string n(std::uint64_t v) {
    return group_digits(v);
}

std::string codes_text(const std::map<std::string, std::uint64_t>& codes) {
    std::string s;
    for (const auto& [code, count] : codes) {
        s += (s.empty() ? "" : ", ") + code + " " + n(count);
    }
    return s;
}

std::string kib_or_unknown(const std::optional<std::uint64_t>& kib) {
    return kib ? kib_text(*kib) : std::string("?");
}

}  // namespace

void print_text(std::ostream& out, const scenario_report& r) {
    const char* pad = "  ";
    out << "liveroom-bench scenario " << r.name << ": " << r.url << " room=" << r.room << "\n";
    out << pad << "config        " << fixed(r.duration_s / 60.0, 1) << " scenario min at speed " << fixed(r.speed, 1)
        << " (" << fixed(r.duration_s / r.speed, 1) << " s), peak " << n(r.peak_target) << " viewers, " << r.threads
        << " client threads, " << r.sources << " source addresses, seed " << r.seed << "\n";
    out << pad << "viewers       peak online " << n(r.peak_online) << ", " << n(r.viewers) << " distinct; "
        << n(r.joins) << " joins + " << n(r.rejoins) << " rejoins = " << n(r.joins + r.rejoins) << " views; "
        << n(r.leaves) << " left, " << n(r.drops) << " cut, " << n(r.server_closes) << " closed by the server, "
        << n(r.connect_failures) << " connect failures\n";
    if (!r.first_connect_error.empty()) {
        out << pad << "              first connect failure: " << r.first_connect_error << "\n";
    }
    if (!r.first_server_close.empty()) {
        out << pad << "              first server close: " << r.first_server_close << "\n";
    }
    if (r.welcome.count != 0) {
        out << pad << "joining       connect → welcome p50 " << fixed(r.welcome.p50_ms, 1) << " p90 "
            << fixed(r.welcome.p90_ms, 1) << " p99 " << fixed(r.welcome.p99_ms, 1) << " max "
            << fixed(r.welcome.max_ms, 1) << " ms (n=" << n(r.welcome.count) << ")\n";
    }
    out << pad << "rejoins       " << n(r.resumed) << " resumed with since, " << n(r.snapshots)
        << " got a snapshot instead";
    if (r.reconnect.count != 0) {
        out << "; cut → welcome p50 " << fixed(r.reconnect.p50_ms, 1) << " p99 " << fixed(r.reconnect.p99_ms, 1)
            << " max " << fixed(r.reconnect.max_ms, 1) << " ms";
    }
    out << "\n";
    out << pad << "deliveries    " << n(r.deliveries) << " (" << n(static_cast<std::uint64_t>(r.deliveries_per_second))
        << "/s mean, " << n(static_cast<std::uint64_t>(r.peak_deliveries_per_second)) << "/s peak), " << n(r.replayed)
        << " more replayed after resumes\n";
    out << pad << "sequence      " << n(r.gaps) << " gaps (" << n(r.missing_seqs) << " seqs missing, "
        << n(r.viewers_with_gaps) << " viewers), " << n(r.skipped_messages) << " skipped announcements ("
        << n(r.skipped_seqs) << " seqs), " << n(r.duplicates) << " duplicates; final seq " << r.final_seq
        << " reached by " << n(r.viewers_at_final) << " of " << n(r.online_at_end) << " online\n";
    if (r.malformed != 0 || r.unsolicited_errors != 0 || r.abandoned_requests != 0) {
        out << pad << "anomalies     " << n(r.malformed) << " unreadable objects, " << n(r.unsolicited_errors)
            << " errors without a request id, " << n(r.abandoned_requests)
            << " requests unanswered when their viewer left\n";
    }
    out << pad << "latency (ms)  kind             source  n          p50      p90      p99      max\n";
    for (const auto& k : r.latency) {
        char line[160];
        std::snprintf(line, sizeof line, "%-16s %-6s  %-9s %8.1f %8.1f %8.1f %8.1f", k.kind.c_str(), k.source.c_str(),
                      n(k.deliveries).c_str(), k.latency.p50_ms, k.latency.p90_ms, k.latency.p99_ms, k.latency.max_ms);
        out << pad << "              " << line << "\n";
    }
    out << pad << "requests      kind             side    sent      acked     errors   ack p50  ack p99 (ms)\n";
    for (const auto& q : r.requests) {
        char line[200];
        std::snprintf(line, sizeof line, "%-16s %-6s  %-9s %-9s %-8s %8.1f %8.1f", q.kind.c_str(), q.side.c_str(),
                      n(q.sent).c_str(), n(q.acked).c_str(), n(q.errors).c_str(), q.ack_latency.p50_ms,
                      q.ack_latency.p99_ms);
        out << pad << "              " << line;
        if (!q.errors_by_code.empty()) {
            out << "  [" << codes_text(q.errors_by_code) << "]";
        }
        out << "\n";
    }
    if (!r.errors_by_code.empty()) {
        out << pad << "errors        " << codes_text(r.errors_by_code) << "\n";
    }
    out << pad << "host          " << n(r.host_sent) << " of " << n(r.host_steps) << " steps sent, "
        << n(r.host_answered) << " answered, " << n(r.host_skipped) << " skipped";
    if (!r.host_first_skip.empty()) {
        out << " (first: " << r.host_first_skip << ")";
    }
    out << "\n";
    if (r.server_pid) {
        out << pad << "server        pid " << *r.server_pid << ": cpu mean "
            << (r.server_cpu_mean_percent ? fixed(*r.server_cpu_mean_percent, 1) : "?") << " %, peak "
            << (r.server_cpu_peak_percent ? fixed(*r.server_cpu_peak_percent, 1) : "?") << " %; rss start "
            << kib_or_unknown(r.server_rss_start_kib) << ", mid " << kib_or_unknown(r.server_rss_mid_kib) << ", end "
            << kib_or_unknown(r.server_rss_end_kib) << ", peak " << kib_or_unknown(r.server_rss_peak_kib);
        if (r.server_rss_slope_kib_per_hour) {
            out << "; second-half trend " << fixed(*r.server_rss_slope_kib_per_hour / 1024.0, 1) << " MiB/h";
        }
        out << "\n";
    }
    out << pad << "bench cpu     " << fixed(r.bench_cpu_percent, 1) << " % over " << fixed(r.wall_seconds, 1)
        << " s (100 % = one core of " << r.cores << ")\n";
    out << pad << "result        " << (r.completed ? "completed" : "INCOMPLETE: " + r.incomplete_reason) << "\n";
}

std::string to_json(const scenario_report& r) {
    json_writer w;
    w.begin_object();
    w.field("kind", "scenario");
    w.field("completed", r.completed);
    if (!r.completed) {
        w.field("incomplete_reason", r.incomplete_reason);
    }
    w.begin_object("config");
    w.field("name", r.name);
    w.field("description", r.description);
    w.field("file", r.file);
    w.field("url", r.url);
    w.field("room", r.room);
    w.field("speed", r.speed);
    w.field("duration_s", r.duration_s);
    w.field("peak_target", r.peak_target);
    w.field("threads", r.threads);
    w.field("sources", r.sources);
    w.field("seed", r.seed);
    w.end_object();
    w.begin_object("viewers");
    w.field("peak_online", r.peak_online);
    w.field("online_at_end", r.online_at_end);
    w.field("distinct", r.viewers);
    w.field("joins", r.joins);
    w.field("rejoins", r.rejoins);
    w.field("views", r.joins + r.rejoins);
    w.field("resumed", r.resumed);
    w.field("snapshots", r.snapshots);
    w.field("leaves", r.leaves);
    w.field("drops", r.drops);
    w.field("server_closes", r.server_closes);
    w.field("connect_failures", r.connect_failures);
    w.field("first_connect_error", r.first_connect_error);
    w.field("first_server_close", r.first_server_close);
    latency_json(w, "reconnect_ms", r.reconnect);
    latency_json(w, "welcome_ms", r.welcome);
    w.end_object();
    w.begin_object("deliveries");
    w.field("received", r.deliveries);
    w.field("per_second", r.deliveries_per_second);
    w.field("peak_per_second", r.peak_deliveries_per_second);
    w.field("room_events", r.room_events);
    w.field("replayed", r.replayed);
    w.field("gaps", r.gaps);
    w.field("missing_seqs", r.missing_seqs);
    w.field("viewers_with_gaps", r.viewers_with_gaps);
    w.field("duplicates", r.duplicates);
    w.field("skipped_messages", r.skipped_messages);
    w.field("skipped_seqs", r.skipped_seqs);
    w.field("malformed", r.malformed);
    w.field("unsolicited_errors", r.unsolicited_errors);
    w.field("abandoned_requests", r.abandoned_requests);
    w.field("final_seq", r.final_seq);
    w.field("viewers_at_final", r.viewers_at_final);
    w.end_object();
    w.begin_object("latency_ms");
    for (const auto& k : r.latency) {
        w.begin_object(k.kind.c_str());
        w.field("source", k.source);
        w.field("deliveries", k.deliveries);
        w.field("p50", k.latency.p50_ms);
        w.field("p90", k.latency.p90_ms);
        w.field("p99", k.latency.p99_ms);
        w.field("p999", k.latency.p999_ms);
        w.field("max", k.latency.max_ms);
        w.field("mean", k.latency.mean_ms);
        w.end_object();
    }
    w.end_object();
    w.begin_object("requests");
    for (const auto& q : r.requests) {
        w.begin_object(q.kind.c_str());
        w.field("side", q.side);
        w.field("sent", q.sent);
        w.field("acked", q.acked);
        w.field("errors", q.errors);
        w.begin_object("errors_by_code");
        for (const auto& [code, count] : q.errors_by_code) {
            w.field(code.c_str(), count);
        }
        w.end_object();
        w.field("first_error", q.first_error);
        latency_json(w, "ack_ms", q.ack_latency);
        w.end_object();
    }
    w.end_object();
    w.begin_object("errors_by_code");
    for (const auto& [code, count] : r.errors_by_code) {
        w.field(code.c_str(), count);
    }
    w.end_object();
    w.begin_object("host");
    w.field("steps", r.host_steps);
    w.field("sent", r.host_sent);
    w.field("answered", r.host_answered);
    w.field("skipped", r.host_skipped);
    w.field("first_skip", r.host_first_skip);
    w.end_object();
    w.begin_object("server");
    w.field("pid", r.server_pid);
    w.field("cpu_mean_percent", r.server_cpu_mean_percent);
    w.field("cpu_peak_percent", r.server_cpu_peak_percent);
    w.field("rss_start_kib", r.server_rss_start_kib);
    w.field("rss_mid_kib", r.server_rss_mid_kib);
    w.field("rss_end_kib", r.server_rss_end_kib);
    w.field("rss_peak_kib", r.server_rss_peak_kib);
    w.field("rss_slope_kib_per_hour", r.server_rss_slope_kib_per_hour);
    w.end_object();
    w.begin_object("bench");
    w.field("cores", r.cores);
    w.field("wall_seconds", r.wall_seconds);
    w.field("cpu_percent", r.bench_cpu_percent);
    w.end_object();
    w.field("interval_s", r.interval_s);
    // The time series as columns: compact, and easy to chart.
    w.begin_object("timeline");
    const auto column = [&](const char* key, auto get) {
        w.begin_array(key);
        for (const auto& s : r.timeline) {
            w.field(nullptr, get(s));
        }
        w.end_array();
    };
    column("t", [](const timeline_sample& s) { return s.t; });
    column("scenario_t", [](const timeline_sample& s) { return s.scenario_t; });
    column("target", [](const timeline_sample& s) { return s.target; });
    column("online", [](const timeline_sample& s) { return s.online; });
    column("connecting", [](const timeline_sample& s) { return s.connecting; });
    column("deliveries_per_s", [](const timeline_sample& s) { return s.deliveries_per_s; });
    column("requests_per_s", [](const timeline_sample& s) { return s.requests_per_s; });
    column("errors", [](const timeline_sample& s) { return s.errors; });
    column("gaps", [](const timeline_sample& s) { return s.gaps; });
    column("latency_count", [](const timeline_sample& s) { return s.latency.count; });
    column("latency_p50_ms", [](const timeline_sample& s) { return s.latency.p50_ms; });
    column("latency_p99_ms", [](const timeline_sample& s) { return s.latency.p99_ms; });
    column("latency_max_ms", [](const timeline_sample& s) { return s.latency.max_ms; });
    column("bench_cpu_percent", [](const timeline_sample& s) { return s.bench_cpu_percent; });
    column("server_cpu_percent", [](const timeline_sample& s) { return s.server_cpu_percent; });
    column("server_rss_kib", [](const timeline_sample& s) { return s.server_rss_kib; });
    w.end_object();
    w.end_object();
    std::string text = w.take();
    text += '\n';
    return text;
}

}  // namespace liveroom::bench
