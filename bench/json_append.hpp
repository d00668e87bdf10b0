#pragma once

// Appending JSON pieces to a request being built in a reused string: no allocation
// beyond the string's own growth.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace liveroom::bench {

// Appends `text` to `out` as the inside of a JSON string.
inline void append_json_escaped(std::string& out, std::string_view text) {
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out += buf;
        } else {
            out += c;
        }
    }
}

// Appends the decimal digits of `v`.
inline void append_number(std::string& out, std::int64_t v) {
    char buf[24];
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out.append(buf, ptr);
}

}  // namespace liveroom::bench
