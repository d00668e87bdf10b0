#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace liveroom::hub {

// A subscriber of a room on one worker (a WebSocket session). The worker
// calls on_room_frames() once per wake; the member then writes what it has
// not yet sent, if it is not already writing.
class member {
  public:
    virtual ~member() = default;
    virtual void on_room_frames() = 0;
    // The room reloaded from its event log at `last_seq` after a failed
    // write: a member that was promised later events resyncs.
    virtual void on_room_rewound(std::uint64_t last_seq) = 0;
    // A user was banned from the room: their member closes (1008).
    virtual void on_room_banned(const std::string& user) = 0;
    // This node lost its link to the cluster: the member closes (1013) so
    // that its client reconnects to a node that can reach the room.
    virtual void on_room_unavailable() = 0;

    std::size_t member_index = 0;  // position in its local_room (swap-remove)
};

}  // namespace liveroom::hub
