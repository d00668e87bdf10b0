#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace liveroom::protocol {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

// Number of Unicode code points in well-formed UTF-8.
std::size_t code_points(std::string_view s) noexcept;

// User text as the room stores it: control characters (except '\n' when
// `keep_newlines`) and zero-width/bidi-override characters removed, white
// space trimmed at both ends. Input must be valid UTF-8.
std::string clean_text(std::string_view s, bool keep_newlines = false);

// A display name: cleaned, newlines removed, cut to `max_code_points`.
std::string clean_name(std::string_view s, std::size_t max_code_points);

}  // namespace liveroom::protocol
