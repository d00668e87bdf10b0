#include "bench/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "bench/args.hpp"

namespace liveroom::bench {

namespace {

std::string escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string num(double v, int decimals = 1) {
    return fixed(v, decimals);
}

struct series {
    std::string name;
    std::string color;
    std::vector<std::optional<double>> values;
};

// A round step for axis ticks: 1, 2 or 5 times a power of ten.
double nice_step(double range, int ticks) {
    const double raw = range / ticks;
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double m : {1.0, 2.0, 5.0, 10.0}) {
        if (raw <= m * p) {
            return m * p;
        }
    }
    return 10 * p;
}

// A line chart over x (scenario minutes), one polyline per series, with a legend.
std::string svg_chart(const std::string& title,
                      const std::string& unit,
                      const std::vector<double>& x,
                      const std::vector<series>& lines) {
    constexpr double w = 760;
    constexpr double h = 260;
    constexpr double left = 64;
    constexpr double right = 16;
    constexpr double top = 30;
    constexpr double bottom = 40;
    double y_max = 0;
    for (const auto& s : lines) {
        for (const auto& v : s.values) {
            if (v && std::isfinite(*v)) {
                y_max = std::max(y_max, *v);
            }
        }
    }
    if (y_max <= 0) {
        y_max = 1;
    }
    const double y_step = nice_step(y_max, 5);
    y_max = std::ceil(y_max / y_step) * y_step;
    const double x_min = x.empty() ? 0 : x.front();
    double x_max = x.empty() ? 1 : x.back();
    if (x_max <= x_min) {
        x_max = x_min + 1;
    }
    const auto px = [&](double v) { return left + (v - x_min) / (x_max - x_min) * (w - left - right); };
    const auto py = [&](double v) { return top + (1 - v / y_max) * (h - top - bottom); };
    std::string s =
        "<svg viewBox=\"0 0 760 260\" width=\"760\" height=\"260\" role=\"img\" aria-label=\"" + escape(title) + "\">";
    s += "<text x=\"" + num(left, 0) + "\" y=\"18\" class=\"t\">" + escape(title) + " (" + escape(unit) + ")</text>";
    for (double v = 0; v <= y_max + y_step / 2; v += y_step) {
        const std::string y = num(py(v));
        s += "<line x1=\"" + num(left) + "\" x2=\"" + num(w - right) + "\" y1=\"" + y + "\" y2=\"" + y +
             "\" class=\"g\"/><text x=\"" + num(left - 6) + "\" y=\"" + y + "\" class=\"yl\">" +
             escape(v >= 1000 ? group_digits(static_cast<std::uint64_t>(v)) : num(v, y_step < 1 ? 2 : 0)) + "</text>";
    }
    const double x_step = nice_step(x_max - x_min, 8);
    for (double v = std::ceil(x_min / x_step) * x_step; v <= x_max + 1e-9; v += x_step) {
        const std::string xx = num(px(v));
        s += "<line x1=\"" + xx + "\" x2=\"" + xx + "\" y1=\"" + num(top) + "\" y2=\"" + num(h - bottom) +
             "\" class=\"g\"/><text x=\"" + xx + "\" y=\"" + num(h - bottom + 16) + "\" class=\"xl\">" +
             num(v, x_step < 1 ? 1 : 0) + "</text>";
    }
    s +=
        "<text x=\"" + num((left + w - right) / 2) + "\" y=\"" + num(h - 4) + "\" class=\"xl\">scenario minutes</text>";
    double legend_x = left + 260;
    for (const auto& line : lines) {
        std::string points;
        for (std::size_t i = 0; i < x.size() && i < line.values.size(); ++i) {
            const auto& v = line.values[i];
            if (!v || !std::isfinite(*v)) {
                continue;
            }
            points += num(px(x[i])) + "," + num(py(*v)) + " ";
        }
        s += "<polyline fill=\"none\" stroke=\"" + line.color + "\" stroke-width=\"1.6\" points=\"" + points + "\"/>";
        s += "<rect x=\"" + num(legend_x) + "\" y=\"9\" width=\"12\" height=\"4\" fill=\"" + line.color +
             "\"/><text x=\"" + num(legend_x + 16) + "\" y=\"16\" class=\"lg\">" + escape(line.name) + "</text>";
        legend_x += 24 + 7.5 * static_cast<double>(line.name.size());
    }
    s += "</svg>\n";
    return s;
}

template <class Get>
std::vector<std::optional<double>> column(const scenario_report& r, Get get) {
    std::vector<std::optional<double>> out;
    out.reserve(r.timeline.size());
    for (const auto& row : r.timeline) {
        out.push_back(get(row));
    }
    return out;
}

void row(std::string& s, const std::string& label, const std::string& value) {
    s += "<tr><th>" + escape(label) + "</th><td>" + escape(value) + "</td></tr>\n";
}

std::string n(std::uint64_t v) {
    return group_digits(v);
}

}  // namespace

