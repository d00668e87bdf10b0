#pragma once

// A lean scanner for the server→client JSON objects the bench cares about. It walks the
// top-level members of one object once, without building a DOM and without allocating:
// string values come back as views of their raw (still escaped) content, numbers as text
// spans, nested objects and arrays as whole spans (which can be scanned again).

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace liveroom::bench {

enum class json_kind : char { string, number, object, array, literal };

namespace detail {

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline std::size_t skip_space(std::string_view s, std::size_t i) {
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i;
}

// `i` is just past an opening quote; returns the index of the closing quote or npos.
inline std::size_t string_end(std::string_view s, std::size_t i) {
    while (i < s.size()) {
        const void* hit = std::memchr(s.data() + i, '"', s.size() - i);
        if (hit == nullptr) {
            return std::string_view::npos;
        }
        const std::size_t q = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
        std::size_t backslashes = 0;
        while (q - backslashes > i && s[q - backslashes - 1] == '\\') {
            ++backslashes;
        }
        if (backslashes % 2 == 0) {
            return q;
        }
        i = q + 1;
    }
    return std::string_view::npos;
}

// `i` is at an opening '{' or '['; returns the index just past the matching close, or npos.
inline std::size_t nested_end(std::string_view s, std::size_t i) {
    int depth = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '"') {
            const std::size_t e = string_end(s, i + 1);
            if (e == std::string_view::npos) {
                return e;
            }
            i = e + 1;
            continue;
        }
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
            if (depth == 0) {
                return i + 1;
            }
        }
        ++i;
    }
    return std::string_view::npos;
}

}  // namespace detail

// Calls fn(key, value, kind) for each top-level member of the JSON object `object`.
// Keys and string values are the raw text between the quotes. Returns false when the
// text is not a well-formed object at the top level (members seen so far were reported).
template <class Fn>
bool for_each_member(std::string_view object, Fn&& fn) {
    using detail::skip_space;
    std::size_t i = skip_space(object, 0);
    if (i >= object.size() || object[i] != '{') {
        return false;
    }
    i = skip_space(object, i + 1);
    if (i < object.size() && object[i] == '}') {
        return true;
    }
    while (i < object.size()) {
        if (object[i] != '"') {
            return false;
        }
        const std::size_t key_end = detail::string_end(object, i + 1);
        if (key_end == std::string_view::npos) {
            return false;
        }
        const std::string_view key = object.substr(i + 1, key_end - i - 1);
        i = skip_space(object, key_end + 1);
        if (i >= object.size() || object[i] != ':') {
            return false;
        }
        i = skip_space(object, i + 1);
        if (i >= object.size()) {
            return false;
        }
        const char c = object[i];
        std::string_view value;
        json_kind kind{};
        if (c == '"') {
            const std::size_t e = detail::string_end(object, i + 1);
            if (e == std::string_view::npos) {
                return false;
            }
            value = object.substr(i + 1, e - i - 1);
            kind = json_kind::string;
            i = e + 1;
        } else if (c == '{' || c == '[') {
            const std::size_t e = detail::nested_end(object, i);
            if (e == std::string_view::npos) {
                return false;
            }
            value = object.substr(i, e - i);
            kind = c == '{' ? json_kind::object : json_kind::array;
            i = e;
        } else {
            std::size_t e = i;
            while (e < object.size() && object[e] != ',' && object[e] != '}' && !detail::is_space(object[e])) {
                ++e;
            }
            value = object.substr(i, e - i);
            kind = (c == '-' || (c >= '0' && c <= '9')) ? json_kind::number : json_kind::literal;
            i = e;
        }
        fn(key, value, kind);
        i = skip_space(object, i);
        if (i >= object.size()) {
            return false;
        }
        if (object[i] == '}') {
            return true;
        }
        if (object[i] != ',') {
            return false;
        }
        i = skip_space(object, i + 1);
    }
    return false;
}

// Calls fn(object) for each '\n'-separated, non-blank piece of one server frame.
template <class Fn>
void for_each_object(std::string_view frame, Fn&& fn) {
    while (!frame.empty()) {
        const void* nl = std::memchr(frame.data(), '\n', frame.size());
        const std::size_t n =
            nl == nullptr ? frame.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - frame.data());
        std::string_view piece = frame.substr(0, n);
        while (!piece.empty() && detail::is_space(piece.back())) {
            piece.remove_suffix(1);
        }
        if (!piece.empty()) {
            fn(piece);
        }
        frame.remove_prefix(nl == nullptr ? n : n + 1);
    }
}

