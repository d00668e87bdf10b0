#include "protocol/text.hpp"

#include <cstdint>

namespace liveroom::protocol {

namespace {

// Decodes one code point at s[i]; returns its length or 0 when malformed.
std::size_t decode_one(std::string_view s, std::size_t i, char32_t& cp) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    std::size_t len = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

bool is_invisible(char32_t cp, bool keep_newlines) noexcept {
    if (cp == '\n') {
        return !keep_newlines;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
        return true;  // C0/C1 controls (tab too: it carries nothing in a live room)
    }
    switch (cp) {
        case 0x00AD:  // soft hyphen
        case 0x034F:  // combining grapheme joiner
        case 0x061C:  // Arabic letter mark
        case 0x180E:  // Mongolian vowel separator
        case 0x200B:  // zero-width space
        case 0x200C:  // ZWNJ
        case 0x200D:  // ZWJ
        case 0x200E:  // LRM
        case 0x200F:  // RLM
        case 0x2060:  // word joiner
        case 0xFEFF:  // BOM / ZWNBSP
            return true;
        default:
            break;
    }
    // Bidi embeddings/overrides/isolates and invisible operators.
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2061 && cp <= 0x206F);
}

bool is_space(char32_t cp) noexcept {
    return cp == ' ' || cp == '\n' || cp == 0x3000 || cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A);
}

}  // namespace

bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        char32_t cp = 0;
        const std::size_t n = decode_one(s, i, cp);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

std::size_t code_points(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    return n;
}

std::string clean_text(std::string_view s, bool keep_newlines) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t cp = 0;
        std::size_t n = decode_one(s, i, cp);
        if (n == 0) {
            ++i;  // callers validate first; be defensive anyway
            continue;
        }
        if (!is_invisible(cp, keep_newlines)) {
            out.append(s.substr(i, n));
        }
        i += n;
    }
    // Trim white space (ASCII, ideographic, no-break, typographic) at both ends.
    std::size_t begin = 0;
    while (begin < out.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_one(out, begin, cp);
        if (n == 0 || !is_space(cp)) {
            break;
        }
        begin += n;
    }
    std::size_t end = out.size();
    while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(out[start]) & 0xC0) == 0x80) {
            --start;
        }
        char32_t cp = 0;
        const std::size_t n = decode_one(out, start, cp);
        if (n == 0 || !is_space(cp)) {
            break;
        }
        end = start;
    }
    return out.substr(begin, end - begin);
}

std::string clean_name(std::string_view s, std::size_t max_code_points) {
    std::string name = clean_text(s, false);
    std::size_t cps = 0;
    std::size_t i = 0;
    while (i < name.size()) {
        if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) {
            if (cps == max_code_points) {
                name.resize(i);
                return clean_text(name);  // the cut may leave white space at the end
            }
            ++cps;
        }
        ++i;
    }
    return name;
}

}  // namespace liveroom::protocol
