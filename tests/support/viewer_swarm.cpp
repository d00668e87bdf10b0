#include "tests/support/viewer_swarm.hpp"

#include <cstring>
#include <deque>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "tests/support/seq_checker.hpp"
#include "tests/support/ws_client.hpp"

namespace liveroom::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

namespace {

// SAX handler that keeps the top-level members a viewer looks at; nested
// values (e.g. the welcome's `state`) are skipped. Allocation-free once its
// strings have grown, so a swarm can parse millions of objects.
struct top_fields {
    std::string type;
    std::string text;
    std::string code;
    std::string id;  // top-level "id" (acks and errors)
    bool has_id = false;
    std::optional<std::uint64_t> seq;
    std::optional<std::uint64_t> from;
    std::optional<std::uint64_t> to;
    std::optional<std::int64_t> online;
    std::optional<bool> resumed;
    bool has_text = false;

    int depth = 0;
    std::string key;

    void reset() {
        type.clear();
        text.clear();
        code.clear();
        id.clear();
        has_id = false;
        seq.reset();
        from.reset();
        to.reset();
        online.reset();
        resumed.reset();
        has_text = false;
        depth = 0;
        key.clear();
    }

    void number(std::uint64_t v, bool negative, std::int64_t signed_value) {
        if (depth != 1) {
            return;
        }
        if (key == "seq" && !negative) {
            seq = v;
        } else if (key == "from" && !negative) {
            from = v;
        } else if (key == "to" && !negative) {
            to = v;
        } else if (key == "online") {
            online = signed_value;
        }
    }

    bool Null() { return true; }
    bool Bool(bool b) {
        if (depth == 1 && key == "resumed") {
            resumed = b;
        }
        return true;
    }
    bool Int(int i) {
        number(static_cast<std::uint64_t>(i), i < 0, i);
        return true;
    }
    bool Uint(unsigned u) {
        number(u, false, u);
        return true;
    }
    bool Int64(std::int64_t i) {
        number(static_cast<std::uint64_t>(i), i < 0, i);
        return true;
    }
    bool Uint64(std::uint64_t u) {
        number(u, false, static_cast<std::int64_t>(u));
        return true;
    }
    bool Double(double) { return true; }
    bool RawNumber(const char*, rapidjson::SizeType, bool) { return true; }
    bool String(const char* s, rapidjson::SizeType n, bool) {
        if (depth == 1) {
            if (key == "type") {
                type.assign(s, n);
            } else if (key == "text") {
                text.assign(s, n);
                has_text = true;
            } else if (key == "code") {
                code.assign(s, n);
            } else if (key == "id") {
                id.assign(s, n);
                has_id = true;
            }
        }
        return true;
    }
    bool StartObject() {
        ++depth;
        return true;
    }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        if (depth == 1) {
            key.assign(s, n);
        }
        return true;
    }
    bool EndObject(rapidjson::SizeType) {
        --depth;
        return true;
    }
    bool StartArray() {
        ++depth;
        return true;
    }
    bool EndArray(rapidjson::SizeType) {
        --depth;
        return true;
    }
};

bool is_room_event_type(const std::string& t) {
    return t == "notice" || t == "card" || t == "room.status" || t == "question" || t == "comment" ||
           t == "comment.removed" || t == "quiz.open" || t == "quiz.tally" || t == "quiz.close" || t == "draw.result" ||
           t == "presence";
}

constexpr std::uint64_t fnv_offset = 14695981039346656037ULL;
constexpr std::uint64_t fnv_prime = 1099511628211ULL;

std::uint64_t fnv(std::uint64_t h, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= fnv_prime;
    }
    return h;
}

}  // namespace

class swarm_viewer {
  public:
    swarm_viewer(viewer_swarm& swarm, std::size_t index, std::string room)
        : swarm_(swarm), ws_(net::make_strand(swarm.ioc_)) {
        report_.index = index;
        report_.room = std::move(room);
        report_.notice_hash = fnv_offset;
    }

