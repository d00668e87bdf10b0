#pragma once

#include "server/net/http_types.hpp"

namespace liveroom::hub {
class hub;
}

namespace liveroom::net {

// /api/rooms...: create, list, get, events. Calls `respond` exactly once.
void handle_api(hub::hub& h, http_request&& req, respond_fn respond);

}  // namespace liveroom::net
