#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/encode.hpp"
#include "server/room/room.hpp"

namespace liveroom::room {

// A room id: 1-64 characters of A-Z a-z 0-9 - _.
bool valid_room_id(std::string_view id);

// Parses a room spec from JSON (the POST /api/rooms body, or the stored
// spec); returns an error text on failure.
std::optional<std::string> parse_spec(std::string_view body, room_spec& spec);

// Writes the fields "segments" and "cards" of the current object.
void write_program(protocol::json_out& j, const room_spec& spec);

// Writes a spec as a JSON object (what parse_spec reads), starting the
// document: finish() gives the text.
void write_spec(protocol::json_out& j, const room_spec& spec);

}  // namespace liveroom::room
