#pragma once

#include <charconv>
#include <string>

#include "server/room/room.hpp"

// Small helpers shared by the room's source files (room.cpp and the files
// holding parts of class room).
namespace liveroom::room::detail {

inline reply refuse(protocol::errc code, std::string message) {
    reply r;
    r.ok = false;
    r.code = code;
    r.message = std::move(message);
    return r;
}

// "m42": a one-letter kind and a number (to_chars: GCC 12 warns falsely on
// string concatenation here).
inline std::string make_id(char kind, std::uint64_t n) {
    char buf[24];
    buf[0] = kind;
    auto r = std::to_chars(buf + 1, buf + sizeof buf, n);
    return std::string(buf, r.ptr);
}

}  // namespace liveroom::room::detail
