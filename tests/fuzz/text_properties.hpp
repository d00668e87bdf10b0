#pragma once

#include <string_view>

#include "protocol/text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace liveroom::fuzz {

// What protocol::clean_text promises about its output: valid UTF-8, no C0
// control or DEL (a '\n' only where newlines are kept), and no space or
// newline at either end.
inline void check_cleaned_text(std::string_view s, bool newlines_kept) {
    LR_FUZZ_CHECK(protocol::valid_utf8(s));
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        LR_FUZZ_CHECK(b >= 0x20 || (newlines_kept && c == '\n'));
        LR_FUZZ_CHECK(b != 0x7F);
    }
    if (!s.empty()) {
        LR_FUZZ_CHECK(s.front() != ' ' && s.back() != ' ');
        LR_FUZZ_CHECK(s.front() != '\n' && s.back() != '\n');
    }
}

}  // namespace liveroom::fuzz
