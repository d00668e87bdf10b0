#include "bench/fanout.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "bench/args.hpp"
#include "bench/exit_status.hpp"
#include "bench/host_publisher.hpp"
#include "bench/report.hpp"
#include "bench/run_setup.hpp"
#include "bench/run_state.hpp"
#include "bench/sys_stats.hpp"
#include "bench/viewer_worker.hpp"
#include "bench/ws_client.hpp"

namespace liveroom::bench {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_text_size = 3900;        // keeps a request under the 4 KiB client frame limit
constexpr std::size_t default_notice_limit = 500;  // the server's default notice limit
constexpr std::uint64_t max_total_events = 50'000'000;
constexpr auto ramp_tick = 100ms;
constexpr auto progress_every = 1s;
constexpr auto settle_time = 1s;
constexpr auto close_wait = 5s;
constexpr auto mark_wait = 2000ms;
constexpr double deadline_slack_s = 30;

unsigned default_threads() {
    return std::max(1U, cpu_count() - 1);
}

constexpr const char* default_url = "ws://127.0.0.1:8080/ws";

struct fanout_options {
    std::vector<std::string> urls;  // --url, in order; default_url when none was given
    std::string room = "demo";
    std::string host_token;
    std::uint64_t viewers = 100;
    double rate = 10;
    double seconds = 10;
    double warmup = 2;
    std::uint64_t size = 64;
    unsigned threads = default_threads();
    unsigned sources = 4;
    double ramp_rate = 2000;
    double connect_timeout = 10;
    double drain = 3;
    std::string json_path;
    std::optional<int> server_pid;
    bool start_room = false;
    bool allow_remote = false;
    bool help = false;
};

fanout_options parse_options(int argc, char** argv) {
    fanout_options o;
    bool have_token = false;
    arg_reader args(argc, argv);
    while (args.next()) {
        const std::string_view f = args.flag();
        if (f == "--help") {
            o.help = true;
        } else if (f == "--url") {
            o.urls.emplace_back(args.value());
        } else if (f == "--room") {
            o.room = std::string(args.value());
            if (o.room.empty()) {
                throw usage_error("--room: must not be empty");
            }
        } else if (f == "--host-token") {
            o.host_token = std::string(args.value());
            have_token = true;
        } else if (f == "--viewers") {
            o.viewers = static_cast<std::uint64_t>(parse_int(f, args.value(), 1, 1'000'000));
        } else if (f == "--rate") {
            o.rate = parse_double(f, args.value(), 0.01, 100'000);
        } else if (f == "--seconds") {
            o.seconds = parse_double(f, args.value(), 0.1, 86'400);
        } else if (f == "--warmup") {
            o.warmup = parse_double(f, args.value(), 0, 3'600);
        } else if (f == "--size") {
            o.size = static_cast<std::uint64_t>(parse_int(f, args.value(), 24, max_text_size));
        } else if (f == "--threads") {
            o.threads = static_cast<unsigned>(parse_int(f, args.value(), 1, 256));
        } else if (f == "--sources") {
            o.sources = static_cast<unsigned>(parse_int(f, args.value(), 1, 254));
        } else if (f == "--ramp") {
            o.ramp_rate = parse_double(f, args.value(), 1, 1'000'000);
        } else if (f == "--connect-timeout") {
            o.connect_timeout = parse_double(f, args.value(), 0.1, 600);
        } else if (f == "--drain") {
            o.drain = parse_double(f, args.value(), 0, 600);
        } else if (f == "--json") {
            o.json_path = std::string(args.value());
            if (o.json_path.empty()) {
                throw usage_error("--json: needs a file name");
            }
        } else if (f == "--server-pid") {
            o.server_pid = static_cast<int>(parse_int(f, args.value(), 1, 4'194'304));
        } else if (f == "--start-room") {
            args.no_value();
            o.start_room = true;
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
    if (o.urls.empty()) {
        o.urls.emplace_back(default_url);
    }
    if (!have_token || o.host_token.empty()) {
        throw usage_error("--host-token is required (a JWT with role host or moderator for the room)");
    }
    if (o.warmup >= o.seconds) {
        throw usage_error("--warmup (" + std::to_string(o.warmup) + ") must be shorter than --seconds (" +
                          std::to_string(o.seconds) + "): the warm-up is the start of the publishing time");
    }
    const double total = std::round(o.rate * o.seconds);
    if (total < 1) {
        throw usage_error("--rate x --seconds gives no event to publish");
    }
    if (total > static_cast<double>(max_total_events)) {
        throw usage_error("--rate x --seconds gives more than " + group_digits(max_total_events) + " events");
    }
    return o;
}

// One --url: where its viewers connect, and the client threads that serve them. Viewer i goes
// to URL i mod n; each URL has threads of its own because a viewer_worker has one target.
struct url_group {
    std::string url;
    ws_target target;
    std::vector<asio::ip::address> sources;
    std::size_t first_worker = 0;  // its workers are workers_[first_worker, first_worker + threads)
    unsigned threads = 0;
    std::uint64_t viewers = 0;  // viewers assigned to it
};

struct worker_sums {
    std::uint64_t started = 0;
    std::uint64_t welcomed = 0;
    std::uint64_t failed = 0;
    std::uint64_t lost = 0;
    std::uint64_t ended = 0;
    std::uint64_t deliveries = 0;
};

// One run: owns the threads and connections, walks the phases, fills the report.
class fanout_run {
  public:
    explicit fanout_run(fanout_options options) : o_(std::move(options)) {}
    int run();

  private:
    bool prepare();
    bool connect_host();
    bool ramp();
    bool publish();
    void drain();
    void shut_down();
    void finish_report();
    worker_sums sums() const;
    void mark_allocations(int slot);
    std::string first_connect_error() const;
    void set_phase(const char* phase) { phase_.store(phase); }
    void print_report(std::ostream& out) const;

    fanout_options o_;
    fanout_report report_;
    std::atomic<const char*> phase_{"starting"};
    // Filled once in prepare() and never resized: workers and the host keep references to targets.
    std::vector<url_group> groups_;
    run_clock clock_;
    std::vector<std::unique_ptr<viewer_worker>> workers_;
    std::unique_ptr<host_publisher> host_;
    steady::time_point run_start_{};
    steady::time_point measure_start_{};
    steady::time_point end_{};
    cpu_times cpu_start_{};
    cpu_times cpu_window_start_{};
    cpu_times cpu_end_{};
    bool alloc_marked_ = false;  // the window-start allocation mark was taken
    std::uint64_t total_events_ = 0;
    std::uint64_t viewers_open_ = 0;
    // Host counters frozen at the end of the drain.
    std::uint64_t sent_ = 0;
    std::uint64_t acked_ = 0;
    std::uint64_t rejected_ = 0;
    std::uint64_t window_sent_ = 0;
    std::uint64_t window_acked_ = 0;
};

worker_sums fanout_run::sums() const {
    worker_sums s;
    for (const auto& w : workers_) {
        s.started += w->started.get();
        s.welcomed += w->welcomed.get();
        s.failed += w->failed.get();
        s.lost += w->lost.get();
        s.ended += w->ended.get();
        s.deliveries += w->deliveries.get();
    }
    return s;
}

std::string fanout_run::first_connect_error() const {
    for (const auto& w : workers_) {
        std::string e = w->first_connect_error.get();
        if (!e.empty()) {
            return e;
        }
    }
    return {};
}

void fanout_run::mark_allocations(int slot) {
    countdown done(workers_.size());
    for (const auto& w : workers_) {
        w->mark_allocated(slot, done);
    }
    if (!done.wait_for(mark_wait)) {
        note("warning: a client thread did not answer the allocation mark in time");
    }
}

bool fanout_run::prepare() {
    const auto n = static_cast<unsigned>(o_.urls.size());
    // Rounded up so that each URL has a thread and T stays the total for one URL.
    const unsigned threads_per_url = (o_.threads + n - 1) / n;
    groups_.reserve(n);
    for (unsigned g = 0; g < n; ++g) {
        load_target t;
        try {
            t = resolve_load_target(o_.urls[g], o_.allow_remote, o_.sources, o_.connect_timeout);
        } catch (const usage_error&) {
            throw;
        } catch (const std::runtime_error& e) {
            note(e.what());
            return false;
        }
        url_group group;
        group.url = o_.urls[g];
        group.target = std::move(t.target);
        group.sources = std::move(t.sources);
        group.first_worker = static_cast<std::size_t>(g) * threads_per_url;
        group.threads = threads_per_url;
        group.viewers = o_.viewers / n + (g < o_.viewers % n ? 1 : 0);
        groups_.push_back(std::move(group));
    }
    o_.threads = threads_per_url * n;
    std::size_t fewest_sources = groups_.front().sources.size();
    for (const auto& g : groups_) {
        fewest_sources = std::min(fewest_sources, g.sources.size());
    }
    o_.sources = static_cast<unsigned>(groups_.front().sources.size());
    if (!check_connection_capacity(o_.viewers, fewest_sources)) {
        return false;
    }
    if (o_.size > default_notice_limit) {
        note("note: --size " + std::to_string(o_.size) + " is above the server's default notice limit of " +
             std::to_string(default_notice_limit) + " characters; expect rejections unless it was raised");
    }
    return true;
}

bool fanout_run::connect_host() {
    set_phase("connecting the host");
    publisher_config config;
    config.room = o_.room;
    config.token = o_.host_token;
    config.rate = o_.rate;
    config.text_size = o_.size;
    config.start_room = o_.start_room;
    const url_group& first = groups_.front();
    host_ = std::make_unique<host_publisher>(first.target, clock_, std::move(config));
    host_->start(first.sources.front());
    return await_host(*host_, std::chrono::duration_cast<std::chrono::milliseconds>(first.target.connect_timeout + 2s));
}

bool fanout_run::ramp() {
    set_phase("connecting viewers");
    for (const auto& g : groups_) {
        const std::size_t per_worker = g.viewers / g.threads + 1;
        for (unsigned i = 0; i < g.threads; ++i) {
            workers_.push_back(std::make_unique<viewer_worker>(g.target, clock_, o_.room, per_worker));
            workers_.back()->start();
        }
    }
    const auto begin = steady::now();
    const auto batch = static_cast<std::uint64_t>(std::max(1.0, std::round(o_.ramp_rate * 0.1)));
    const std::uint64_t max_pending = std::max<std::uint64_t>(4 * batch, 512);
    const std::uint64_t n = o_.viewers;
    const auto urls = static_cast<std::uint64_t>(groups_.size());
    std::uint64_t issued = 0;
    auto next_tick = begin;
    auto next_print = begin + progress_every;
    auto progress = [&](const worker_sums& s) {
        std::cerr << "[ramp " << fixed1(seconds_since(begin)) << " s] " << group_digits(issued) << "/"
                  << group_digits(n) << " started, " << group_digits(s.welcomed) << " connected, "
                  << group_digits(s.failed) << " failed" << std::endl;
    };
    while (issued < n) {
        const worker_sums s = sums();
        if (s.failed >= std::min<std::uint64_t>(n, 100) && s.welcomed == 0) {
            progress(s);
            note("viewers cannot connect: " + first_connect_error());
            return false;
        }
        if (host_->current() == host_publisher::state::failed) {
            note(host_->failure());
            return false;
        }
        const std::uint64_t resolved = s.welcomed + s.failed;
        const std::uint64_t pending = issued > resolved ? issued - resolved : 0;
        if (pending < max_pending) {
            const std::uint64_t count = std::min(batch, n - issued);
            std::vector<std::vector<viewer_spec>> per(workers_.size());
            for (std::uint64_t j = issued; j < issued + count; ++j) {
                // Viewer j is the k-th of its URL's; within the URL, as with one URL.
                const url_group& g = groups_[j % urls];
                const std::uint64_t k = j / urls;
                per[g.first_worker + k % g.threads].push_back(
                    viewer_spec{static_cast<std::uint32_t>(j), g.sources[(k / g.threads) % g.sources.size()]});
            }
            for (std::size_t w = 0; w < workers_.size(); ++w) {
                if (!per[w].empty()) {
                    workers_[w]->connect(std::move(per[w]));
                }
            }
            issued += count;
        }
        if (steady::now() >= next_print) {
            progress(s);
            next_print += progress_every;
        }
        next_tick += ramp_tick;
        std::this_thread::sleep_until(next_tick);
    }
    // Wait for every connection to get its welcome or fail.
    const auto give_up = steady::now() + groups_.front().target.connect_timeout + 2s;
    worker_sums s = sums();
    while (s.welcomed + s.failed < n && steady::now() < give_up) {
        if (steady::now() >= next_print) {
            progress(s);
            next_print += progress_every;
        }
        std::this_thread::sleep_for(20ms);
        s = sums();
    }
    progress(s);
    report_.ramp_seconds = seconds_since(begin);
    if (s.welcomed + s.failed < n) {
        note("warning: " + group_digits(n - s.welcomed - s.failed) +
             " viewers got no welcome in time; they count as connect failures");
    }
    if (s.welcomed == 0) {
        note("no viewer connected: " + first_connect_error());
        return false;
    }
    viewers_open_ = s.welcomed - s.lost;
    report_.viewers_connected = viewers_open_;
    report_.connect_failures = n - s.welcomed;
    return true;
}

bool fanout_run::publish() {
    set_phase("settling");
    std::this_thread::sleep_for(settle_time);
    if (o_.server_pid) {
        report_.server.idle_kib = read_proc_status_kib(*o_.server_pid, "VmRSS");
    }

    set_phase("publishing");
    total_events_ = static_cast<std::uint64_t>(std::llround(o_.rate * o_.seconds));
    const auto lead = 20ms;
    const auto begin = steady::now() + lead;
    const std::int64_t begin_wall = wall_micros() + std::chrono::duration_cast<std::chrono::microseconds>(lead).count();
    const auto warmup = std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.warmup));
    clock_.measure_from_us.store(begin_wall + static_cast<std::int64_t>(std::llround(o_.warmup * 1e6)));
    measure_start_ = begin + warmup;
    note("publishing " + group_digits(total_events_) + " events at " + fixed1(o_.rate) + "/s to " +
         group_digits(viewers_open_) + " viewers for " + fixed1(o_.seconds) + " s (first " + fixed1(o_.warmup) +
         " s not measured)");
    host_->publish(begin, total_events_);

    bool marked = false;
    auto next_print = begin + progress_every;
    std::uint64_t last_deliveries = 0;
    auto last_print = begin;
    while (true) {
        const auto now = steady::now();
        if (!marked && now >= measure_start_) {
            cpu_window_start_ = process_cpu();
            mark_allocations(0);
            marked = true;
            alloc_marked_ = true;
        }
        const auto state = host_->current();
        if (state == host_publisher::state::failed) {
            report_.incomplete_reason = host_->failure();
            note(report_.incomplete_reason);
            return false;
        }
        if (state == host_publisher::state::done && marked) {
            break;
        }
        if (now >= next_print) {
            const worker_sums s = sums();
            const double dt = std::chrono::duration<double>(now - last_print).count();
            std::cerr << "[publish " << fixed1(seconds_since(begin)) << "/" << fixed1(o_.seconds) << " s] sent "
                      << group_digits(host_->sent.get()) << ", acked " << group_digits(host_->acked.get())
                      << ", rejected " << group_digits(host_->rejected.get()) << "; deliveries "
                      << group_digits(s.deliveries) << " ("
                      << group_digits(static_cast<std::uint64_t>(
                             dt > 0 ? static_cast<double>(s.deliveries - last_deliveries) / dt : 0))
                      << "/s), viewers lost " << group_digits(s.lost) << std::endl;
            last_deliveries = s.deliveries;
            last_print = now;
            next_print += progress_every;
        }
        std::this_thread::sleep_for(10ms);
    }
    report_.window_seconds = std::max(1e-6, seconds_since(measure_start_));
    return true;
}

void fanout_run::drain() {
    set_phase("draining");
    const auto give_up =
        steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o_.drain));
    while (steady::now() < give_up) {
        const worker_sums s = sums();
        const std::uint64_t answered = host_->acked.get() + host_->rejected.get();
        const std::uint64_t open = s.welcomed > s.lost ? s.welcomed - s.lost : 0;
        if (answered >= host_->sent.get() && s.deliveries >= host_->window_acked.get() * open) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    clock_.recording.store(false);
    sent_ = host_->sent.get();
    acked_ = host_->acked.get();
    rejected_ = host_->rejected.get();
    window_sent_ = host_->window_sent.get();
    window_acked_ = host_->window_acked.get();
}

void fanout_run::shut_down() {
    set_phase("closing");
    clock_.recording.store(false);
    clock_.shutting_down.store(true);
    for (const auto& w : workers_) {
        w->close_all();
    }
    if (host_) {
        host_->close();
    }
    const auto give_up = steady::now() + close_wait;
    while (steady::now() < give_up) {
        const worker_sums s = sums();
        if (s.ended >= s.started && (!host_ || host_->ended())) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    const worker_sums s = sums();
    if (s.ended < s.started) {
        note("note: " + group_digits(s.started - s.ended) + " connections did not finish closing within " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(close_wait).count()) + " s");
    }
    for (const auto& w : workers_) {
        w->stop();
    }
    if (host_) {
        host_->stop();
    }
}

void fanout_run::finish_report() {
    fanout_report& r = report_;
    r.events_sent = sent_;
    r.events_acked = acked_;
    r.events_rejected = rejected_;
    r.events_unanswered = sent_ - std::min(sent_, acked_ + rejected_);
    r.first_rejection = host_ ? host_->first_rejection.get() : std::string();
    r.window_events_sent = window_sent_;
    r.window_events_acked = window_acked_;

    log_histogram latency;
    worker_sums s = sums();
    for (const auto& w : workers_) {
        latency.merge(w->latency());
        const viewer_totals t = w->totals();
        r.room_events += t.room_events;
        r.gaps += t.gaps;
        r.missing_seqs += t.missing;
        r.viewers_with_gaps += t.viewers_with_gaps;
        r.duplicates += t.duplicates;
        r.skipped_messages += t.skipped_messages;
        r.skipped_seqs += t.skipped_span;
        if (t.first_seq_min >= 0) {
            r.first_seq_min = r.first_seq_min < 0 ? t.first_seq_min : std::min(r.first_seq_min, t.first_seq_min);
        }
        if (t.last_seq_min >= 0) {
            r.last_seq_min = r.last_seq_min < 0 ? t.last_seq_min : std::min(r.last_seq_min, t.last_seq_min);
        }
        r.last_seq_max = std::max(r.last_seq_max, t.last_seq_max);
        r.malformed += w->malformed();
        r.server_errors += w->server_errors();
        if (r.first_server_error.empty()) {
            r.first_server_error = w->first_server_error.get();
        }
        if (r.first_disconnect.empty()) {
            r.first_disconnect = w->first_disconnect.get();
        }
    }
    for (const auto& w : workers_) {
        r.viewers_at_last_seq += r.last_seq_max >= 0 ? w->viewers_at(r.last_seq_max) : 0;
    }
    r.first_connect_error = first_connect_error();
    r.disconnects = s.lost;
    r.deliveries = s.deliveries;
    r.deliveries_per_second = r.window_seconds > 0 ? static_cast<double>(r.deliveries) / r.window_seconds : 0;
    r.expected_deliveries = window_acked_ * viewers_open_;
    r.loss = static_cast<std::int64_t>(r.expected_deliveries) - static_cast<std::int64_t>(r.deliveries);
    r.loss_percent = r.expected_deliveries > 0
                         ? 100.0 * static_cast<double>(r.loss) / static_cast<double>(r.expected_deliveries)
                         : 0.0;
    r.latency = latency_summary::of(latency);
    if (host_) {
        r.ack_latency = latency_summary::of(host_->ack_latency());
    }

    const double wall = std::chrono::duration<double>(end_ - run_start_).count();
    r.wall_seconds = wall;
    r.cpu_user_seconds = cpu_end_.user_s - cpu_start_.user_s;
    r.cpu_sys_seconds = cpu_end_.sys_s - cpu_start_.sys_s;
    r.cpu_percent = wall > 0 ? 100.0 * (r.cpu_user_seconds + r.cpu_sys_seconds) / wall : 0;
    const double window_wall = std::chrono::duration<double>(end_ - measure_start_).count();
    r.window_cpu_percent = window_wall > 0 ? 100.0 * (cpu_end_.total() - cpu_window_start_.total()) / window_wall : 0;
    bool have_counters = alloc_marked_ && !workers_.empty();
    std::uint64_t allocated = 0;
    for (const auto& w : workers_) {
        have_counters = have_counters && w->has_alloc_counter();
        allocated += w->allocated_between_marks();
    }
    if (have_counters && r.deliveries > 0) {
        r.alloc_bytes_per_delivery = static_cast<double>(allocated) / static_cast<double>(r.deliveries);
    }
    if (r.server.before_kib && r.server.idle_kib && r.viewers_connected > 0) {
        r.server.per_viewer_kib =
            (static_cast<double>(*r.server.idle_kib) - static_cast<double>(*r.server.before_kib)) /
            static_cast<double>(r.viewers_connected);
    }
}

// The report; with several URLs, a line after the first names them and their viewers.
void fanout_run::print_report(std::ostream& out) const {
    if (groups_.size() < 2) {
        print_text(out, report_);
        return;
    }
    std::ostringstream text;
    print_text(text, report_);
    std::string report = text.str();
    std::string line = "  urls          " + std::to_string(groups_.size()) + " (viewer i to URL i mod " +
                       std::to_string(groups_.size()) + ", host on the first):";
    for (std::size_t i = 0; i < groups_.size(); ++i) {
        const url_group& g = groups_[i];
        std::uint64_t welcomed = 0;
        std::uint64_t lost = 0;
        for (std::size_t w = g.first_worker; w < g.first_worker + g.threads; ++w) {
            welcomed += workers_[w]->welcomed.get();
            lost += workers_[w]->lost.get();
        }
        line += (i == 0 ? " " : "; ") + g.url + " " + group_digits(g.viewers) + " viewers, " + group_digits(welcomed) +
                " welcomed";
        if (lost != 0) {
            line += ", " + group_digits(lost) + " lost";
        }
    }
    const std::size_t after_header = report.find('\n');
    report.insert(after_header == std::string::npos ? report.size() : after_header + 1, line + "\n");
    out << report;
}

int fanout_run::run() {
    if (!prepare()) {
        return exit_failed;
    }
    const double ramp_estimate = static_cast<double>(o_.viewers) / o_.ramp_rate + 2 * o_.connect_timeout;
    const double deadline = o_.seconds + o_.warmup + ramp_estimate + o_.drain + deadline_slack_s;
    watchdog guard(deadline, phase_);

    report_.url = o_.urls.front();
    report_.room = o_.room;
    report_.viewers_requested = o_.viewers;
    report_.threads = o_.threads;
    report_.sources = o_.sources;
    report_.rate = o_.rate;
    report_.seconds = o_.seconds;
    report_.warmup = o_.warmup;
    report_.size = o_.size;
    report_.cores = cpu_count();
    report_.server_pid = o_.server_pid;
    std::string targets;
    for (const auto& g : groups_) {
        targets += (targets.empty() ? "" : ", ") + g.target.endpoint.address().to_string() + ":" +
                   std::to_string(g.target.endpoint.port()) + g.target.path;
    }
    const std::string per_url =
        groups_.size() > 1 ? " (" + std::to_string(groups_.front().threads) + " per target)" : std::string();
    note((groups_.size() > 1 ? "targets " : "target ") + targets + ", " + std::to_string(o_.threads) +
         " client threads" + per_url + ", " + std::to_string(o_.sources) + " source address(es), hard deadline " +
         fixed1(deadline) + " s");

    run_start_ = steady::now();
    cpu_start_ = process_cpu();
    if (o_.server_pid) {
        report_.server.before_kib = read_proc_status_kib(*o_.server_pid, "VmRSS");
        if (!report_.server.before_kib) {
            note("warning: cannot read /proc/" + std::to_string(*o_.server_pid) + "/status; no server memory figures");
        }
    }

    if (!connect_host() || !ramp()) {
        shut_down();
        return exit_failed;
    }
    const bool published = publish();
    if (published) {
        drain();
    } else {
        clock_.recording.store(false);
        sent_ = host_->sent.get();
        acked_ = host_->acked.get();
        rejected_ = host_->rejected.get();
        window_sent_ = host_->window_sent.get();
        window_acked_ = host_->window_acked.get();
        report_.window_seconds = std::max(1e-6, seconds_since(measure_start_));
    }
    mark_allocations(1);
    end_ = steady::now();
    cpu_end_ = process_cpu();
    if (o_.server_pid) {
        report_.server.end_kib = read_proc_status_kib(*o_.server_pid, "VmRSS");
        report_.server.peak_kib = read_proc_status_kib(*o_.server_pid, "VmHWM");
    }
    shut_down();
    report_.completed = published;
    if (published && window_acked_ == 0) {
        report_.completed = false;
        report_.incomplete_reason = "no event was acked in the measurement window";
    }
    finish_report();
    print_report(std::cout);
    std::cout.flush();
    if (!o_.json_path.empty()) {
        const std::string error = write_json_file(o_.json_path, report_);
        if (!error.empty()) {
            note(error);
            return exit_failed;
        }
    }
    return report_.completed ? exit_completed : exit_failed;
}

}  // namespace

void print_fanout_usage(std::ostream& out) {
    out << "usage: liveroom-bench fanout --host-token JWT [options]\n"
           "\n"
           "Opens N guest viewers in one room, publishes M notice.set events per second from one host\n"
           "connection for D seconds, and reports delivery latency, loss, throughput, and the cost on\n"
           "both sides. Progress goes to stderr, the report to stdout.\n"
           "\n"
           "  --url URL              server WebSocket URL (default ws://127.0.0.1:8080/ws); only\n"
           "                         loopback hosts (127.0.0.0/8, ::1) unless --allow-remote. Give it\n"
           "                         n times (the nodes of a cluster): viewer i goes to URL i mod n,\n"
           "                         the host to the first\n"
           "  --room ID              room to join (default demo)\n"
           "  --host-token JWT       token with role host or moderator for the room (required)\n"
           "  --viewers N            viewer connections, guests (default 100)\n"
           "  --rate M               events per second published by the host (default 10)\n"
           "  --seconds D            publishing time in seconds, warm-up included (default 10)\n"
           "  --warmup W             first seconds of publishing that are not measured (default 2)\n"
           "  --size B               notice text length in bytes, 24.."
        << max_text_size
        << " (default 64; the server's\n"
           "                         default notice limit is 500)\n"
           "  --threads T            viewer client threads, one io_context each (default cores-1 = "
        << default_threads()
        << ");\n"
           "                         with n URLs, ceil(T/n) per URL\n"
           "  --sources K            bind viewers to 127.0.0.1..127.0.0.K, K*~28k connections\n"
           "                         possible (default 4; IPv4 loopback targets only)\n"
           "  --ramp R               new connections per second while connecting (default 2000)\n"
           "  --connect-timeout S    TCP connect + upgrade timeout per connection (default 10)\n"
           "  --drain S              after publishing, wait up to S s for deliveries (default 3)\n"
           "  --start-room           send room.start (idempotent) before publishing\n"
           "  --server-pid P         report the server's memory from /proc/P/status\n"
           "  --json FILE            also write the report as JSON to FILE\n"
           "  --allow-remote         allow a server that is not on a loopback address\n"
           "  -h, --help             show this text\n"
           "\n"
           "Hard deadline: seconds + warmup + viewers/ramp + 2*connect-timeout + drain + 30 s.\n"
           "Exit status: 0 run completed, 1 run failed, 2 bad usage, 3 hard deadline exceeded.\n"
           "Output fields are described in bench/README.md.\n";
}

int run_fanout(int argc, char** argv) {
    fanout_options options = parse_options(argc, argv);
    if (options.help) {
        print_fanout_usage(std::cout);
        return exit_completed;
    }
    fanout_run run(std::move(options));
    return run.run();
}

}  // namespace liveroom::bench
