#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace liveroom::room {

// Character-bigram similarity for short questions, Chinese or not.
//
// Text is folded first (full-width ASCII to half-width, ASCII lower-cased,
// spaces and punctuation dropped), then cut into overlapping pairs of code
// points ("我父母能报销吗" → 我父, 父母, 母能, 能报, 报销, 销吗). Chinese has no
// spaces between words, and two-character pairs carry most of its meaning,
// so bigram overlap finds rewordings ("父母能报销吗" ~ "我爸妈父母可以报销吗")
// without a segmenter. The score is the Dice coefficient 2|A∩B| / (|A|+|B|)
// over the sets of bigrams, from 0 (nothing shared) to 1 (same bigrams).
//
// An inverted index (bigram → documents) makes a query cost proportional to
// the documents that share a bigram with it, not to all documents.
class similarity_index {
  public:
    struct match {
        std::string id;
        double score;
    };

    // Adds or replaces a document.
    void add(const std::string& id, std::string_view text);
    void remove(const std::string& id);

    // Documents scoring at least `threshold` against `text`, best first, at
    // most `limit`, excluding `exclude`.
    std::vector<match> query(std::string_view text,
                             double threshold,
                             std::size_t limit,
                             std::string_view exclude = {}) const;

    // The folded bigrams of a text (sorted, unique), for tests.
    static std::vector<std::uint64_t> bigrams(std::string_view text);

  private:
    struct doc {
        std::string id;
        std::vector<std::uint64_t> grams;
        bool live = true;
    };
    std::vector<doc> docs_;
    std::unordered_map<std::string, std::uint32_t> by_id_;
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings_;
};

}  // namespace liveroom::room
