#pragma once

#include "server/room/room.hpp"

namespace liveroom::room {

// The demo room: a union's evening policy-explainer live stream with two
// segments and a deck of explainer cards. Live from `now`, planned for an hour.
room_spec demo_room(std::int64_t now);

}  // namespace liveroom::room