std::string to_html(const scenario_report& r) {
    std::string s =
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>liveroom-bench: " + escape(r.name) +
        "</title>\n<style>\n"
        "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:800px;color:#222}\n"
        "h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0}\n"
        "th,td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-"
        "align:left}\n"
        ".kv th{text-align:left;font-weight:normal;color:#555}.kv td{text-align:left}\n"
        ".ok{color:#17702e;font-weight:bold}.bad{color:#b00020;font-weight:bold}\n"
        "svg{display:block;margin:10px 0;background:#fcfcfc;border:1px solid #e4e4e4}\n"
        "svg .g{stroke:#e6e6e6}svg text{font:11px system-ui,sans-serif;fill:#555}\n"
        "svg .t{font-size:13px;fill:#222}svg .yl{text-anchor:end;dominant-baseline:middle}svg .xl{text-anchor:"
        "middle}\n"
        "</style></head><body>\n";
    s += "<h1>liveroom-bench: " + escape(r.name) + "</h1>\n";
    if (!r.description.empty()) {
        s += "<p>" + escape(r.description) + "</p>\n";
    }
    const bool clean = r.gaps == 0 && r.viewers_at_final == r.online_at_end;
    s += "<p>Result: <span class=\"" + std::string(r.completed && clean ? "ok" : "bad") + "\">" +
         (r.completed ? (clean ? "completed, no loss" : "completed, with loss or stragglers (see below)")
                      : "INCOMPLETE: " + escape(r.incomplete_reason)) +
         "</span></p>\n";

    s += "<h2>Run</h2>\n<table class=\"kv\">\n";
    row(s, "server", r.url + " room " + r.room);
    row(s, "scenario", r.file);
    row(s, "time",
        num(r.duration_s / 60.0) + " scenario minutes at speed " + num(r.speed) + " = " + num(r.duration_s / r.speed) +
            " s");
    row(s, "peak target", n(r.peak_target) + " viewers");
    row(s, "client",
        std::to_string(r.threads) + " threads, " + std::to_string(r.sources) + " source addresses, seed " +
            std::to_string(r.seed));
    row(s, "bench cpu",
        num(r.bench_cpu_percent) + " % over " + num(r.wall_seconds) + " s (100 % = one core of " +
            std::to_string(r.cores) + ")");
    s += "</table>\n";

    s += "<h2>Viewers</h2>\n<table class=\"kv\">\n";
    row(s, "peak online", n(r.peak_online));
    row(s, "views",
        n(r.joins + r.rejoins) + " (" + n(r.joins) + " joins, " + n(r.rejoins) + " rejoins; " + n(r.viewers) +
            " distinct viewers)");
    row(s, "rejoins", n(r.resumed) + " resumed with since, " + n(r.snapshots) + " got a snapshot");
    row(s, "departures",
        n(r.leaves) + " left, " + n(r.drops) + " cut, " + n(r.server_closes) + " closed by the server, " +
            n(r.connect_failures) + " connect failures");
    if (r.welcome.count != 0) {
        row(s, "connect → welcome",
            "p50 " + num(r.welcome.p50_ms) + " ms, p99 " + num(r.welcome.p99_ms) + " ms, max " + num(r.welcome.max_ms) +
                " ms");
    }
    if (r.reconnect.count != 0) {
        row(s, "cut → welcome",
            "p50 " + num(r.reconnect.p50_ms) + " ms, p99 " + num(r.reconnect.p99_ms) + " ms, max " +
                num(r.reconnect.max_ms) + " ms");
    }
    if (!r.first_connect_error.empty()) {
        row(s, "first connect failure", r.first_connect_error);
    }
    if (!r.first_server_close.empty()) {
        row(s, "first server close", r.first_server_close);
    }
    s += "</table>\n";

    s += "<h2>Deliveries</h2>\n<table class=\"kv\">\n";
    row(s, "received",
        n(r.deliveries) + " (" + n(static_cast<std::uint64_t>(r.deliveries_per_second)) + "/s mean, " +
            n(static_cast<std::uint64_t>(r.peak_deliveries_per_second)) + "/s peak), " + n(r.replayed) +
            " more replayed after resumes");
    row(s, "sequence",
        n(r.gaps) + " gaps (" + n(r.missing_seqs) + " seqs missing), " + n(r.skipped_messages) +
            " skipped announcements, " + n(r.duplicates) + " duplicates");
    row(s, "final seq",
        std::to_string(r.final_seq) + " reached by " + n(r.viewers_at_final) + " of " + n(r.online_at_end) +
            " online viewers");
    s += "</table>\n";

    s += "<h2>Latency by event kind (ms)</h2>\n<p>source <b>text</b>: from the sender's request (a send time "
         "carried in the text); <b>ts</b>: from the server's emit time (the event's <code>ts</code>).</p>\n"
         "<table><tr><th>kind</th><th>source</th><th>deliveries</th><th>p50</th><th>p90</th><th>p99</th>"
         "<th>p99.9</th><th>max</th></tr>\n";
    for (const auto& k : r.latency) {
        s += "<tr><td>" + escape(k.kind) + "</td><td>" + k.source + "</td><td>" + n(k.deliveries) + "</td><td>" +
             num(k.latency.p50_ms) + "</td><td>" + num(k.latency.p90_ms) + "</td><td>" + num(k.latency.p99_ms) +
             "</td><td>" + num(k.latency.p999_ms) + "</td><td>" + num(k.latency.max_ms) + "</td></tr>\n";
    }
    s += "</table>\n";

    s += "<h2>Requests</h2>\n<table><tr><th>kind</th><th>side</th><th>sent</th><th>acked</th><th>errors</th>"
         "<th>ack p50 ms</th><th>ack p99 ms</th><th>errors by code</th></tr>\n";
    for (const auto& q : r.requests) {
        std::string codes;
        for (const auto& [code, count] : q.errors_by_code) {
            codes += (codes.empty() ? "" : ", ") + code + " " + n(count);
        }
        s += "<tr><td>" + escape(q.kind) + "</td><td>" + q.side + "</td><td>" + n(q.sent) + "</td><td>" + n(q.acked) +
             "</td><td>" + n(q.errors) + "</td><td>" + num(q.ack_latency.p50_ms) + "</td><td>" +
             num(q.ack_latency.p99_ms) + "</td><td>" + escape(codes) + "</td></tr>\n";
    }
    s += "</table>\n";
    if (r.host_skipped != 0) {
        s += "<p>Host steps skipped: " + n(r.host_skipped) + " (first: " + escape(r.host_first_skip) + ")</p>\n";
    }

    std::vector<double> x;
    for (const auto& row_ : r.timeline) {
        x.push_back(row_.scenario_t / 60.0);
    }
    s += "<h2>Over time</h2>\n";
    s += svg_chart(
        "Online viewers", "connections", x,
        {{"online", "#1f6fb2",
          column(r, [](const timeline_sample& t) -> std::optional<double> { return static_cast<double>(t.online); })},
         {"target", "#a0a0a0",
          column(r, [](const timeline_sample& t) -> std::optional<double> { return static_cast<double>(t.target); })}});
    s += svg_chart("Delivery latency, all kinds", "ms", x,
                   {{"p50", "#1f6fb2",
                     column(r,
                            [](const timeline_sample& t) -> std::optional<double> {
                                return t.latency.count ? std::optional<double>(t.latency.p50_ms) : std::nullopt;
                            })},
                    {"p99", "#d9822b", column(r, [](const timeline_sample& t) -> std::optional<double> {
                         return t.latency.count ? std::optional<double>(t.latency.p99_ms) : std::nullopt;
                     })}});
    s += svg_chart("Deliveries", "per second", x,
                   {{"deliveries/s", "#1f6fb2",
                     column(r, [](const timeline_sample& t) -> std::optional<double> { return t.deliveries_per_s; })}});
    s += svg_chart("Viewer requests", "per second", x,
                   {{"requests/s", "#2e9e57",
                     column(r, [](const timeline_sample& t) -> std::optional<double> { return t.requests_per_s; })}});
    s +=
        svg_chart("CPU", "% of one core", x,
                  {{"server", "#b00020", column(r, [](const timeline_sample& t) { return t.server_cpu_percent; })},
                   {"bench", "#7a7a7a",
                    column(r, [](const timeline_sample& t) -> std::optional<double> { return t.bench_cpu_percent; })}});
    if (r.server_pid) {
        s += svg_chart("Server memory (RSS)", "MiB", x,
                       {{"rss", "#6a3d9a", column(r, [](const timeline_sample& t) -> std::optional<double> {
                             return t.server_rss_kib
                                        ? std::optional<double>(static_cast<double>(*t.server_rss_kib) / 1024.0)
                                        : std::nullopt;
                         })}});
        s += "<p>Server: CPU mean " +
             (r.server_cpu_mean_percent ? num(*r.server_cpu_mean_percent) + " %" : std::string("?")) + ", peak " +
             (r.server_cpu_peak_percent ? num(*r.server_cpu_peak_percent) + " %" : std::string("?")) + "; RSS start " +
             (r.server_rss_start_kib ? kib_text(*r.server_rss_start_kib) : "?") + ", end " +
             (r.server_rss_end_kib ? kib_text(*r.server_rss_end_kib) : "?") + ", peak " +
             (r.server_rss_peak_kib ? kib_text(*r.server_rss_peak_kib) : "?") +
             (r.server_rss_slope_kib_per_hour
                  ? "; second-half trend " + num(*r.server_rss_slope_kib_per_hour / 1024.0) + " MiB/h"
                  : std::string()) +
             ".</p>\n";
    }
    s += "<p style=\"color:#777\">One report interval = " + num(r.interval_s, 0) +
         " s of real time. Generated by liveroom-bench.</p>\n</body></html>\n";
    return s;
}

}  // namespace liveroom::bench
