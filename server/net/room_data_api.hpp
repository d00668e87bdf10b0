#pragma once

#include <memory>

#include "server/net/http_types.hpp"

namespace liveroom::hub {
class hub;
class room_runner;
}  // namespace liveroom::hub

namespace liveroom::net {

// GET /api/rooms/{id}/replay?from=<seq>&limit=<n>: the room's events for
// replay after the live, `{"events":[..],"next":<seq or null>}`. Open to
// anyone for a room that admits guests; otherwise any token for the room.
void handle_replay(hub::hub& h, std::shared_ptr<hub::room_runner> room, http_request&& req, respond_fn respond);

// GET /api/rooms/{id}/export?format=json | format=csv&table=<t>: the whole
// record (admin or the room's host; the caller checked). Read off the I/O
// threads: a big room's export never stalls the viewers.
void handle_export(hub::hub& h, std::shared_ptr<hub::room_runner> room, http_request&& req, respond_fn respond);

// GET /api/rooms/{id}/draws/{draw}: everything needed to re-check a draw
// (the seed, the round and the sorted eligible ids); public like replay.
void handle_draw(std::shared_ptr<hub::room_runner> room, std::string draw_id, http_request&& req, respond_fn respond);

}  // namespace liveroom::net
