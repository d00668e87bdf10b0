#include "server/hub/hub.hpp"

#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>

#include "server/core/metrics.hpp"

namespace liveroom::hub {

hub::hub(const core::config& cfg) : cfg_(cfg) {
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

std::shared_ptr<room_runner> hub::create(room::room_spec spec) {
    std::shared_ptr<room_runner> r;
    {
        std::unique_lock lock(mu_);
        if (rooms_.count(spec.id) != 0) {
            return nullptr;
        }
        const std::size_t index = by_index_.size();
        const std::size_t owner = std::hash<std::string>{}(spec.id) % workers_.size();
        std::string id = spec.id;
        r = std::make_shared<room_runner>(*this, std::move(spec), index, owner, cfg_.ring_size);
        rooms_.emplace(std::move(id), r);
        by_index_.push_back(r);
    }
    boost::asio::post(r->owner().ioc(), [r] { r->start_ticking(); });
    return r;
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
