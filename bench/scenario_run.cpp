#include "bench/scenario_run.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench/args.hpp"
#include "bench/crowd_worker.hpp"
#include "bench/exit_status.hpp"
#include "bench/html_report.hpp"
#include "bench/run_setup.hpp"
#include "bench/scenario.hpp"
#include "bench/scenario_host.hpp"
#include "bench/scenario_report.hpp"
#include "bench/sys_stats.hpp"

#ifndef LIVEROOM_BENCH_SCENARIO_DIR
#define LIVEROOM_BENCH_SCENARIO_DIR "bench/scenarios"
#endif

namespace liveroom::bench {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr const char* named_scenarios[] = {"union-evening", "reconnect-storm", "quiz-burst", "soak", "comments"};
constexpr auto close_wait = 5s;
constexpr double deadline_slack_s = 60;
constexpr std::size_t max_report_rows = 900;

unsigned default_threads() {
    return std::max(1U, cpu_count() - 1);
}

struct run_options {
    std::string scenario;
    std::string url = "ws://127.0.0.1:8080/ws";
    std::string host_token;
    std::optional<double> speed;
    std::optional<double> viewers;
    std::optional<double> duration;
    std::optional<std::uint64_t> seed;
    unsigned threads = default_threads();
    unsigned sources = 8;
    double connect_timeout = 10;
    double drain = 10;
    std::string json_path;
    std::string html_path;
    std::optional<int> server_pid;
    std::string scenario_dir = LIVEROOM_BENCH_SCENARIO_DIR;
    bool allow_remote = false;
    bool help = false;
};

run_options parse_options(const std::string& command, int argc, char** argv) {
    run_options o;
    if (is_named_scenario(command)) {
        o.scenario = command;
    }
    arg_reader args(argc, argv);
    // `run` takes the scenario as its first argument.
    if (command == "run" && argc > 0 && std::string_view(argv[0]).substr(0, 2) != "--" &&
        std::string_view(argv[0]) != "-h") {
        o.scenario = argv[0];
        args = arg_reader(argc - 1, argv + 1);
    }
    while (args.next()) {
        const std::string_view f = args.flag();
        if (f == "--help") {
            o.help = true;
        } else if (f == "--url") {
            o.url = std::string(args.value());
        } else if (f == "--host-token") {
            o.host_token = std::string(args.value());
        } else if (f == "--speed") {
            o.speed = parse_double(f, args.value(), 0.001, 100'000);
        } else if (f == "--viewers") {
            o.viewers = static_cast<double>(parse_int(f, args.value(), 1, 1'000'000));
        } else if (f == "--duration") {
            o.duration = parse_double(f, args.value(), 1, 1e7);
        } else if (f == "--seed") {
            o.seed = static_cast<std::uint64_t>(parse_int(f, args.value(), 0, 4'000'000'000));
        } else if (f == "--threads") {
            o.threads = static_cast<unsigned>(parse_int(f, args.value(), 1, 256));
        } else if (f == "--source-addrs" || f == "--sources") {
            o.sources = static_cast<unsigned>(parse_int(f, args.value(), 1, 254));
        } else if (f == "--connect-timeout") {
            o.connect_timeout = parse_double(f, args.value(), 0.1, 600);
        } else if (f == "--drain") {
            o.drain = parse_double(f, args.value(), 0, 600);
        } else if (f == "--json") {
            o.json_path = std::string(args.value());
        } else if (f == "--html") {
            o.html_path = std::string(args.value());
        } else if (f == "--server-pid") {
            o.server_pid = static_cast<int>(parse_int(f, args.value(), 1, 4'194'304));
        } else if (f == "--scenario-dir") {
            o.scenario_dir = std::string(args.value());
        } else if (f == "--allow-remote") {
            args.no_value();
            o.allow_remote = true;
        } else {
            args.unknown();
        }
    }
    if (o.help) {
        return o;
    }
    if (o.scenario.empty()) {
        throw usage_error("which scenario? liveroom-bench run <file.json | name>");
    }
    if (o.host_token.empty()) {
        throw usage_error("--host-token is required (a JWT with role host or moderator for the room)");
    }
    return o;
}

std::string scenario_path(const run_options& o) {
    namespace fs = std::filesystem;
    if (fs::exists(o.scenario)) {
        return o.scenario;
    }
    const std::string named = o.scenario_dir + "/" + o.scenario + ".json";
    if (fs::exists(named)) {
        return named;
    }
    throw usage_error("no scenario file '" + o.scenario + "', nor " + named + " (see --scenario-dir)");
}

struct live_sums {
    std::uint64_t online = 0;
    std::uint64_t connecting = 0;
    std::uint64_t at_final = 0;
    std::uint64_t joins = 0;
    std::uint64_t rejoins = 0;
    std::uint64_t departures = 0;
    std::uint64_t server_closes = 0;
    std::uint64_t failures = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t latency_sum_us = 0;
    std::uint64_t sent = 0;
    std::uint64_t answered = 0;
    std::uint64_t abandoned = 0;
    std::uint64_t errors = 0;
    std::uint64_t gaps = 0;
};

// Least-squares slope of y over x.
std::optional<double> slope(const std::vector<std::pair<double, double>>& points) {
    if (points.size() < 3) {
        return std::nullopt;
    }
    double sx = 0;
    double sy = 0;
    for (const auto& [x, y] : points) {
        sx += x;
        sy += y;
    }
    const double mx = sx / static_cast<double>(points.size());
    const double my = sy / static_cast<double>(points.size());
    double num = 0;
    double den = 0;
    for (const auto& [x, y] : points) {
        num += (x - mx) * (y - my);
        den += (x - mx) * (x - mx);
    }
    return den > 0 ? std::optional<double>(num / den) : std::nullopt;
}

class scenario_run {
  public:
    scenario_run(run_options o, scenario sc, std::string file)
        : o_(std::move(o)), sc_(std::move(sc)), file_(std::move(file)) {}
    int run();

  private:
    live_sums sums() const;
    bool connect_host();
    void play();
    void sample(bool force_row);
    void settle();
    void shut_down();
    void build_report();
    void set_phase(const char* p) { phase_.store(p); }

    run_options o_;
    scenario sc_;
    std::string file_;
    std::atomic<const char*> phase_{"starting"};
    load_target target_;
    crowd_clock clock_;
    std::unique_ptr<scenario_host> host_;
    std::vector<std::unique_ptr<crowd_worker>> workers_;
    scenario_report report_;

    // Sampling state.
    steady::time_point run_start_{};
    steady::time_point last_progress_{};
    live_sums last_progress_sums_{};
    steady::time_point last_row_{};
    live_sums last_row_sums_{};
    cpu_times last_row_cpu_{};
    std::optional<double> last_row_server_cpu_;
    std::size_t rows_ = 0;
    std::uint64_t peak_online_ = 0;
    cpu_times cpu_start_{};
    std::optional<double> server_cpu_start_;
    std::vector<std::pair<double, double>> rss_points_;  // (t, KiB)
};

live_sums scenario_run::sums() const {
    live_sums s;
    for (const auto& w : workers_) {
        s.online += w->online.get();
        s.connecting += w->connecting.get();
        s.at_final += w->at_final.get();
        s.joins += w->joins.get();
        s.rejoins += w->rejoins.get();
        s.departures += w->departures.get();
        s.server_closes += w->server_closes.get();
        s.failures += w->failures.get();
        s.deliveries += w->deliveries.get();
        s.latency_sum_us += w->latency_sum_us.get();
        s.sent += w->requests_sent.get();
        s.answered += w->requests_answered.get();
        s.abandoned += w->requests_abandoned.get();
        s.errors += w->request_errors.get();
        s.gaps += w->gaps.get();
    }
    return s;
}

bool scenario_run::connect_host() {
    set_phase("connecting the host");
    host_ = std::make_unique<scenario_host>(target_.target, clock_, sc_, o_.host_token);
    host_->start(target_.sources.front());
    return await_host(*host_,
                      std::chrono::duration_cast<std::chrono::milliseconds>(target_.target.connect_timeout + 2s));
}

// One timeline row per report interval (deltas since the last row), and a progress line
// on stderr about every second.
void scenario_run::sample(bool force_row) {
    const auto now = steady::now();
    const live_sums s = sums();
    peak_online_ = std::max(peak_online_, s.online);
    const double t = std::chrono::duration<double>(now - clock_.start).count();
    const double t_s = clock_.scenario_seconds(now);

    std::optional<std::uint64_t> rss;
    std::optional<double> server_cpu;
    if (o_.server_pid) {
        rss = read_proc_status_kib(*o_.server_pid, "VmRSS");
        server_cpu = read_proc_cpu_seconds(*o_.server_pid);
    }

    if (now - last_progress_ >= 1s) {
        const double dt = std::chrono::duration<double>(now - last_progress_).count();
        const std::uint64_t d = s.deliveries - last_progress_sums_.deliveries;
        const double mean_ms =
            d == 0 ? 0 : static_cast<double>(s.latency_sum_us - last_progress_sums_.latency_sum_us) / d / 1000.0;
        char line[400];
        std::snprintf(
            line, sizeof line,
            "[%6.1f s | scenario %6.1f/%.1f min] online %s/%s (+%s connecting) joins %s rejoins %s "
            "left %s | %s deliveries/s, mean %.1f ms | %s req/s, %s errors | gaps %s",
            t, t_s / 60.0, sc_.duration_s / 60.0, group_digits(s.online).c_str(),
            group_digits(static_cast<std::uint64_t>(std::llround(sc_.online_at(std::min(t_s, sc_.duration_s)))))
                .c_str(),
            group_digits(s.connecting).c_str(), group_digits(s.joins).c_str(), group_digits(s.rejoins).c_str(),
            group_digits(s.departures).c_str(),
            group_digits(static_cast<std::uint64_t>(static_cast<double>(d) / dt)).c_str(), mean_ms,
            group_digits(static_cast<std::uint64_t>(static_cast<double>(s.sent - last_progress_sums_.sent) / dt))
                .c_str(),
            group_digits(s.errors).c_str(), group_digits(s.gaps).c_str());
        std::cerr << line;
        if (rss) {
            std::cerr << " | server rss " << kib_text(*rss);
        }
        std::cerr << std::endl;
        last_progress_ = now;
        last_progress_sums_ = s;
    }

    const double row_end = static_cast<double>(rows_ + 1) * report_.interval_s;
    if ((t < row_end && !force_row) || rows_ >= clock_.intervals) {
        return;
    }
    const double dt = std::max(1e-3, std::chrono::duration<double>(now - last_row_).count());
    const cpu_times cpu = process_cpu();
    timeline_sample row;
    row.t = t;
    row.scenario_t = t_s;
    row.target = static_cast<std::uint64_t>(std::llround(sc_.online_at(std::min(t_s, sc_.duration_s))));
    row.online = s.online;
    row.connecting = s.connecting;
    row.deliveries_per_s = static_cast<double>(s.deliveries - last_row_sums_.deliveries) / dt;
    row.requests_per_s = static_cast<double>(s.sent - last_row_sums_.sent) / dt;
    row.errors = s.errors;
    row.gaps = s.gaps;
    row.bench_cpu_percent = 100.0 * (cpu.total() - last_row_cpu_.total()) / dt;
    if (server_cpu && last_row_server_cpu_) {
        row.server_cpu_percent = 100.0 * (*server_cpu - *last_row_server_cpu_) / dt;
    }
    row.server_rss_kib = rss;
    if (rss) {
        rss_points_.emplace_back(t, static_cast<double>(*rss));
    }
    report_.timeline.push_back(row);
    ++rows_;
    last_row_ = now;
    last_row_sums_ = s;
    last_row_cpu_ = cpu;
    last_row_server_cpu_ = server_cpu;
}

void scenario_run::play() {
    set_phase("playing the scenario");
    const double real_duration = sc_.duration_s / clock_.speed;
    note("playing " + sc_.name + ": " + fixed1(sc_.duration_s / 60.0) + " scenario minutes at speed " +
         fixed1(clock_.speed) + " = " + fixed1(real_duration) + " s, peak " +
         group_digits(static_cast<std::uint64_t>(sc_.peak_online())) + " viewers, " +
         std::to_string(host_->host_steps()) + " host steps");
    for (unsigned i = 0; i < o_.threads; ++i) {
        workers_.push_back(std::make_unique<crowd_worker>(target_.target, clock_, sc_, target_.sources, i, o_.threads));
    }
    for (const auto& w : workers_) {
        w->start();
    }
    host_->play();
    std::this_thread::sleep_until(clock_.start);
    last_progress_ = last_row_ = clock_.start;
    last_row_cpu_ = process_cpu();
    if (o_.server_pid) {
        last_row_server_cpu_ = read_proc_cpu_seconds(*o_.server_pid);
        server_cpu_start_ = last_row_server_cpu_;
    }
    const auto end =
        clock_.start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(real_duration));
    auto next = clock_.start;
    while (steady::now() < end) {
        next += 250ms;
        std::this_thread::sleep_until(std::min(next, end));
        sample(false);
        if (host_->current() == scenario_host::state::failed) {
            report_.incomplete_reason = host_->failure();
            note(report_.incomplete_reason);
            break;
        }
        if (const live_sums s = sums(); s.failures >= 100 && s.joins == 0) {
            report_.incomplete_reason = "viewers cannot connect: " + group_digits(s.failures) +
                                        " attempts failed and none got a welcome (see first_connect_error)";
            note(report_.incomplete_reason);
            break;
        }
    }
    clock_.active.store(false);
}

void scenario_run::settle() {
    set_phase("draining");
    const auto give_up =
        steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.drain));
    // First every request's answer (or its viewer gone), then every online viewer at the last seq.
    auto next = steady::now();
    while (steady::now() < give_up) {
        const live_sums s = sums();
        if (s.answered + s.abandoned >= s.sent && host_->answered.get() >= host_->sent.get()) {
            break;
        }
        next += 250ms;
        std::this_thread::sleep_until(next);
        sample(false);
    }
    {
        const live_sums s = sums();
        if (s.answered + s.abandoned < s.sent || host_->answered.get() < host_->sent.get()) {
            note("drain: " + group_digits(s.sent - std::min(s.sent, s.answered + s.abandoned)) +
                 " viewer requests and " + group_digits(host_->sent.get() - host_->answered.get()) +
                 " host requests still unanswered after " + fixed1(o_.drain) + " s");
        }
    }
    std::this_thread::sleep_for(100ms);  // the events of the last answers
    const std::int64_t final_seq = static_cast<std::int64_t>(host_->max_seq.get()) - 1;
    report_.final_seq = final_seq;
    clock_.final_seq.store(final_seq);
    while (steady::now() < give_up) {
        const live_sums s = sums();
        if (s.at_final >= s.online && s.connecting == 0) {
            break;
        }
        next += 250ms;
        std::this_thread::sleep_until(next);
        sample(false);
    }
    std::this_thread::sleep_for(150ms);  // two worker ticks: at_final is fresh
    const live_sums s = sums();
    report_.viewers_at_final = s.at_final;
    report_.online_at_end = s.online;
    sample(true);
}

void scenario_run::shut_down() {
    set_phase("closing");
    clock_.active.store(false);
    clock_.shutting_down.store(true);
    for (const auto& w : workers_) {
        w->close_all();
    }
    if (host_) {
        host_->close();
    }
    const auto give_up = steady::now() + close_wait;
    while (steady::now() < give_up) {
        const live_sums s = sums();
        if (s.online == 0 && s.connecting == 0 && (!host_ || host_->ended())) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    for (const auto& w : workers_) {
        w->stop();
    }
    if (host_) {
        host_->stop();
    }
}

void scenario_run::build_report() {
    scenario_report& r = report_;
    crowd_metrics m(clock_.intervals);
    for (const auto& w : workers_) {
        m.merge(w->metrics());
    }
    r.peak_online = peak_online_;
    r.viewers = m.viewers;
    r.joins = m.joins;
    r.rejoins = m.rejoins;
    r.resumed = m.resumed;
    r.snapshots = m.snapshots;
    r.leaves = m.leaves;
    r.drops = m.drops;
    r.server_closes = m.server_closes;
    r.connect_failures = m.connect_failures;
    r.first_connect_error = m.first_connect_error;
    r.first_server_close = m.first_server_close;
    r.reconnect = latency_summary::of(m.reconnect_ms);
    r.welcome = latency_summary::of(m.welcome_ms);
    r.room_events = m.room_events;
    r.replayed = m.replayed;
    r.gaps = m.gaps;
    r.missing_seqs = m.missing_seqs;
    r.viewers_with_gaps = m.viewers_with_gaps;
    r.duplicates = m.duplicates;
    r.skipped_messages = m.skipped_messages;
    r.skipped_seqs = m.skipped_seqs;
    r.malformed = m.malformed;
    r.unsolicited_errors = m.unsolicited_errors;
    r.abandoned_requests = m.abandoned_requests;
    for (std::size_t k = 0; k < event_kind_count; ++k) {
        r.deliveries += m.deliveries[k];
        if (m.deliveries[k] == 0) {
            continue;
        }
        const auto kind = static_cast<event_kind>(k);
        r.latency.push_back(kind_latency{to_string(kind), latency_from_text(kind) ? "text" : "ts", m.deliveries[k],
                                         latency_summary::of(m.latency[k])});
    }
    const double real_duration = sc_.duration_s / clock_.speed;
    r.deliveries_per_second = real_duration > 0 ? static_cast<double>(r.deliveries) / real_duration : 0;
    const auto add_requests = [&r](const std::map<std::string, request_stats>& requests, const char* side) {
        for (const auto& [kind, q] : requests) {
            if (q.sent == 0 && q.acked == 0 && q.errors == 0) {
                continue;
            }
            request_summary s{kind,          side,
                              q.sent,        q.acked,
                              q.errors,      q.errors_by_code,
                              q.first_error, latency_summary::of(q.ack_latency)};
            for (const auto& [code, count] : q.errors_by_code) {
                r.errors_by_code[code] += count;
            }
            r.requests.push_back(std::move(s));
        }
    };
    add_requests(m.requests, "viewer");
    if (host_) {
        add_requests(host_->requests(), "host");
        r.host_steps = host_->host_steps();
        r.host_sent = host_->sent.get();
        r.host_answered = host_->answered.get();
        r.host_skipped = host_->skipped.get();
        r.host_first_skip = host_->first_skip.get();
    }
    for (std::size_t i = 0; i < r.timeline.size() && i < m.interval_latency.size(); ++i) {
        r.timeline[i].latency = latency_summary::of(m.interval_latency[i]);
        r.peak_deliveries_per_second = std::max(r.peak_deliveries_per_second, r.timeline[i].deliveries_per_s);
    }
    // Server CPU and memory from the samples.
    if (o_.server_pid) {
        double peak = 0;
        bool any = false;
        for (const auto& row : r.timeline) {
            if (row.server_cpu_percent) {
                peak = std::max(peak, *row.server_cpu_percent);
                any = true;
            }
        }
        if (any) {
            r.server_cpu_peak_percent = peak;
        }
        if (!rss_points_.empty()) {
            r.server_rss_mid_kib = static_cast<std::uint64_t>(rss_points_[rss_points_.size() / 2].second);
            const std::vector<std::pair<double, double>> second_half(
                rss_points_.begin() + static_cast<std::ptrdiff_t>(rss_points_.size() / 2), rss_points_.end());
            const double span = second_half.empty() ? 0 : second_half.back().first - second_half.front().first;
            if (const auto k = slope(second_half); k && span >= 60) {
                r.server_rss_slope_kib_per_hour = *k * 3600.0;
            }
        }
    }
    const cpu_times cpu = process_cpu();
    r.wall_seconds = seconds_since(run_start_);
    r.bench_cpu_percent = r.wall_seconds > 0 ? 100.0 * (cpu.total() - cpu_start_.total()) / r.wall_seconds : 0;
}

int scenario_run::run() {
    if (o_.viewers) {
        sc_.scale_to_peak(*o_.viewers);
    }
    if (o_.duration) {
        sc_.set_duration(*o_.duration);
    }
    if (o_.seed) {
        sc_.seed = *o_.seed;
    }
    clock_.speed = o_.speed.value_or(sc_.speed);
    try {
        target_ = resolve_load_target(o_.url, o_.allow_remote, o_.sources, o_.connect_timeout);
    } catch (const usage_error&) {
        throw;
    } catch (const std::runtime_error& e) {
        note(e.what());
        return exit_failed;
    }
    const auto peak = static_cast<std::uint64_t>(sc_.peak_online());
    if (!check_connection_capacity(peak + peak / 10 + 1, target_.sources.size())) {
        return exit_failed;
    }
    const double real_duration = sc_.duration_s / clock_.speed;
    const double deadline = real_duration + 2 * o_.connect_timeout + o_.drain + deadline_slack_s;
    watchdog guard(deadline, phase_);

    scenario_report& r = report_;
    r.name = sc_.name;
    r.description = sc_.description;
    r.file = file_;
    r.url = o_.url;
    r.room = sc_.room;
    r.speed = clock_.speed;
    r.duration_s = sc_.duration_s;
    r.peak_target = peak;
    r.threads = o_.threads;
    r.sources = static_cast<unsigned>(target_.sources.size());
    r.seed = sc_.seed;
    r.cores = cpu_count();
    r.server_pid = o_.server_pid;
    r.interval_s = std::max(1.0, std::ceil((real_duration + o_.drain) / static_cast<double>(max_report_rows)));
    clock_.interval_us = static_cast<std::int64_t>(r.interval_s * 1e6);
    clock_.intervals = static_cast<std::size_t>(std::ceil((real_duration + o_.drain + 5) / r.interval_s)) + 1;

    run_start_ = steady::now();
    cpu_start_ = process_cpu();
    if (o_.server_pid) {
        r.server_rss_start_kib = read_proc_status_kib(*o_.server_pid, "VmRSS");
        if (!r.server_rss_start_kib) {
            note("warning: cannot read /proc/" + std::to_string(*o_.server_pid) + "/status; no server figures");
        }
    }
    note("target " + target_.target.endpoint.address().to_string() + ":" +
         std::to_string(target_.target.endpoint.port()) + target_.target.path + ", " + std::to_string(o_.threads) +
         " client threads, " + std::to_string(target_.sources.size()) + " source address(es), hard deadline " +
         fixed1(deadline) + " s");
    if (!connect_host()) {
        shut_down();
        return exit_failed;
    }
    clock_.start = steady::now() + 300ms;
    clock_.start_wall_us = wall_micros() + 300'000;
    play();
    const bool host_ok = host_->current() != scenario_host::state::failed && report_.incomplete_reason.empty();
    if (host_ok) {
        settle();
    }
    if (o_.server_pid) {
        r.server_rss_end_kib = read_proc_status_kib(*o_.server_pid, "VmRSS");
        r.server_rss_peak_kib = read_proc_status_kib(*o_.server_pid, "VmHWM");
        const auto cpu_end = read_proc_cpu_seconds(*o_.server_pid);
        const double span = seconds_since(clock_.start);
        if (cpu_end && server_cpu_start_ && span > 0) {
            r.server_cpu_mean_percent = 100.0 * (*cpu_end - *server_cpu_start_) / span;
        }
    }
    shut_down();
    r.completed = host_ok;
    build_report();
    print_text(std::cout, r);
    std::cout.flush();
    int status = r.completed ? exit_completed : exit_failed;
    if (!o_.json_path.empty()) {
        if (const std::string e = write_text_file(o_.json_path, to_json(r)); !e.empty()) {
            note(e);
            status = exit_failed;
        }
    }
    if (!o_.html_path.empty()) {
        if (const std::string e = write_text_file(o_.html_path, to_html(r)); !e.empty()) {
            note(e);
            status = exit_failed;
        }
    }
    return status;
}

}  // namespace

bool is_named_scenario(const std::string& command) {
    return std::find(std::begin(named_scenarios), std::end(named_scenarios), command) != std::end(named_scenarios);
}

void print_run_usage(std::ostream& out, const std::string& command) {
    if (command == "run") {
        out << "usage: liveroom-bench run <scenario.json | name> --host-token JWT [options]\n";
    } else {
        out << "usage: liveroom-bench " << command << " --host-token JWT [options]   (scenario " << command
            << ".json)\n";
    }
    out << "\n"
           "Plays a scenario: viewers join and leave along its online curve, a share of them comment,\n"
           "ask, vote, like and answer quizzes, the host follows the timeline. Progress goes to stderr\n"
           "about every second; the report to stdout, and to --json / --html.\n"
           "\n"
           "  --url URL              server WebSocket URL (default ws://127.0.0.1:8080/ws); only\n"
           "                         loopback hosts unless --allow-remote\n"
           "  --host-token JWT       token with role host or moderator for the room (required)\n"
           "  --speed S              time compression: S scenario seconds per real second (default:\n"
           "                         the scenario's own; 60 plays two hours in two minutes)\n"
           "  --viewers N            scale the online curve to a peak of N viewers\n"
           "  --duration S           scenario seconds to play (default: the scenario's)\n"
           "  --seed N               random seed (default: the scenario's)\n"
           "  --threads T            client threads, one io_context each (default cores-1 = "
        << default_threads()
        << ")\n"
           "  --source-addrs K       bind connections to 127.0.0.1..127.0.0.K (default 8; ~28k\n"
           "                         connections per address; alias --sources)\n"
           "  --connect-timeout S    TCP connect + upgrade timeout per connection (default 10)\n"
           "  --drain S              after the scenario, wait up to S s for answers and the last\n"
           "                         events (default 10)\n"
           "  --server-pid P         sample the server's CPU and RSS from /proc/P\n"
           "  --json FILE            write the report as JSON\n"
           "  --html FILE            write the report as a self-contained HTML page with charts\n"
           "  --scenario-dir DIR     where named scenarios live (default " LIVEROOM_BENCH_SCENARIO_DIR
           ")\n"
           "  --allow-remote         allow a server that is not on a loopback address\n"
           "  -h, --help             show this text\n"
           "\n"
           "Exit status: 0 completed, 1 failed (host refused or lost, cannot connect, cannot write),\n"
           "2 bad usage, 3 hard deadline exceeded. Scenario files and report fields: bench/README.md.\n";
}

int run_scenario(const std::string& command, int argc, char** argv) {
    run_options o = parse_options(command, argc, argv);
    if (o.help) {
        print_run_usage(std::cout, command);
        return exit_completed;
    }
    const std::string path = scenario_path(o);
    scenario sc;
    try {
        sc = load_scenario_file(path);
    } catch (const std::runtime_error& e) {
        throw usage_error(e.what());
    }
    scenario_run run(std::move(o), std::move(sc), path);
    return run.run();
}

}  // namespace liveroom::bench
