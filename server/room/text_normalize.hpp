#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::room {

// Text folding for blocked-word matching.
//
// Each code point is folded on its own to either a "match character" or to
// nothing (a separator that is ignored wherever it stands, so it cannot split
// a word). The rules, applied in this order:
//
//  1. Full-width ASCII U+FF01..U+FF5E → U+0021..U+007E (so 'Ｆ' → 'F', '＊' → '*').
//  2. ASCII letters lower-cased; Latin-1 letters lower-cased with their accent
//     dropped (À..Å/à..å → a, Ç/ç → c, È..Ë → e, Ì..Ï → i, Ñ → n, Ò..Ö/Ø → o,
//     Ù..Ü → u, Ý/ý/ÿ → y; Æ Ð Þ ß keep their own lower-case letter).
//  3. Look-alikes, one canonical letter each (the list and the text are folded
//     the same way, so "h1", "hi", "hl" and "hI" are one word):
//        0 → o    1 → i    l → i    3 → e    4 → a    5 → s
//        7 → t    8 → b    @ → a    $ → s
//     The other digits stay digits.
//  4. A few dozen common traditional Chinese characters → simplified (騙 → 骗,
//     錢 → 钱, 賭 → 赌 ...; see kTraditional in text_normalize.cpp).
//  5. Separators (folded to nothing): every other ASCII character that is not a
//     letter or digit (space, punctuation, symbols, controls), U+3000 and the
//     other white space, Latin-1 punctuation and symbols (U+0080..U+00BF, ×, ÷),
//     combining marks (U+0300..U+036F, U+20D0..U+20FF), zero-width and
//     bidi-control characters, general punctuation (U+2000..U+206F), arrows,
//     maths, technical, box-drawing, shapes, misc symbols and dingbats
//     (U+2190..U+2BFF), CJK symbols and punctuation (U+3000..U+303F except
//     々〆〇), variation selectors, CJK compatibility, small and full-width
//     punctuation forms (U+FE00..U+FE6F, U+FF5F..U+FF65, U+FFE0..U+FFEE,
//     U+FEFF), emoji and other pictographs (U+1F000..U+1FAFF) and tag
//     characters (U+E0000..U+E007F).
//  Everything else (CJK ideographs, kana, hangul, other scripts, 2 6 9)
//  stands as it is.

// Decodes the code point of well-formed UTF-8 that starts at s[i] into `cp`
// and returns its length in bytes (1..4). The input must be valid (the
// protocol layer validates every frame; protocol/text.hpp has no decoder to
// share); a sequence cut short by the end of `s` becomes U+FFFD. Inline: it
// is the inner loop of every scan.
inline std::size_t decode_code_point(std::string_view s, std::size_t i, char32_t& cp) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
    const char32_t b0 = p[0];
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    const std::size_t len = b0 >= 0xF0 ? 4 : (b0 >= 0xE0 ? 3 : 2);
    if (len > s.size() - i) {
        cp = 0xFFFD;
        return s.size() - i;
    }
    if (len == 3) {
        cp = (b0 & 0x0F) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    } else if (len == 2) {
        cp = (b0 & 0x1F) << 6 | (p[1] & 0x3Fu);
    } else {
        cp = (b0 & 0x07) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
    }
    return len;
}

// Folds one code point by the rules above; 0 means "separator, ignore".
char32_t fold_for_match(char32_t cp) noexcept;

// A text folded for matching, with the byte offset in the original text of
// each folded code point (so a match can be mapped back onto the original).
struct normalized_text {
    std::u32string chars;
    std::vector<std::size_t> offsets;  // offsets[k]: where chars[k]'s source starts
};

// Folds a whole text (valid UTF-8). `out` is cleared first, so its buffers can
// be reused.
void normalize_for_match(std::string_view text, normalized_text& out);
normalized_text normalize_for_match(std::string_view text);

}  // namespace liveroom::room
