#include "server/room/text_normalize.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace liveroom::room {

namespace {

// Rules 2, 3 and 5 for ASCII: lower case, look-alikes, everything that is not
// a letter or digit is a separator (0).
constexpr std::array<char32_t, 128> make_ascii_fold() {
    std::array<char32_t, 128> t{};
    for (char32_t c = 'a'; c <= 'z'; ++c) {
        t[c] = c;
        t[c - 'a' + 'A'] = c;
    }
    for (char32_t c = '0'; c <= '9'; ++c) {
        t[c] = c;
    }
    const std::pair<char, char> look_alikes[] = {{'0', 'o'}, {'1', 'i'}, {'l', 'i'}, {'L', 'i'}, {'3', 'e'}, {'4', 'a'},
                                                 {'5', 's'}, {'7', 't'}, {'8', 'b'}, {'@', 'a'}, {'$', 's'}};
    for (const auto& [from, to] : look_alikes) {
        t[static_cast<unsigned char>(from)] = static_cast<unsigned char>(to);
    }
    return t;
}
constexpr std::array<char32_t, 128> kAsciiFold = make_ascii_fold();

// Rule 2 for U+00C0..U+00FF (0 = × and ÷, separators).
constexpr char32_t kLatin1Fold[64] = {U'a', U'a', U'a', U'a', U'a', U'a', U'æ', U'c', U'e', U'e', U'e', U'e', U'i',
                                      U'i', U'i', U'i', U'ð', U'n', U'o', U'o', U'o', U'o', U'o', 0,    U'o', U'u',
                                      U'u', U'u', U'u', U'y', U'þ', U'ß', U'a', U'a', U'a', U'a', U'a', U'a', U'æ',
                                      U'c', U'e', U'e', U'e', U'e', U'i', U'i', U'i', U'i', U'ð', U'n', U'o', U'o',
                                      U'o', U'o', U'o', 0,    U'o', U'u', U'u', U'u', U'u', U'y', U'þ', U'y'};

// Rule 4: traditional → simplified, sorted by the traditional code point.
struct char_pair {
    char32_t from;
    char32_t to;
};
constexpr char_pair kTraditional[] = {
    {0x500B, 0x4E2A}, {0x5011, 0x4EEC}, {0x50AD, 0x4F63}, {0x50B7, 0x4F24}, {0x50F9, 0x4EF7}, {0x512A, 0x4F18},
    {0x52D9, 0x52A1}, {0x54E1, 0x5458}, {0x55AE, 0x5355}, {0x570B, 0x56FD}, {0x5ABD, 0x5988}, {0x5E63, 0x5E01},
    {0x5E79, 0x5E72}, {0x5EE2, 0x5E9F}, {0x5EE3, 0x5E7F}, {0x5F48, 0x5F39}, {0x60E1, 0x6076}, {0x6236, 0x6237},
    {0x6383, 0x626B}, {0x64CA, 0x51FB}, {0x6703, 0x4F1A}, {0x6771, 0x4E1C}, {0x69CD, 0x67AA}, {0x6A5F, 0x673A},
    {0x6B72, 0x5C81}, {0x6B98, 0x6B8B}, {0x6BBA, 0x6740}, {0x6EFE, 0x6EDA}, {0x7063, 0x6E7E}, {0x734E, 0x5956},
    {0x7368, 0x72EC}, {0x767C, 0x53D1}, {0x78BC, 0x7801}, {0x7A2E, 0x79CD}, {0x7D04, 0x7EA6}, {0x7D05, 0x7EA2},
    {0x7DB2, 0x7F51}, {0x7DDA, 0x7EBF}, {0x7E6B, 0x7CFB}, {0x7F75, 0x9A82}, {0x7FD2, 0x4E60}, {0x806F, 0x8054},
    {0x8077, 0x804C}, {0x8166, 0x8111}, {0x81FA, 0x53F0}, {0x85A6, 0x8350}, {0x85E5, 0x836F}, {0x865F, 0x53F7},
    {0x8A50, 0x8BC8}, {0x8B1D, 0x8C22}, {0x8B70, 0x8BAE}, {0x8C50, 0x4E30}, {0x8C6C, 0x732A}, {0x8CA8, 0x8D27},
    {0x8CB7, 0x4E70}, {0x8CB8, 0x8D37}, {0x8CBB, 0x8D39}, {0x8CC7, 0x8D44}, {0x8CE3, 0x5356}, {0x8CE4, 0x8D31},
    {0x8CEC, 0x8D26}, {0x8CED, 0x8D4C}, {0x8CFA, 0x8D5A}, {0x8CFD, 0x8D5B}, {0x8ECA, 0x8F66}, {0x8EDF, 0x8F6F},
    {0x8F49, 0x8F6C}, {0x9019, 0x8FD9}, {0x9280, 0x94F6}, {0x9322, 0x94B1}, {0x9580, 0x95E8}, {0x958B, 0x5F00},
    {0x96DC, 0x6742}, {0x96DE, 0x9E21}, {0x9818, 0x9886}, {0x984D, 0x989D}, {0x98EF, 0x996D}, {0x9A19, 0x9A97},
    {0x9A37, 0x9A9A}, {0x9AD4, 0x4F53}, {0x9EBC, 0x4E48}, {0x9EDE, 0x70B9}, {0x9EE8, 0x515A}};

// Which code points of the traditional table's range have an entry, so that
// the common case (a simplified or shared character) costs one bit test.
constexpr char32_t kTraditionalFirst = kTraditional[0].from;
constexpr char32_t kTraditionalLast = std::end(kTraditional)[-1].from;
constexpr std::array<std::uint64_t, (kTraditionalLast - kTraditionalFirst) / 64 + 1> make_traditional_bits() {
    std::array<std::uint64_t, (kTraditionalLast - kTraditionalFirst) / 64 + 1> bits{};
    for (const char_pair& p : kTraditional) {
        const char32_t k = p.from - kTraditionalFirst;
        bits[k / 64] |= std::uint64_t{1} << (k % 64);
    }
    return bits;
}
constexpr auto kTraditionalBits = make_traditional_bits();

char32_t to_simplified(char32_t cp) noexcept {
    if (cp < kTraditionalFirst || cp > kTraditionalLast) {
        return cp;
    }
    const char32_t k = cp - kTraditionalFirst;
    if ((kTraditionalBits[k / 64] >> (k % 64) & 1) == 0) {
        return cp;
    }
    return std::lower_bound(std::begin(kTraditional), std::end(kTraditional), cp,
                            [](const char_pair& p, char32_t c) { return p.from < c; })
        ->to;
}

// Rule 5 above U+00FF.
bool is_separator(char32_t cp) noexcept {
    if (cp < 0x2000) {
        return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x034F || cp == 0x061C || cp == 0x1680 || cp == 0x180E;
    }
    if (cp <= 0x206F || (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0x2190 && cp <= 0x2BFF)) {
        return true;
    }
    if (cp >= 0x3000 && cp <= 0x303F) {
        return cp < 0x3005 || cp > 0x3007;  // 々 〆 〇 are word characters
    }
    if (cp >= 0xFE00 && cp <= 0xFFEE) {
        return cp <= 0xFE6F || cp == 0xFEFF || (cp >= 0xFF00 && cp <= 0xFF65) || cp >= 0xFFE0;
    }
    return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0xE0000 && cp <= 0xE007F);
}

}  // namespace

char32_t fold_for_match(char32_t cp) noexcept {
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
        cp -= 0xFEE0;  // rule 1: full-width ASCII
    }
    if (cp < 0x80) {
        return kAsciiFold[cp];
    }
    if (cp < 0xC0) {
        return 0;  // C1 controls, NBSP, Latin-1 punctuation and symbols
    }
    if (cp < 0x100) {
        return kLatin1Fold[cp - 0xC0];
    }
    if (cp >= 0x4E00 && cp <= 0x9FFF) {
        return to_simplified(cp);  // CJK unified ideographs: the common case, no separators there
    }
    if (is_separator(cp)) {
        return 0;
    }
    return cp;
}

void normalize_for_match(std::string_view text, normalized_text& out) {
    out.chars.clear();
    out.offsets.clear();
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_code_point(text, i, cp);
        if (const char32_t folded = fold_for_match(cp); folded != 0) {
            out.chars.push_back(folded);
            out.offsets.push_back(i);
        }
        i += n;
    }
}

normalized_text normalize_for_match(std::string_view text) {
    normalized_text out;
    normalize_for_match(text, out);
    return out;
}

}  // namespace liveroom::room
