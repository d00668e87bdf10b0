#include "server/room/word_filter.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "protocol/text.hpp"
#include "server/room/text_normalize.hpp"

namespace liveroom::room {

namespace {

constexpr std::string_view kMaskStar = "\xEF\xBC\x8A";  // ＊ U+FF0A

std::size_t hash_slot(std::uint64_t key, std::uint64_t mask) noexcept {
    const std::uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>((h ^ (h >> 29)) & mask);
}

std::string_view trim(std::string_view s) noexcept {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

}  // namespace

word_verdict verdict_of(protocol::req::word_action action) noexcept {
    switch (action) {
        case protocol::req::word_action::mask:
            return word_verdict::mask;
        case protocol::req::word_action::hold:
            return word_verdict::hold;
        case protocol::req::word_action::block:
            break;
    }
    return word_verdict::block;
}

std::int32_t word_filter::find_edge(std::int32_t from, char32_t cp) const noexcept {
    const std::uint64_t key = edge_key(from, cp);
    std::size_t i = hash_slot(key, edge_mask_);
    while (true) {
        const std::uint64_t e = edges_[i];
        if ((e >> kBits) == key) {
            return static_cast<std::int32_t>(e & kField);
        }
        if (e == 0) {
            return -1;
        }
        i = (i + 1) & edge_mask_;
    }
}

inline std::int32_t word_filter::root_edge(char32_t cp) const noexcept {
    const std::uint16_t page = root_page_[cp >> 8];
    if (page == 0) {
        return 0;
    }
    return root_next_[(page - 1u) * 256u + (cp & 0xFF)];
}

// Inlined into scan(), whose inner loop it is.
[[gnu::always_inline]] inline std::int32_t word_filter::step(std::int32_t from, char32_t cp) const noexcept {
    const std::uint64_t bit = edge_bit(cp);
    while (from != 0) {
        const state& st = states_[static_cast<std::size_t>(from)];
        if ((st.edge_bits & bit) != 0) {
            if (const std::int32_t to = find_edge(from, cp); to >= 0) {
                return to;
            }
        }
        from = st.fail;
    }
    return root_edge(cp);
}

word_filter::word_filter() : states_(1) {}

word_filter::word_filter(std::span<const protocol::req::blocked_word> words) : states_(1) {
    // 1. The trie of the folded words. Build-time bookkeeping: each state's
    //    parent, incoming code point and depth, and the words ending there.
    struct build_info {
        std::int32_t parent = 0;
        char32_t cp = 0;
        std::uint32_t depth = 0;
    };
    std::vector<build_info> info(1);
    std::unordered_map<std::uint64_t, std::int32_t> trie;
    normalized_text folded;
    for (const auto& w : words) {
        normalize_for_match(w.word, folded);
        if (folded.chars.empty() || folded.chars.size() > max_word_chars ||
            states_.size() + folded.chars.size() > max_states) {
            ++skipped_;
            continue;
        }
        std::int32_t s = 0;
        for (const char32_t cp : folded.chars) {
            const auto [it, added] = trie.try_emplace(edge_key(s, cp), static_cast<std::int32_t>(states_.size()));
            if (added) {
                states_.emplace_back();
                info.push_back({s, cp, info[static_cast<std::size_t>(s)].depth + 1});
            }
            s = it->second;
        }
        state& end = states_[static_cast<std::size_t>(s)];
        if (end.verdict == word_verdict::none) {
            ++words_;
        }
        end.verdict = std::max(end.verdict, verdict_of(w.action));
    }
    // Only a word whose strongest listing is `mask` masks.
    for (std::size_t s = 1; s < states_.size(); ++s) {
        if (states_[s].verdict == word_verdict::mask) {
            states_[s].mask_chars = static_cast<std::uint8_t>(info[s].depth);
        }
    }

    // 2. The goto edges: the root's in a two-level table, the others in an
    //    open-addressing table at most half full, and each state's edge bits.
    root_page_.assign((0x10FFFF >> 8) + 1, 0);
    std::size_t inner = 0;
    for (const auto& [key, to] : trie) {
        const auto cp = static_cast<char32_t>(key & kField);
        states_[static_cast<std::size_t>(key >> kBits)].edge_bits |= edge_bit(cp);
        if ((key >> kBits) != 0) {
            ++inner;
            continue;
        }
        std::uint16_t& page = root_page_[cp >> 8];
        if (page == 0) {
            root_next_.resize(root_next_.size() + 256, 0);
            page = static_cast<std::uint16_t>(root_next_.size() / 256);
        }
        root_next_[(page - 1u) * 256u + (cp & 0xFF)] = to;
    }
    const std::size_t slots = std::bit_ceil(std::max<std::size_t>(16, inner * 2));
    edges_.assign(slots, 0);
    edge_mask_ = slots - 1;
    for (const auto& [key, to] : trie) {
        if ((key >> kBits) == 0) {
            continue;
        }
        std::size_t i = hash_slot(key, edge_mask_);
        while (edges_[i] != 0) {
            i = (i + 1) & edge_mask_;
        }
        edges_[i] = key << kBits | static_cast<std::uint64_t>(to);
    }

    // 3. Failure links in order of depth (a state's link is shallower than the
    //    state, so it is final when used), and what each state inherits from
    //    the words that are suffixes of its own: the strongest verdict and the
    //    longest mask word.
    std::vector<std::int32_t> by_depth(states_.size() - 1);
    for (std::size_t s = 1; s < states_.size(); ++s) {
        by_depth[s - 1] = static_cast<std::int32_t>(s);
    }
    std::stable_sort(by_depth.begin(), by_depth.end(), [&info](std::int32_t a, std::int32_t b) {
        return info[static_cast<std::size_t>(a)].depth < info[static_cast<std::size_t>(b)].depth;
    });
    for (const std::int32_t s : by_depth) {
        const build_info& bi = info[static_cast<std::size_t>(s)];
        std::int32_t fail = 0;
        if (bi.parent != 0) {
            fail = step(states_[static_cast<std::size_t>(bi.parent)].fail, bi.cp);
        }
        state& st = states_[static_cast<std::size_t>(s)];
        const state& inherited = states_[static_cast<std::size_t>(fail)];
        st.fail = fail;
        st.verdict = std::max(st.verdict, inherited.verdict);
        st.mask_chars = std::max(st.mask_chars, inherited.mask_chars);
    }
}

word_filter::scan_result word_filter::scan(std::string_view text) const {
    scan_result out;
    scan(text, out);
    return out;
}

void word_filter::scan(std::string_view text, scan_result& out) const {
    out.verdict = word_verdict::none;
    out.masked.clear();
    if (words_ == 0) {
        return;
    }
    // Where the last max_word_chars folded characters start in `text`.
    std::array<std::size_t, max_word_chars + 1> starts;
    static_assert(std::has_single_bit(starts.size()));
    std::size_t k = 0;       // folded characters seen
    std::size_t copied = 0;  // bytes of `text` already in out.masked
    std::int32_t s = 0;
    word_verdict verdict = word_verdict::none;
    std::size_t i = 0;
    while (i < text.size()) {
        char32_t cp = 0;
        const std::size_t n = decode_code_point(text, i, cp);
        const char32_t folded = fold_for_match(cp);
        if (folded != 0) {
            starts[k & max_word_chars] = i;
            s = step(s, folded);
            const state& st = states_[static_cast<std::size_t>(s)];
            verdict = std::max(verdict, st.verdict);
            if (st.mask_chars != 0) {
                // The span runs from the first matched character to the end
                // of this one; whatever lies between (separators) goes too.
                mask_span(text, starts[(k + 1 - st.mask_chars) & max_word_chars], i + n, copied, out.masked);
            }
            ++k;
        }
        i += n;
    }
    out.verdict = verdict;
    if (!out.masked.empty()) {
        out.masked.append(text.substr(copied));
    }
}

void word_filter::mask_span(
    std::string_view text, std::size_t begin, std::size_t end, std::size_t& copied, std::string& masked) {
    if (masked.empty()) {
        masked.reserve(text.size() + 2 * (end - begin));
    }
    if (begin < copied) {
        begin = copied;  // overlaps the previous span, already masked
    } else {
        masked.append(text.substr(copied, begin - copied));
    }
    for (std::size_t b = begin; b < end; ++b) {
        if ((static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) {
            masked.append(kMaskStar);
        }
    }
    copied = end;
}

std::vector<protocol::req::blocked_word> parse_word_list(std::string_view contents,
                                                         std::vector<word_list_error>* errors) {
    std::vector<protocol::req::blocked_word> list;
    std::size_t line_no = 0;
    while (!contents.empty()) {
        ++line_no;
        const auto nl = contents.find('\n');
        const std::string_view line = contents.substr(0, nl);
        contents = nl == std::string_view::npos ? std::string_view{} : contents.substr(nl + 1);
        if (const std::string_view trimmed = trim(line); trimmed.empty() || trimmed.front() == '#') {
            continue;
        }
        const auto fail = [&](std::string message) {
            if (errors != nullptr) {
                errors->push_back({line_no, std::move(message)});
            }
        };
        const auto tab = line.find('\t');
        const std::string_view word = trim(line.substr(0, tab));
        std::string_view action = tab == std::string_view::npos ? std::string_view{} : trim(line.substr(tab + 1));
        if (action.empty()) {
            action = "block";
        }
        protocol::req::blocked_word entry;
        if (action == "block") {
            entry.action = protocol::req::word_action::block;
        } else if (action == "mask") {
            entry.action = protocol::req::word_action::mask;
        } else if (action == "hold") {
            entry.action = protocol::req::word_action::hold;
        } else {
            fail("unknown action '" + std::string(action) + "' (block, mask or hold)");
            continue;
        }
        if (word.empty()) {
            fail("no word before the action");
            continue;
        }
        if (!protocol::valid_utf8(word)) {
            fail("not valid UTF-8");
            continue;
        }
        entry.word = word;
        list.push_back(std::move(entry));
    }
    return list;
}

std::vector<protocol::req::blocked_word> load_word_list(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        throw std::runtime_error("cannot open word list " + path);
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) {
        throw std::runtime_error("cannot read word list " + path);
    }
    std::vector<word_list_error> errors;
    auto list = parse_word_list(contents.str(), &errors);
    if (!errors.empty()) {
        throw std::runtime_error(path + ":" + std::to_string(errors.front().line) + ": " + errors.front().message);
    }
    return list;
}

std::vector<protocol::req::blocked_word> default_blocked_words() {
    return parse_word_list(default_blocked_words_text());
}

}  // namespace liveroom::room
