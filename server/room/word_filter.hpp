#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.hpp"

namespace liveroom::room {

// What a text earns, weakest first, so the strongest is the largest.
enum class word_verdict : std::uint8_t { none, mask, hold, block };

word_verdict verdict_of(protocol::req::word_action action) noexcept;

// The blocked-word matcher of a room.
//
// Words and texts are both folded by normalize_for_match() (text_normalize.hpp:
// width, case, accents, look-alike digits and symbols, some traditional
// characters; separators such as spaces, punctuation, symbols, emoji and
// zero-width characters are ignored), so "傻 逼", "傻.逼", "f.u.c.k" and "Ｆｕｃｋ"
// all match the entries "傻逼" and "fuck". Matching is by substring of the
// folded text: a word inside a longer word matches too (there are no word
// boundaries in Chinese), so keep short Latin words that are parts of
// harmless ones ("ass" in "class") out of the list.
//
// Built once per list change into an Aho–Corasick automaton over folded code
// points: the root's goto edges in a direct table, the others in one
// open-addressing hash table behind a per-state 64-bit filter, failure links,
// and per state the strongest action and the longest mask word ending there.
// So a scan costs O(text length) whatever the size of the list: about 180 ns
// per 30-character comment with 10 words, 240-310 ns with 10,000 (the
// [.bench] test in tests/unit/room/word_filter_test.cpp). Immutable after
// construction: scan() is const and safe to call from several threads.
class word_filter {
  public:
    struct scan_result {
        word_verdict verdict = word_verdict::none;
        // When a mask word matched (whatever the verdict): the text with each
        // matched span, from its first to its last matched character and
        // everything between, replaced by one ＊ (U+FF0A) per code point.
        // Otherwise empty.
        std::string masked;

        // The text to publish: `masked` when something was masked, else `original`.
        std::string_view text(std::string_view original) const noexcept {
            return masked.empty() ? original : std::string_view(masked);
        }
    };

    // Longest word kept, in folded code points; longer entries are skipped.
    static constexpr std::size_t max_word_chars = 255;
    // Most automaton states (about the total length of all words; the
    // protocol's 10,000 words of 64 characters need at most 640,001). Entries
    // that would pass it are skipped.
    static constexpr std::size_t max_states = (std::size_t{1} << 21) - 1;

    word_filter();  // an empty list: every scan is `none`
    explicit word_filter(std::span<const protocol::req::blocked_word> words);

    // Folds `text` (valid UTF-8) and finds every listed word in it.
    scan_result scan(std::string_view text) const;
    // The same, reusing `out.masked`'s buffer.
    void scan(std::string_view text, scan_result& out) const;

    // Distinct folded words in the automaton (duplicates after folding count
    // once, keeping their strongest action).
    std::size_t size() const noexcept { return words_; }
    // Entries that were skipped: nothing left after folding, too long, or past max_states.
    std::size_t skipped() const noexcept { return skipped_; }

  private:
    struct state {
        std::int32_t fail = 0;
        // One bit per hashed code point of this state's edges: a clear bit
        // means "no edge", so most misses cost no table probe.
        std::uint64_t edge_bits = 0;
        word_verdict verdict = word_verdict::none;  // strongest word that ends here (this or a suffix)
        std::uint8_t mask_chars = 0;                // longest mask word that ends here, 0 = none
    };
    // A goto edge packed in 64 bits: from state (21 bits) | code point (21) |
    // to state (21). A filled slot is never 0 (folded code points are not).
    static constexpr unsigned kBits = 21;
    static constexpr std::uint64_t kField = (std::uint64_t{1} << kBits) - 1;
    static std::uint64_t edge_key(std::int32_t from, char32_t cp) noexcept {
        return static_cast<std::uint64_t>(from) << kBits | cp;
    }
    static std::uint64_t edge_bit(char32_t cp) noexcept { return std::uint64_t{1} << ((cp * 0x9E3779B1u) >> 26); }
    std::int32_t find_edge(std::int32_t from, char32_t cp) const noexcept;  // -1 when none
    std::int32_t root_edge(char32_t cp) const noexcept;                     // 0 (root) when none
    std::int32_t step(std::int32_t from, char32_t cp) const noexcept;
    // Appends text[copied, begin) and one star per code point of
    // text[max(begin, copied), end) to `masked`; copied = end.
    static void mask_span(
        std::string_view text, std::size_t begin, std::size_t end, std::size_t& copied, std::string& masked);

    std::vector<state> states_;
    std::vector<std::uint64_t> edges_;  // edges from states other than the root: power-of-two size, linear probing
    // The root's edges, where every failed match restarts, as a two-level
    // table: root_page_[cp >> 8] is 0 or 1 + the page in root_next_ that
    // holds the targets of cp's 256-code-point block.
    std::vector<std::uint16_t> root_page_;
    std::vector<std::int32_t> root_next_;
    std::uint64_t edge_mask_ = 0;
    std::size_t words_ = 0;
    std::size_t skipped_ = 0;
};

// A word list file: one entry a line, "word" or "word<TAB>action" with action
// block (the default), mask or hold; blank lines and lines starting with '#'
// are skipped, spaces around the word and the action are trimmed.
struct word_list_error {
    std::size_t line = 0;  // 1-based
    std::string message;
};
std::vector<protocol::req::blocked_word> parse_word_list(std::string_view contents,
                                                         std::vector<word_list_error>* errors = nullptr);

// Reads and parses a word list file; throws std::runtime_error when the file
// cannot be read or any line is malformed (naming the line).
std::vector<protocol::req::blocked_word> load_word_list(const std::string& path);

// The server's default list: server/room/default_blocked_words.txt, compiled
// in (the build embeds the file, so the server needs no data directory).
std::string_view default_blocked_words_text() noexcept;
std::vector<protocol::req::blocked_word> default_blocked_words();

}  // namespace liveroom::room