    void launch() {
        net::post(ws_.get_executor(), [this] { do_connect(); });
    }

    void close() {
        net::post(ws_.get_executor(), [this] {
            if (!connected_ || ended_flag_ || closing_) {
                return;
            }
            closing_ = true;
            ws_.async_close(websocket::close_code::normal, [this](const beast::error_code& ec) {
                if (!ended_flag_) {
                    finish(ec ? ec : beast::error_code(websocket::error::closed), true);
                }
            });
        });
    }

    void abort() {
        net::post(ws_.get_executor(), [this] {
            aborting_ = true;
            beast::error_code ignored;
            auto& s = beast::get_lowest_layer(ws_).socket();
            if (s.is_open()) {
                s.close(ignored);
            }
        });
    }

    // Queues a request; written after the hello and the requests queued before it.
    void send(std::string text) {
        net::post(ws_.get_executor(), [this, text = std::move(text)]() mutable {
            if (ended_flag_ || closing_ || aborting_) {
                ++report_.unsent;
                return;
            }
            outq_.push_back(std::move(text));
            pump();
        });
    }

    std::optional<json> reply(const std::string& id) const {
        std::lock_guard lock(shared_mutex_);
        auto it = replies_.find(id);
        if (it == replies_.end()) {
            return std::nullopt;
        }
        return json::parse(it->second);
    }

    std::optional<json> welcome_json() const {
        std::lock_guard lock(shared_mutex_);
        if (welcome_text_.empty()) {
            return std::nullopt;
        }
        return json::parse(welcome_text_);
    }

    // Live counters.
    std::atomic<std::uint64_t> notices{0};
    std::atomic<std::uint64_t> last_seq{0};
    std::atomic<std::int64_t> online{-1};
    std::atomic<bool> welcomed{false};
    std::atomic<bool> ended{false};  // ended or failed: no longer receiving

    viewer_report report() const {
        viewer_report r = report_;
        r.events = checker_.events();
        r.last_seq = checker_.last();
        r.gaps = checker_.gaps();
        r.backwards = checker_.backwards();
        r.skipped_markers = checker_.skipped_markers();
        r.skipped_seqs = checker_.skipped_seqs();
        if (r.first_problem.empty()) {
            r.first_problem = checker_.first_problem();
        }
        return r;
    }

  private:
    // Counts this viewer as failed (once); its connection may still be open.
    void mark_failed(const std::string& what) {
        if (report_.failure.empty()) {
            report_.failure = what;
        }
        if (!failed_counted_) {
            failed_counted_ = true;
            swarm_.failed_.fetch_add(1);
            swarm_.notify();
        }
    }

    // Lets the swarm start the next viewer's connect (once).
    void release_slot() {
        if (!connect_phase_done_) {
            connect_phase_done_ = true;
            swarm_.on_connect_phase_done();
        }
    }

    // Connect, upgrade or hello failed: this viewer is done.
    void fail(const std::string& what) {
        mark_failed(what);
        ended_flag_ = true;
        ended.store(true);
        release_slot();
        swarm_.notify();
    }

