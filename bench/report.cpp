#include "bench/report.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "bench/args.hpp"
#include "bench/json_writer.hpp"

namespace liveroom::bench {

namespace {

double ms(std::uint64_t micros) {
    return static_cast<double>(micros) / 1000.0;
}

}  // namespace

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string kib_text(std::uint64_t kib) {
    return fixed(static_cast<double>(kib) / 1024.0, 1) + " MiB";
}

void latency_json(json_writer& w, const char* key, const latency_summary& l) {
    w.begin_object(key);
    w.field("count", l.count);
    w.field("p50", l.p50_ms);
    w.field("p90", l.p90_ms);
    w.field("p99", l.p99_ms);
    w.field("p999", l.p999_ms);
    w.field("max", l.max_ms);
    w.field("mean", l.mean_ms);
    w.end_object();
}

std::string latency_line(const latency_summary& l) {
    if (l.count == 0) {
        return "no samples";
    }
    return "p50 " + fixed(l.p50_ms, 3) + "  p90 " + fixed(l.p90_ms, 3) + "  p99 " + fixed(l.p99_ms, 3) + "  p99.9 " +
           fixed(l.p999_ms, 3) + "  max " + fixed(l.max_ms, 3) + " ms  (mean " + fixed(l.mean_ms, 3) +
           ", n=" + group_digits(l.count) + ")";
}

latency_summary latency_summary::of(const log_histogram& micros) {
    latency_summary s;
    s.count = micros.count();
    s.p50_ms = ms(micros.percentile(50));
    s.p90_ms = ms(micros.percentile(90));
    s.p99_ms = ms(micros.percentile(99));
    s.p999_ms = ms(micros.percentile(99.9));
    s.max_ms = ms(micros.max());
    s.mean_ms = micros.mean() / 1000.0;
    return s;
}

void print_text(std::ostream& out, const fanout_report& r) {
    const char* pad = "  ";
    out << "liveroom-bench fanout: " << r.url << " room=" << r.room << "\n";
    out << pad << "config        " << group_digits(r.viewers_requested) << " viewers, " << r.threads
        << " client threads, " << r.sources << " source addresses; " << fixed(r.rate, 1) << " events/s for "
        << fixed(r.seconds, 1) << " s (warm-up " << fixed(r.warmup, 1) << " s), text " << r.size << " bytes\n";
    out << pad << "connections   " << group_digits(r.viewers_connected) << " connected, "
        << group_digits(r.connect_failures) << " failed (ramp " << fixed(r.ramp_seconds, 1) << " s)";
    if (r.disconnects != 0) {
        out << ", " << group_digits(r.disconnects) << " lost during the run";
    }
    out << "\n";
    if (!r.first_connect_error.empty()) {
        out << pad << "              first connect failure: " << r.first_connect_error << "\n";
    }
    if (!r.first_disconnect.empty()) {
        out << pad << "              first disconnect: " << r.first_disconnect << "\n";
    }
    out << pad << "published     " << group_digits(r.events_sent) << " sent, " << group_digits(r.events_acked)
        << " acked, " << group_digits(r.events_rejected) << " rejected, " << group_digits(r.events_unanswered)
        << " unanswered; window " << fixed(r.window_seconds, 1) << " s: " << group_digits(r.window_events_acked)
        << " acked of " << group_digits(r.window_events_sent) << " sent\n";
    if (!r.first_rejection.empty()) {
        out << pad << "              first rejection: " << r.first_rejection << "\n";
    }
    out << pad << "deliveries    " << group_digits(r.deliveries) << " received of "
        << group_digits(r.expected_deliveries) << " expected; loss " << r.loss << " (" << fixed(r.loss_percent, 3)
        << " %)\n";
    out << pad << "throughput    " << group_digits(static_cast<std::uint64_t>(std::llround(r.deliveries_per_second)))
        << " deliveries/s\n";
    out << pad << "sequence      " << group_digits(r.gaps) << " gaps (" << group_digits(r.missing_seqs)
        << " seqs missing, " << group_digits(r.viewers_with_gaps) << " viewers), " << group_digits(r.skipped_messages)
        << " skipped announcements (" << group_digits(r.skipped_seqs) << " seqs), " << group_digits(r.duplicates)
        << " duplicates; ";
    if (r.last_seq_max >= 0) {
        out << "last seq " << r.last_seq_max << " reached by " << group_digits(r.viewers_at_last_seq) << " viewers\n";
    } else {
        out << "no room event after the warm-up\n";
    }
    if (r.malformed != 0 || r.server_errors != 0) {
        out << pad << "anomalies     " << group_digits(r.malformed) << " unreadable objects, "
            << group_digits(r.server_errors) << " errors to viewers";
        if (!r.first_server_error.empty()) {
            out << " (first: " << r.first_server_error << ")";
        }
        out << "\n";
    }
    out << pad << "latency       " << latency_line(r.latency) << "\n";
    out << pad << "ack latency   " << latency_line(r.ack_latency) << "\n";
    out << pad << "bench cpu     " << fixed(r.cpu_user_seconds, 2) << " s user + " << fixed(r.cpu_sys_seconds, 2)
        << " s sys over " << fixed(r.wall_seconds, 1) << " s = " << fixed(r.cpu_percent, 1) << " % (window "
        << fixed(r.window_cpu_percent, 1) << " %; 100 % = one core of " << r.cores << ")\n";
    if (r.alloc_bytes_per_delivery) {
        out << pad << "bench alloc   " << fixed(*r.alloc_bytes_per_delivery, 2)
            << " bytes allocated per delivery (viewer threads, window)\n";
    }
    if (r.server_pid) {
        const auto& m = r.server;
        out << pad << "server rss    pid " << *r.server_pid << ": before "
            << (m.before_kib ? kib_text(*m.before_kib) : "?") << ", idle " << (m.idle_kib ? kib_text(*m.idle_kib) : "?")
            << ", end " << (m.end_kib ? kib_text(*m.end_kib) : "?") << ", peak "
            << (m.peak_kib ? kib_text(*m.peak_kib) : "?");
        if (m.per_viewer_kib) {
            out << "; " << fixed(*m.per_viewer_kib, 2) << " KiB per viewer";
        }
        out << "\n";
    }
    out << pad << "result        " << (r.completed ? "completed" : "INCOMPLETE: " + r.incomplete_reason) << "\n";
}

std::string to_json(const fanout_report& r) {
    json_writer w;
    w.begin_object();
    w.field("completed", r.completed);
    if (!r.completed) {
        w.field("incomplete_reason", r.incomplete_reason);
    }
    w.begin_object("config");
    w.field("url", r.url);
    w.field("room", r.room);
    w.field("viewers", r.viewers_requested);
    w.field("threads", r.threads);
    w.field("sources", r.sources);
    w.field("rate", r.rate);
    w.field("seconds", r.seconds);
    w.field("warmup", r.warmup);
    w.field("size", r.size);
    w.end_object();
    w.begin_object("connections");
    w.field("viewers_connected", r.viewers_connected);
    w.field("connect_failures", r.connect_failures);
    w.field("first_connect_error", r.first_connect_error);
    w.field("disconnects", r.disconnects);
    w.field("first_disconnect", r.first_disconnect);
    w.field("ramp_seconds", r.ramp_seconds);
    w.end_object();
    w.begin_object("published");
    w.field("sent", r.events_sent);
    w.field("acked", r.events_acked);
    w.field("rejected", r.events_rejected);
    w.field("unanswered", r.events_unanswered);
    w.field("first_rejection", r.first_rejection);
    w.field("window_sent", r.window_events_sent);
    w.field("window_acked", r.window_events_acked);
    w.field("window_seconds", r.window_seconds);
    w.end_object();
    w.begin_object("deliveries");
    w.field("received", r.deliveries);
    w.field("per_second", r.deliveries_per_second);
    w.field("expected", r.expected_deliveries);
    w.field("loss", r.loss);
    w.field("loss_percent", r.loss_percent);
    w.field("gaps", r.gaps);
    w.field("missing_seqs", r.missing_seqs);
    w.field("viewers_with_gaps", r.viewers_with_gaps);
    w.field("skipped_messages", r.skipped_messages);
    w.field("skipped_seqs", r.skipped_seqs);
    w.field("duplicates", r.duplicates);
    w.field("room_events", r.room_events);
    w.field("malformed", r.malformed);
    w.field("server_errors", r.server_errors);
    w.field("first_server_error", r.first_server_error);
    w.field("first_seq_min", r.first_seq_min);
    w.field("last_seq_min", r.last_seq_min);
    w.field("last_seq_max", r.last_seq_max);
    w.field("viewers_at_last_seq", r.viewers_at_last_seq);
    w.end_object();
    latency_json(w, "latency_ms", r.latency);
    latency_json(w, "ack_latency_ms", r.ack_latency);
    w.begin_object("bench");
    w.field("cores", r.cores);
    w.field("wall_seconds", r.wall_seconds);
    w.field("cpu_user_seconds", r.cpu_user_seconds);
    w.field("cpu_sys_seconds", r.cpu_sys_seconds);
    w.field("cpu_percent", r.cpu_percent);
    w.field("window_cpu_percent", r.window_cpu_percent);
    w.field("alloc_bytes_per_delivery", r.alloc_bytes_per_delivery);
    w.end_object();
    w.begin_object("server");
    w.field("pid", r.server_pid);
    w.field("rss_before_kib", r.server.before_kib);
    w.field("rss_idle_kib", r.server.idle_kib);
    w.field("rss_end_kib", r.server.end_kib);
    w.field("rss_peak_kib", r.server.peak_kib);
    w.field("rss_per_viewer_kib", r.server.per_viewer_kib);
    w.end_object();
    w.end_object();
    std::string text = w.take();
    text += '\n';
    return text;
}

std::optional<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return std::move(buf).str();
}

std::string write_text_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    if (!out) {
        return "cannot open " + path + ": " + std::strerror(errno);
    }
    out << text;
    out.close();
    if (!out) {
        return "cannot write " + path;
    }
    return {};
}

std::string write_json_file(const std::string& path, const fanout_report& report) {
    return write_text_file(path, to_json(report));
}

}  // namespace liveroom::bench
