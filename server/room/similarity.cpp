#include "server/room/similarity.hpp"

#include <algorithm>

namespace liveroom::room {

namespace {

// Decodes well-formed UTF-8 (the protocol validated it) into code points,
// folded for comparison; drops spaces and punctuation.
std::vector<char32_t> fold(std::string_view s) {
    std::vector<char32_t> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        char32_t cp = b0;
        std::size_t n = 1;
        if (b0 >= 0xF0) {
            n = 4;
            cp = b0 & 0x07;
        } else if (b0 >= 0xE0) {
            n = 3;
            cp = b0 & 0x0F;
        } else if (b0 >= 0xC0) {
            n = 2;
            cp = b0 & 0x1F;
        }
        for (std::size_t k = 1; k < n && i + k < s.size(); ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        }
        i += n;
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            cp -= 0xFEE0;  // full-width ASCII → ASCII
        }
        if (cp >= 'A' && cp <= 'Z') {
            cp += 'a' - 'A';
        }
        const bool ascii_punct = cp < 0x80 && !((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'));
        const bool cjk_punct = (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
                               (cp >= 0x2000 && cp <= 0x206F) || cp == 0xFF1F || cp == 0xFF01 || cp == 0xFF0C ||
                               cp == 0xFF1A || cp == 0xFF1B;
        if (ascii_punct || cjk_punct) {
            continue;
        }
        out.push_back(cp);
    }
    return out;
}

}  // namespace

std::vector<std::uint64_t> similarity_index::bigrams(std::string_view text) {
    const auto cps = fold(text);
    std::vector<std::uint64_t> grams;
    if (cps.size() == 1) {
        grams.push_back(static_cast<std::uint64_t>(cps[0]) << 32);
    }
    for (std::size_t i = 0; i + 1 < cps.size(); ++i) {
        grams.push_back((static_cast<std::uint64_t>(cps[i]) << 32) | cps[i + 1]);
    }
    std::sort(grams.begin(), grams.end());
    grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
    return grams;
}

void similarity_index::add(const std::string& id, std::string_view text) {
    remove(id);
    const auto index = static_cast<std::uint32_t>(docs_.size());
    docs_.push_back({id, bigrams(text), true});
    by_id_[id] = index;
    for (const auto g : docs_.back().grams) {
        postings_[g].push_back(index);
    }
}

void similarity_index::remove(const std::string& id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return;
    }
    docs_[it->second].live = false;  // postings are filtered on query
    by_id_.erase(it);
}

std::vector<similarity_index::match> similarity_index::query(std::string_view text,
                                                             double threshold,
                                                             std::size_t limit,
                                                             std::string_view exclude) const {
    const auto grams = bigrams(text);
    std::unordered_map<std::uint32_t, std::uint32_t> shared;
    for (const auto g : grams) {
        auto it = postings_.find(g);
        if (it == postings_.end()) {
            continue;
        }
        for (const auto d : it->second) {
            ++shared[d];
        }
    }
    std::vector<match> out;
    for (const auto& [d, n] : shared) {
        const doc& doc = docs_[d];
        if (!doc.live || doc.id == exclude) {
            continue;
        }
        const double score = 2.0 * n / static_cast<double>(grams.size() + doc.grams.size());
        if (score >= threshold) {
            out.push_back({doc.id, score});
        }
    }
    std::sort(out.begin(), out.end(),
              [](const match& a, const match& b) { return a.score != b.score ? a.score > b.score : a.id < b.id; });
    if (out.size() > limit) {
        out.resize(limit);
    }
    return out;
}

}  // namespace liveroom::room