    void do_connect() {
        auto& tcp_layer = beast::get_lowest_layer(ws_);
        beast::error_code ec;
        tcp_layer.socket().open(tcp::v4(), ec);
        if (!ec) {
            tcp_layer.socket().set_option(tcp::no_delay(true), ec);
        }
        if (ec) {
            fail("socket: " + ec.message());
            return;
        }
        tcp_layer.expires_after(swarm_.options_.connect_timeout);
        tcp_layer.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), swarm_.options_.port),
                                [this](const beast::error_code& e) { on_connect(e); });
    }

    void on_connect(const beast::error_code& ec) {
        if (ec) {
            fail("connect: " + ec.message());
            return;
        }
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = std::chrono::duration_cast<std::chrono::seconds>(swarm_.options_.connect_timeout);
        timeouts.idle_timeout = websocket::stream_base::none();
        timeouts.keep_alive_pings = false;
        ws_.set_option(timeouts);
        ws_.read_message_max(64 * 1024 * 1024);
        ws_.async_handshake("127.0.0.1:" + std::to_string(swarm_.options_.port), "/ws",
                            [this](const beast::error_code& e) { on_handshake(e); });
    }

    void on_handshake(const beast::error_code& ec) {
        if (ec) {
            fail("upgrade: " + ec.message());
            return;
        }
        connected_ = true;
        hello_args args;
        args.room = report_.room;
        args.token = swarm_.options_.token;
        args.name = swarm_.options_.name_prefix + std::to_string(report_.index);
        hello_ = args.to_json();
        ws_.text(true);
        ws_.async_write(net::buffer(hello_), [this](const beast::error_code& e, std::size_t) { on_hello_sent(e); });
        do_read();
    }

    void on_hello_sent(const beast::error_code& ec) {
        if (ec) {
            fail("send hello: " + ec.message());
            return;
        }
        // The slot is free once hello is out; the welcome is awaited by wait_welcomed().
        release_slot();
        hello_sent_ = true;
        pump();
    }

    // Writes the queued requests one at a time (one write in flight per stream).
    void pump() {
        if (writing_ || outq_.empty() || !hello_sent_) {
            return;
        }
        if (ended_flag_ || closing_ || aborting_) {
            report_.unsent += outq_.size();
            outq_.clear();
            return;
        }
        writing_ = true;
        ws_.async_write(net::buffer(outq_.front()), [this](const beast::error_code& ec, std::size_t) {
            writing_ = false;
            outq_.pop_front();
            if (ec) {
                report_.unsent += 1 + outq_.size();
                outq_.clear();
                return;
            }
            pump();
        });
    }

    void do_read() {
        ws_.async_read(buf_, [this](const beast::error_code& ec, std::size_t) { on_read(ec); });
    }

    void on_read(const beast::error_code& ec) {
        if (ec) {
            finish(ec, closing_ || aborting_);
            return;
        }
        ++report_.frames;
        auto data = buf_.cdata();
        const char* p = static_cast<const char*>(data.data());
        std::size_t n = data.size();
        std::size_t start = 0;
        while (start < n) {
            const void* hit = std::memchr(p + start, '\n', n - start);
            std::size_t end = hit == nullptr ? n : static_cast<std::size_t>(static_cast<const char*>(hit) - p);
            if (end > start) {
                on_object(p + start, end - start);
            }
            start = end + 1;
        }
        buf_.consume(buf_.size());
        do_read();
    }

    void on_object(const char* data, std::size_t size) {
        ++report_.objects;
        fields_.reset();
        rapidjson::MemoryStream ms(data, size);
        rapidjson::Reader reader;
        if (reader.Parse(ms, fields_).IsError()) {
            if (report_.failure.empty()) {
                report_.failure = "invalid JSON from server: " + std::string(data, std::min<std::size_t>(size, 200));
            }
            return;
        }
        const std::string& type = fields_.type;
        if ((type == "ack" || type == "error") && fields_.has_id) {
            {
                std::lock_guard lock(shared_mutex_);
                replies_.insert_or_assign(fields_.id, std::string(data, size));
            }
            swarm_.replies_.fetch_add(1);
            swarm_.notify();
        }
        if (type.rfind("mod.", 0) == 0) {
            ++report_.mod_events;
        }
        if (type == "welcome") {
            if (welcomed.load()) {
                problem("a second welcome on one connection");
                return;
            }
            report_.welcomed = true;
            report_.welcome_text.assign(data, size);
            {
                std::lock_guard lock(shared_mutex_);
                welcome_text_ = report_.welcome_text;
            }
            report_.welcome_seq = fields_.seq.value_or(0);
            report_.resumed = fields_.resumed.value_or(false);
            if (!fields_.seq) {
                problem("welcome without seq");
            }
            checker_.start(report_.welcome_seq);
            last_seq.store(report_.welcome_seq);
            welcomed.store(true);
            swarm_.welcomed_.fetch_add(1);
            swarm_.notify();
            return;
        }
        if (type == "skipped") {
            if (!fields_.from || !fields_.to) {
                problem("skipped without from/to");
                return;
            }
            checker_.on_skipped(*fields_.from, *fields_.to);
            return;
        }
        if (type == "error") {
            if (report_.errors.size() < 8) {
                report_.errors.push_back(fields_.code);
            }
            if (!welcomed.load()) {
                mark_failed("error before welcome: " + fields_.code);
            }
            return;
        }
        if (!fields_.seq) {
            if (is_room_event_type(type)) {
                ++report_.events_without_seq;
                problem("room event '" + type + "' without seq");
            }
            return;
        }
        std::uint64_t seq = *fields_.seq;
        checker_.on_event(seq);
        if (swarm_.options_.record_events) {
            report_.event_log.emplace_back(seq, std::string(data, size));
        }
        last_seq.store(seq, std::memory_order_relaxed);
        if (type == "notice") {
            on_notice(seq);
        } else if (type == "presence") {
            ++report_.presence_events;
            if (fields_.online) {
                report_.last_online = *fields_.online;
                online.store(*fields_.online, std::memory_order_relaxed);
            }
        }
    }

    void on_notice(std::uint64_t seq) {
        auto& r = report_;
        if (r.notices == 0) {
            r.first_notice_seq = seq;
        } else if (seq != r.last_notice_seq + 1) {
            ++r.notice_seq_breaks;
        }
        r.last_notice_seq = seq;
        r.notice_hash = fnv(r.notice_hash, &seq, sizeof seq);
        r.notice_hash = fnv(r.notice_hash, fields_.text.data(), fields_.text.size());
        if (swarm_.options_.notice_index) {
            std::int64_t index = -1;
            std::size_t i = 0;
            while (i < fields_.text.size() && fields_.text[i] >= '0' && fields_.text[i] <= '9') {
                index = (index < 0 ? 0 : index * 10) + (fields_.text[i] - '0');
                ++i;
            }
            if (index < 0 || (r.last_notice_index >= 0 && index != r.last_notice_index + 1)) {
                ++r.notice_index_errors;
                problem("notice index " + std::to_string(index) + " after " + std::to_string(r.last_notice_index) +
                        " (seq " + std::to_string(seq) + ")");
            }
            if (r.first_notice_index < 0) {
                r.first_notice_index = index;
            }
            r.last_notice_index = index;
        }
        if (r.notice_texts.size() < swarm_.options_.keep_notice_texts) {
            r.notice_texts.push_back(fields_.text);
        }
        ++r.notices;
        notices.store(r.notices, std::memory_order_release);
    }

    void problem(std::string text) {
        if (report_.first_problem.empty()) {
            report_.first_problem = std::move(text);
        }
    }

    void finish(const beast::error_code& ec, bool by_test) {
        if (ended_flag_) {
            return;
        }
        ended_flag_ = true;
        release_slot();
        report_.closed_by_test = by_test;
        report_.ended = !by_test;
        if (ec == websocket::error::closed || ws_.reason().code != websocket::close_code::none) {
            if (!by_test) {
                report_.close_code = static_cast<std::uint16_t>(ws_.reason().code);
                report_.end_description = "close " + std::to_string(*report_.close_code);
                if (!ws_.reason().reason.empty()) {
                    report_.end_description +=
                        " (" + std::string(ws_.reason().reason.data(), ws_.reason().reason.size()) + ")";
                }
            } else {
                report_.end_description = "closed by the test";
            }
        } else {
            report_.end_description = "transport: " + ec.message();
        }
        if (!report_.welcomed && !by_test) {
            mark_failed("connection ended before the welcome: " + report_.end_description);
        }
        ended.store(true);
        if (by_test) {
            swarm_.closed_by_test_.fetch_add(1);
        } else {
            swarm_.ended_.fetch_add(1);
        }
        swarm_.notify();
    }

    viewer_swarm& swarm_;
    websocket::stream<beast::tcp_stream> ws_;
    beast::flat_buffer buf_;
    std::string hello_;
    top_fields fields_;
    seq_checker checker_;
    viewer_report report_;
    bool connected_ = false;
    bool connect_phase_done_ = false;
    bool closing_ = false;
    bool aborting_ = false;
    bool ended_flag_ = false;
    bool failed_counted_ = false;
    std::deque<std::string> outq_;  // requests not yet written (the front is being written)
    bool writing_ = false;
    bool hello_sent_ = false;
    mutable std::mutex shared_mutex_;  // guards what the test thread reads live:
    std::unordered_map<std::string, std::string> replies_;
    std::string welcome_text_;
};

