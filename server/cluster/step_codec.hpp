#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/store/event_log.hpp"

namespace liveroom::cluster {

// One message of a room's stream: a step (or a group of consecutive steps)
// its owner applied, as the commands a replay needs and the events as sent,
// with the node and ownership term that wrote it. JSON:
// {"o":node,"t":term,"c":[[n,ts,kind,actor,name,role,type,body,aux],...],
//  "e":[[seq,ts,type,cls,key,body],...]}
struct step_msg {
    std::string origin;
    std::uint64_t term = 0;
    store::batch batch;
};

std::string encode_step(std::string_view origin, std::uint64_t term, const store::batch& b);
// nullopt when the bytes are not a step message.
std::optional<step_msg> decode_step(std::string_view bytes);

// A NATS subject token / KV key for a room id: the id itself when it is
// made of [A-Za-z0-9_-] and does not start with 'x', else "x" and its
// bytes in hex.
std::string room_token(std::string_view room);

}  // namespace liveroom::cluster
