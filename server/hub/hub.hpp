#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/core/config.hpp"
#include "server/hub/room_runner.hpp"
#include "server/hub/worker.hpp"

namespace liveroom::hub {

// The workers and the rooms. Rooms are looked up under a shared lock, only
// at hello and over REST, never on the publish→deliver path.
class hub {
  public:
    explicit hub(const core::config& cfg);
    ~hub();

    const core::config& config() const noexcept { return cfg_; }
    std::size_t size() const noexcept { return workers_.size(); }
    worker& worker_at(std::size_t i) noexcept { return *workers_[i]; }

    std::shared_ptr<room_runner> find(std::string_view id) const;
    // Creates a room; nullptr when the id is taken.
    std::shared_ptr<room_runner> create(room::room_spec spec);
    std::vector<std::shared_ptr<room_runner>> list() const;
    std::size_t room_count() const;

    void start();       // starts the worker threads
    void stop_rooms();  // stops room timers (owner threads)
    void join();        // lets the workers finish and joins them

  private:
    core::config cfg_;
    std::vector<std::unique_ptr<worker>> workers_;
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<room_runner>> rooms_;
    std::vector<std::shared_ptr<room_runner>> by_index_;
};

}  // namespace liveroom::hub