viewer_swarm::viewer_swarm(swarm_options options) : options_(std::move(options)) {
    if (options_.rooms.empty()) {
        throw std::invalid_argument("viewer_swarm: no rooms");
    }
    if (options_.threads < 1) {
        options_.threads = 1;
    }
    viewers_.reserve(options_.viewers);
    for (std::size_t i = 0; i < options_.viewers; ++i) {
        viewers_.push_back(std::make_unique<swarm_viewer>(*this, i, options_.rooms[i % options_.rooms.size()]));
    }
}

viewer_swarm::~viewer_swarm() {
    stop();
}

void viewer_swarm::start() {
    if (started_) {
        return;
    }
    started_ = true;
    work_.emplace(ioc_.get_executor());
    running_threads_.store(options_.threads);
    for (int t = 0; t < options_.threads; ++t) {
        threads_.emplace_back([this] {
            ioc_.run();
            running_threads_.fetch_sub(1);
            notify();
        });
    }
    std::size_t first = std::min(options_.max_connecting, options_.viewers);
    for (std::size_t i = 0; i < first; ++i) {
        launch_next();
    }
}

void viewer_swarm::launch_next() {
    std::size_t i = next_to_launch_.fetch_add(1);
    if (i < viewers_.size()) {
        viewers_[i]->launch();
    }
}

