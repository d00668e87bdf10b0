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
#include "server/store/event_log.hpp"

namespace liveroom::hub {

// The workers and the rooms. Rooms are looked up under a shared lock, only
// at hello and over REST, never on the publish→deliver path.
class hub {
  public:
    // `log` (may be nullptr: nothing is stored) must outlive the workers'
    // last handlers: destroy it after join(), before the hub.
    hub(const core::config& cfg, store::event_log* log);
    ~hub();

    const core::config& config() const noexcept { return cfg_; }
    std::size_t size() const noexcept { return workers_.size(); }
    worker& worker_at(std::size_t i) noexcept { return *workers_[i]; }

    std::shared_ptr<room_runner> find(std::string_view id) const;
    // Creates a room in memory only; nullptr when the id is taken.
    std::shared_ptr<room_runner> create(room::room_spec spec);

    // Creates a room and writes it to the event log. `done` runs once it is
    // durable (on any thread): the room, or nullptr with `duplicate` set
    // when the id is taken, or nullptr when the write failed.
    using created_fn = std::function<void(std::shared_ptr<room_runner> room, bool duplicate)>;
    void create_stored(room::room_spec spec, created_fn done);

    // Before start(): rebuilds every room in the event log. Returns the
    // number of rooms; throws store::store_error on an unreadable store.
    std::size_t recover();

    store::event_log* log() const noexcept { return log_; }

    // Cluster mode: set before any room is added; rooms then follow or own
    // their stream through it.
    void set_cluster(cluster_link* c) noexcept { cluster_ = c; }
    cluster_link* cluster() const noexcept { return cluster_; }
    // Adds a room known from the cluster (nullptr when the id is taken).
    std::shared_ptr<room_runner> add_clustered(room::room_spec spec) { return add(std::move(spec)); }
    // How to store a new room's spec in the cluster (set by the cluster node).
    using cluster_create_fn =
        std::function<void(std::string id, std::string spec_json, std::function<void(bool ok, bool duplicate)>)>;
    void set_cluster_create(cluster_create_fn f) { cluster_create_ = std::move(f); }

    // How rooms treat comments (from the settings; the default word list is
    // read once, at start).
    const room::comment_policy& comment_policy() const noexcept { return comment_policy_; }
    std::vector<std::shared_ptr<room_runner>> list() const;
    std::size_t room_count() const;

    void start();       // starts the worker threads
    void stop_rooms();  // stops room timers (owner threads)
    void join();        // lets the workers finish and joins them

  private:
    std::shared_ptr<room_runner> add(room::room_spec spec);
    void remove(const std::string& id);

    core::config cfg_;
    store::event_log* const log_;
    cluster_link* cluster_ = nullptr;
    cluster_create_fn cluster_create_;
    room::comment_policy comment_policy_;
    std::vector<std::unique_ptr<worker>> workers_;
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<room_runner>> rooms_;
    std::vector<std::shared_ptr<room_runner>> by_index_;
};

}  // namespace liveroom::hub
