#include "server/hub/hub.hpp"

#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>

#include "server/core/clock.hpp"
#include "server/core/log.hpp"
#include "server/core/metrics.hpp"
#include "server/room/spec_json.hpp"
#include "server/room/word_filter.hpp"

namespace liveroom::hub {

hub::hub(const core::config& cfg, store::event_log* log) : cfg_(cfg), log_(log) {
    comment_policy_.rate_per_s = cfg.comment_rate_per_min / 60.0;
    comment_policy_.burst = cfg.comment_burst;
    comment_policy_.budget_per_s = cfg.comment_budget;
    comment_policy_.snapshot_comments = cfg.snapshot_comments;
    comment_policy_.default_words = std::make_shared<const std::vector<protocol::req::blocked_word>>(
        cfg.blocked_words_file.empty() ? room::default_blocked_words() : room::load_word_list(cfg.blocked_words_file));
    std::size_t n = cfg.threads > 0 ? static_cast<std::size_t>(cfg.threads) : std::thread::hardware_concurrency();
    if (n == 0) {
        n = 1;
    }
    for (std::size_t i = 0; i < n; ++i) {
        workers_.push_back(std::make_unique<worker>(i, cfg.fanout_max_delay_ms));
    }
    core::register_sampled("liveroom_rooms", "rooms on this server", core::metric::kind::gauge,
                           [this] { return static_cast<std::int64_t>(room_count()); });
    core::register_sampled("liveroom_worker_allocated_bytes_total",
                           "bytes allocated by the I/O threads (jemalloc; 0 without it)", core::metric::kind::counter,
                           [this] {
                               std::uint64_t sum = 0;
                               for (const auto& w : workers_) {
                                   sum += w->allocated_bytes();
                               }
                               return static_cast<std::int64_t>(sum);
                           });
}

hub::~hub() {
    {
        std::unique_lock lock(mu_);
        rooms_.clear();
        by_index_.clear();
    }
    workers_.clear();
}

std::shared_ptr<room_runner> hub::find(std::string_view id) const {
    std::shared_lock lock(mu_);
    auto it = rooms_.find(std::string(id));
    return it == rooms_.end() ? nullptr : it->second;
}

std::shared_ptr<room_runner> hub::add(room::room_spec spec) {
    std::unique_lock lock(mu_);
    if (rooms_.count(spec.id) != 0) {
        return nullptr;
    }
    const std::size_t index = by_index_.size();
    const std::size_t owner = std::hash<std::string>{}(spec.id) % workers_.size();
    std::string id = spec.id;
    auto r = std::make_shared<room_runner>(*this, std::move(spec), index, owner, cfg_.ring_size, log_, cluster_);
    rooms_.emplace(std::move(id), r);
    by_index_.push_back(r);
    return r;
}

void hub::remove(const std::string& id) {
    // The runner stays in by_index_ (workers' local rooms are indexed by
    // it); only the name is freed.
    std::unique_lock lock(mu_);
    rooms_.erase(id);
}

std::shared_ptr<room_runner> hub::create(room::room_spec spec) {
    auto r = add(std::move(spec));
    if (r) {
        boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
    }
    return r;
}

void hub::create_stored(room::room_spec spec, created_fn done) {
    protocol::json_out j;
    room::write_spec(j, spec);
    std::string spec_json(j.finish());
    if (cluster_create_) {
        // The cluster holds the spec; every node (this one too) adds the
        // room when it sees it there.
        std::string id = spec.id;
        cluster_create_(id, std::move(spec_json), [this, id, done = std::move(done)](bool ok, bool duplicate) {
            done(ok ? find(id) : nullptr, duplicate);
        });
        return;
    }
    auto r = add(std::move(spec));
    if (!r) {
        done(nullptr, true);
        return;
    }
    if (log_ == nullptr) {
        boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
        done(r, false);
        return;
    }
    log_->add_room({r->id(), std::move(spec_json), core::now_ms()}, [this, r, done = std::move(done)](bool ok) {
        if (!ok) {
            remove(r->id());
            done(nullptr, false);
            return;
        }
        boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
        done(r, false);
    });
}

std::size_t hub::recover() {
    if (log_ == nullptr) {
        return 0;
    }
    std::size_t n = 0;
    for (const auto& stored : log_->rooms()) {
        room::room_spec spec;
        if (auto err = room::parse_spec(stored.spec, spec)) {
            throw store::store_error(log_->file().string() + ": room '" + stored.id + "' is unreadable: " + *err);
        }
        auto r = add(std::move(spec));
        if (!r) {
            continue;
        }
        const std::uint64_t commands = r->recover();
        LR_INFO("store", "room %s: recovered %llu commands, seq %llu", r->id().c_str(),
                static_cast<unsigned long long>(commands), static_cast<unsigned long long>(r->events().head()));
        boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
        ++n;
    }
    return n;
}

std::vector<std::shared_ptr<room_runner>> hub::list() const {
    std::shared_lock lock(mu_);
    return by_index_;
}

std::size_t hub::room_count() const {
    std::shared_lock lock(mu_);
    return by_index_.size();
}

void hub::start() {
    for (auto& w : workers_) {
        w->start();
    }
}

void hub::stop_rooms() {
    for (const auto& r : list()) {
        boost::asio::post(r->owner().ioc(), [r] { r->stop_ticking(); });
    }
}

void hub::join() {
    for (auto& w : workers_) {
        w->join();
    }
}

}  // namespace liveroom::hub