void viewer_swarm::on_connect_phase_done() {
    launch_next();
}

void viewer_swarm::notify() {
    { std::lock_guard lock(mutex_); }
    cv_.notify_all();
}

bool viewer_swarm::wait_until(const std::function<bool()>& condition, clock::duration timeout) {
    deadline until(timeout);
    std::unique_lock lock(mutex_);
    for (;;) {
        lock.unlock();
        bool met = condition();
        lock.lock();
        if (met) {
            return true;
        }
        if (until.expired()) {
            return false;
        }
        cv_.wait_for(lock, until.slice(10ms));
    }
}

bool viewer_swarm::wait_welcomed(clock::duration timeout) {
    wait_until([this] { return welcomed_.load() + failed_.load() >= viewers_.size(); }, timeout);
    return welcomed_.load() == viewers_.size();
}

void viewer_swarm::send(std::size_t i, std::string text) {
    viewers_.at(i)->send(std::move(text));
}

std::optional<json> viewer_swarm::reply(std::size_t i, const std::string& id) const {
    return viewers_.at(i)->reply(id);
}

std::optional<json> viewer_swarm::request(std::size_t i,
                                          std::string text,
                                          const std::string& id,
                                          clock::duration timeout) {
    send(i, std::move(text));
    std::optional<json> out;
    wait_until(
        [&] {
            out = reply(i, id);
            return out.has_value();
        },
        timeout);
    return out;
}

std::optional<json> viewer_swarm::welcome(std::size_t i) const {
    return viewers_.at(i)->welcome_json();
}

std::uint64_t viewer_swarm::notices(std::size_t i) const {
    return viewers_.at(i)->notices.load();
}
std::uint64_t viewer_swarm::last_seq(std::size_t i) const {
    return viewers_.at(i)->last_seq.load();
}
std::int64_t viewer_swarm::last_online(std::size_t i) const {
    return viewers_.at(i)->online.load();
}
bool viewer_swarm::ended(std::size_t i) const {
    return viewers_.at(i)->ended.load();
}

