#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "server/room/room.hpp"
#include "server/store/event_log.hpp"

namespace liveroom::hub {

// What a room needs from the cluster (server/cluster/node.hpp implements it;
// nullptr on a single node). Any thread unless noted.
class cluster_link {
  public:
    virtual ~cluster_link() = default;
    virtual const std::string& node_id() const noexcept = 0;
    // GET /api/cluster: this node, its link, and each room's owner and seq.
    virtual std::string status_json() const = 0;

    // Appends an owned room's step to its stream, fenced on the stream
    // position the room's last publish (or fence()) left: a publish that
    // does not follow it fails, so two owners never fork a room. done(ok)
    // runs on a cluster thread.
    virtual void publish(const std::string& room,
                         std::shared_ptr<const store::batch> b,
                         std::function<void(bool)> done) = 0;
    // Owner thread, on becoming the owner: the stream position (of this
    // room's subject) the next publish must follow, and the ownership term
    // its steps carry (so the room knows its own steps when they come back).
    virtual void fence(const std::string& room, std::uint64_t last, std::uint64_t term) = 0;
    // A follower sends a request to the owner; `reply` gets the ack or error
    // (or a rate_limited error when the owner does not answer in time).
    // `raw` is the request as received; `id` its id (REST requests get one
    // that their body lacks).
    virtual void forward(const std::string& room,
                         const room::actor& who,
                         const std::string& raw,
                         const std::string& id,
                         std::int64_t elapsed_ms,
                         std::function<void(std::string)> reply) = 0;
    virtual void forward_join(const std::string& room, const room::actor& who) = 0;
    // An owner's mod.* message, for the moderators connected to other nodes.
    virtual void publish_mod(const std::string& room, const std::string& msg) = 0;
    // Reads the room's stream again from its start as follow generation
    // `gen` (after a failed publish or a lost link).
    virtual void refollow(const std::string& room, std::uint64_t gen) = 0;
    // The node has given up this room's lease (the room stopped owning).
    virtual void released(const std::string& room) = 0;
};

}  // namespace liveroom::hub
