#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rapidjson/document.h>

#include "server/core/config.hpp"
#include "server/hub/cluster_link.hpp"

// libnats types, kept out of this header.
struct __natsConnection;
struct __jsCtx;
struct __kvStore;
struct __natsSubscription;

namespace liveroom::hub {
class hub;
class room_runner;
}  // namespace liveroom::hub

namespace liveroom::cluster {

struct cluster_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// This server as one node of a cluster over NATS JetStream (--cluster).
//
// - Rooms: their specs live in the KV bucket `liveroom_rooms`; every node
//   adds every room it finds there.
// - Streams: each room's steps (commands and events) are the messages of
//   subject `lr.log.<room>` in the stream `LIVEROOM`. Every node follows
//   every room's subject with an ordered consumer and applies the steps, so
//   its rooms and rings are the owner's.
// - Ownership: a lease in the KV bucket `liveroom_owners` (TTL 2 s, renewed
//   every 500 ms). The owner publishes its steps fenced on the subject's
//   last position, so a node that lost its lease cannot fork a room.
// - Requests on other nodes are forwarded to the owner (`lr.req.<room>`);
//   joins (`lr.join`), moderators' events (`lr.mod`) and per-node counters
//   (`lr.pres`) travel as plain NATS messages.
// See server/README.md, "Cluster".
class node final : public hub::cluster_link {
  public:
    // Connects and makes sure the stream and buckets exist; throws
    // cluster_error with a message for the operator.
    node(const core::config& cfg, hub::hub& h);
    ~node() override;
    node(const node&) = delete;
    node& operator=(const node&) = delete;

    // Before the workers start: adds every room of the cluster and follows it.
    void load_rooms();
    // After the workers start: waits until every room has read its stream.
    bool wait_caught_up(std::chrono::milliseconds timeout);
    // Starts the lease loop (ownership, room discovery, counters).
    void start();
    void stop();

    std::string status_json() const override;

    // hub::cluster_link
    const std::string& node_id() const noexcept override { return id_; }
    void publish(const std::string& room,
                 std::shared_ptr<const store::batch> b,
                 std::function<void(bool)> done) override;
    void fence(const std::string& room, std::uint64_t last, std::uint64_t term) override;
    void forward(const std::string& room,
                 const room::actor& who,
                 const std::string& raw,
                 const std::string& id,
                 std::int64_t elapsed_ms,
                 std::function<void(std::string)> reply) override;
    void forward_join(const std::string& room, const room::actor& who) override;
    void publish_mod(const std::string& room, const std::string& msg) override;
    void refollow(const std::string& room, std::uint64_t gen) override;
    void released(const std::string& room) override;

    // Stores a new room's spec in the cluster (hub::create_stored).
    void create_room(std::string id, std::string spec_json, std::function<void(bool ok, bool duplicate)> done);

    // libnats callbacks (public for the C trampolines).
    void on_disconnected();
    void on_reconnected();
    void on_log_message(struct follow& f, void* msg);
    void on_request(void* msg);
    void on_reply(void* msg);
    void on_join(void* msg);
    void on_mod(void* msg);
    void on_presence(void* msg);

  private:
    struct fence_state {
        std::uint64_t last = 0;
        std::uint64_t term = 0;
        bool valid = false;
    };
    struct pub_item {
        std::string room;
        std::shared_ptr<const store::batch> batch;
        std::function<void(bool)> done;
    };
    struct pending_reply {
        std::function<void(std::string)> reply;
        std::string id;  // the request's
        std::chrono::steady_clock::time_point deadline;
    };

    std::shared_ptr<hub::room_runner> room_of_subject(const char* subject) const;
    // A message's room (by its subject) and JSON body, the room nullptr when
    // either is missing; the message is freed.
    std::pair<std::shared_ptr<hub::room_runner>, rapidjson::Document> take_json(void* msg) const;
    // Adds a room from its spec and follows its stream now or from the lease loop.
    std::shared_ptr<hub::room_runner> add_room_from_spec(const std::string& spec_json, bool follow_now = false);
    void follow_room(const std::string& room, std::uint64_t gen);
    void follow_pending();
    std::uint64_t last_position(const std::string& room);
    void store_first_step(const std::string& room, bool dedupe);
    void publisher_loop();
    void lease_loop();
    void lease_pass();
    void discover_rooms();
    void report_presence();
    void expire_forwards();

    const core::config cfg_;
    hub::hub& hub_;
    const std::string id_;
    __natsConnection* nc_ = nullptr;
    __jsCtx* js_ = nullptr;
    __kvStore* rooms_kv_ = nullptr;
    __kvStore* owners_kv_ = nullptr;
    std::vector<__natsSubscription*> subs_;  // requests, replies, joins, mods, presence
    std::string inbox_;                      // reply subject prefix of this node

    mutable std::mutex mu_;
    std::unordered_map<std::string, std::string> by_token_;  // subject token → room id
    std::map<std::string, std::string> owners_;              // room → owner node (as last read)
    std::set<std::string> held_;                             // rooms whose lease this node renews
    std::unordered_map<std::string, fence_state> fences_;
    std::unordered_map<std::uint64_t, pending_reply> replies_;  // forwarded requests awaiting the owner
    std::uint64_t next_reply_ = 0;
    std::deque<std::pair<std::string, std::uint64_t>> to_follow_;  // (room, gen) to (re)subscribe
    std::unordered_map<std::string, std::unique_ptr<struct follow>> follows_;
    std::vector<std::unique_ptr<struct follow>> retired_;  // unsubscribed, kept until the end

    std::mutex pub_mu_;
    std::condition_variable pub_cv_;
    std::deque<pub_item> pub_queue_;
    bool stopping_ = false;
    std::thread publisher_;

    std::atomic<bool> linked_{true};
    std::atomic<bool> running_{false};
    std::mutex lease_mu_;
    std::condition_variable lease_cv_;
    std::thread lease_;
};

}  // namespace liveroom::cluster