std::uint64_t viewer_swarm::min_live_notices() const {
    std::uint64_t least = std::numeric_limits<std::uint64_t>::max();
    for (const auto& v : viewers_) {
        if (!v->ended.load(std::memory_order_relaxed)) {
            least = std::min(least, v->notices.load(std::memory_order_acquire));
        }
    }
    return least;
}

std::uint64_t viewer_swarm::total_notices() const {
    std::uint64_t sum = 0;
    for (const auto& v : viewers_) {
        sum += v->notices.load(std::memory_order_relaxed);
    }
    return sum;
}

void viewer_swarm::close_all(clock::duration timeout) {
    if (!started_ || stopped_) {
        return;
    }
    for (auto& v : viewers_) {
        v->close();
    }
    wait_until(
        [this] {
            for (const auto& v : viewers_) {
                if (!v->ended.load()) {
                    return false;
                }
            }
            return true;
        },
        timeout);
}

void viewer_swarm::stop() {
    if (!started_ || stopped_) {
        return;
    }
    stopped_ = true;
    for (auto& v : viewers_) {
        v->abort();
    }
    work_.reset();
    // The threads return once every aborted operation has completed; do not wait forever for that.
    if (!wait_until([this] { return running_threads_.load() == 0; }, 10s)) {
        ioc_.stop();
    }
    for (auto& t : threads_) {
        t.join();
    }
    threads_.clear();
}

std::vector<viewer_report> viewer_swarm::reports() const {
    if (started_ && !stopped_) {
        throw std::logic_error("viewer_swarm::reports() before stop()");
    }
    std::vector<viewer_report> out;
    out.reserve(viewers_.size());
    for (const auto& v : viewers_) {
        out.push_back(v->report());
    }
    return out;
}

std::string viewer_report::describe() const {
    std::string out = "viewer " + std::to_string(index) + " (room " + room + "): ";
    if (!failure.empty()) {
        out += "FAILED " + failure + "; ";
    }
    out += welcomed ? "welcome seq " + std::to_string(welcome_seq) + (resumed ? " resumed" : "") : "not welcomed";
    out += "; events " + std::to_string(events) + ", last seq " + std::to_string(last_seq);
    out += ", gaps " + std::to_string(gaps) + ", backwards " + std::to_string(backwards);
    if (skipped_markers > 0) {
        out += ", skipped markers " + std::to_string(skipped_markers) + " (" + std::to_string(skipped_seqs) + " seqs)";
    }
    out += "; notices " + std::to_string(notices);
    if (notices > 0) {
        out += " (seq " + std::to_string(first_notice_seq) + ".." + std::to_string(last_notice_seq);
        if (first_notice_index >= 0) {
            out += ", index " + std::to_string(first_notice_index) + ".." + std::to_string(last_notice_index);
        }
        out += ", seq breaks " + std::to_string(notice_seq_breaks) + ")";
    }
    if (mod_events > 0) {
        out += "; mod events " + std::to_string(mod_events);
    }
    if (unsent > 0) {
        out += "; unsent requests " + std::to_string(unsent);
    }
    if (!errors.empty()) {
        out += "; errors:";
        for (const auto& e : errors) {
            out += " " + e;
        }
    }
    if (ended) {
        out += "; ended: " + end_description;
    }
    if (!first_problem.empty()) {
        out += "; first problem: " + first_problem;
    }
    return out;
}

std::string summarize_reports(const std::vector<viewer_report>& reports,
                              const std::function<bool(const viewer_report&)>& ok,
                              std::size_t max_lines) {
    std::size_t bad = 0;
    std::string lines;
    for (const auto& r : reports) {
        if (!ok(r)) {
            if (bad < max_lines) {
                lines += "  " + r.describe() + "\n";
            }
            ++bad;
        }
    }
    return std::to_string(bad) + " of " + std::to_string(reports.size()) + " viewers not as expected" +
           (bad > 0 ? ":\n" + lines : std::string()) + (bad > max_lines ? "  ...\n" : "");
}

}  // namespace liveroom::test