inline bool parse_i64(std::string_view text, std::int64_t& out) {
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end;
}

// The fields of one server→client object that the bench uses. Views point into the frame.
struct message_fields {
    std::string_view type;
    std::string_view text;     // raw string content ("notice" events)
    std::string_view id;       // ack / error
    std::string_view code;     // error
    std::string_view message;  // error
    std::string_view you;      // welcome: the whole "you" object
    std::string_view body;     // comment / question / quiz / card events: that nested object
    std::string_view quiz;     // quiz.open ack: the new quiz id
    std::int64_t seq = 0;
    std::int64_t ts = 0;    // room events: server time (ms)
    std::int64_t from = 0;  // skipped
    std::int64_t to = 0;    // skipped
    bool has_seq = false;
    bool has_ts = false;
    bool resumed = false;  // welcome: "resumed":true
    bool has_from = false;
    bool has_to = false;
};

// Fills `out` (which it resets first) from one object; false when the object is malformed
// or has no string "type".
inline bool scan_message(std::string_view object, message_fields& out) {
    out = message_fields{};
    const bool ok = for_each_member(object, [&out](std::string_view key, std::string_view value, json_kind kind) {
        if (kind == json_kind::string) {
            if (key == "type") {
                out.type = value;
            } else if (key == "text") {
                out.text = value;
            } else if (key == "id") {
                out.id = value;
            } else if (key == "code") {
                out.code = value;
            } else if (key == "message") {
                out.message = value;
            } else if (key == "quiz") {
                out.quiz = value;
            }
        } else if (kind == json_kind::number) {
            if (key == "seq") {
                out.has_seq = parse_i64(value, out.seq);
            } else if (key == "from") {
                out.has_from = parse_i64(value, out.from);
            } else if (key == "to") {
                out.has_to = parse_i64(value, out.to);
            } else if (key == "ts") {
                out.has_ts = parse_i64(value, out.ts);
            }
        } else if (kind == json_kind::object) {
            if (key == "you") {
                out.you = value;
            } else if (key == "comment" || key == "question" || key == "quiz" || key == "card") {
                out.body = value;
            }
        } else if (kind == json_kind::literal && key == "resumed") {
            out.resumed = value == "true";
        }
    });
    return ok && !out.type.empty();
}

// Calls fn(element, kind) for each element of the JSON array `array`; false when malformed.
template <class Fn>
bool for_each_element(std::string_view array, Fn&& fn) {
    using detail::skip_space;
    std::size_t i = skip_space(array, 0);
    if (i >= array.size() || array[i] != '[') {
        return false;
    }
    i = skip_space(array, i + 1);
    if (i < array.size() && array[i] == ']') {
        return true;
    }
    while (i < array.size()) {
        const char c = array[i];
        std::size_t e = i;
        json_kind kind = json_kind::literal;
        std::string_view element;
        if (c == '"') {
            e = detail::string_end(array, i + 1);
            if (e == std::string_view::npos) {
                return false;
            }
            element = array.substr(i + 1, e - i - 1);
            kind = json_kind::string;
            ++e;
        } else if (c == '{' || c == '[') {
            e = detail::nested_end(array, i);
            if (e == std::string_view::npos) {
                return false;
            }
            element = array.substr(i, e - i);
            kind = c == '{' ? json_kind::object : json_kind::array;
        } else {
            while (e < array.size() && array[e] != ',' && array[e] != ']' && !detail::is_space(array[e])) {
                ++e;
            }
            element = array.substr(i, e - i);
            kind = (c == '-' || (c >= '0' && c <= '9')) ? json_kind::number : json_kind::literal;
        }
        fn(element, kind);
        i = skip_space(array, e);
        if (i >= array.size()) {
            return false;
        }
        if (array[i] == ']') {
            return true;
        }
        if (array[i] != ',') {
            return false;
        }
        i = skip_space(array, i + 1);
    }
    return false;
}

// The embedded send time of a bench notice: text "t=<microseconds since epoch>;...".
inline bool parse_send_time(std::string_view text, std::int64_t& micros) {
    if (text.size() < 3 || text[0] != 't' || text[1] != '=') {
        return false;
    }
    const char* begin = text.data() + 2;
    const auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), micros);
    return ec == std::errc{} && ptr != begin;
}

}  // namespace liveroom::bench
