// libFuzzer target: protocol::valid_utf8, code_points, clean_text and
// clean_name, which every piece of user text passes through. Checks: cleaning
// never yields invalid UTF-8 (even from invalid input), removes every control
// character it promises to, trims white space, is idempotent, never grows the
// text, and a cleaned name fits its limit. valid_utf8 is checked against an
// independent reading of RFC 3629.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/text.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/text_properties.hpp"

namespace {

using namespace liveroom::protocol;

// RFC 3629's byte-range grammar, written independently of protocol/text.cpp.
bool reference_valid_utf8(std::string_view s) {
    auto in = [](unsigned char b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        auto at = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
        std::size_t len = 0;
        if (b0 <= 0x7F) {
            len = 1;
        } else if (in(b0, 0xC2, 0xDF)) {
            len = in(at(1), 0x80, 0xBF) ? 2 : 0;
        } else if (b0 == 0xE0) {
            len = in(at(1), 0xA0, 0xBF) && in(at(2), 0x80, 0xBF) ? 3 : 0;
        } else if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) {
            len = in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF) ? 3 : 0;
        } else if (b0 == 0xED) {
            len = in(at(1), 0x80, 0x9F) && in(at(2), 0x80, 0xBF) ? 3 : 0;
        } else if (b0 == 0xF0) {
            len = in(at(1), 0x90, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
        } else if (in(b0, 0xF1, 0xF3)) {
            len = in(at(1), 0x80, 0xBF) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
        } else if (b0 == 0xF4) {
            len = in(at(1), 0x80, 0x8F) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
        }
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

void check_cleaned(std::string_view in, const std::string& out, bool keep_newlines) {
    liveroom::fuzz::check_cleaned_text(out, keep_newlines);
    LR_FUZZ_CHECK(out.size() <= in.size());
    LR_FUZZ_CHECK(clean_text(out, keep_newlines) == out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view s(reinterpret_cast<const char*>(data), size);
    const bool valid = valid_utf8(s);
    LR_FUZZ_CHECK(valid == reference_valid_utf8(s));
    if (valid) {
        std::size_t n = 0;
        for (const char c : s) {
            n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        }
        LR_FUZZ_CHECK(code_points(s) == n);
    }
    check_cleaned(s, clean_text(s, false), false);
    check_cleaned(s, clean_text(s, true), true);
    // The first byte, when there is one, also picks a name limit of 0-63 code points.
    const std::size_t max = size == 0 ? 32 : data[0] % 64;
    const std::string name = clean_name(s, max);
    LR_FUZZ_CHECK(valid_utf8(name));
    LR_FUZZ_CHECK(code_points(name) <= max);
    LR_FUZZ_CHECK(name.find('\n') == std::string::npos);
    LR_FUZZ_CHECK(clean_name(name, max) == name);
    return 0;
}
