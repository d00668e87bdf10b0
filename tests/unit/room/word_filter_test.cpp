#include "server/room/word_filter.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/room/text_normalize.hpp"

using liveroom::protocol::req::blocked_word;
using liveroom::protocol::req::word_action;
using liveroom::room::normalize_for_match;
using liveroom::room::word_filter;
using liveroom::room::word_verdict;

namespace {

word_filter make(std::vector<blocked_word> words) {
    return word_filter(words);
}

std::u32string folded(std::string_view text) {
    return normalize_for_match(text).chars;
}

// The text the room would publish.
std::string published(const word_filter& f, std::string_view text) {
    const auto r = f.scan(text);
    return std::string(r.text(text));
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Random words and comments over the first `alphabet` ideographs. Words use
// 600, so comments over the same 600 make partial matches (and failure-link
// walks) frequent: the worst case. Comments over 3,000 are more like real text.
struct random_text {
    std::mt19937 rng{20260601};
    char32_t alphabet = 600;
    char32_t ideograph() { return 0x4E00 + std::uniform_int_distribution<char32_t>(0, alphabet - 1)(rng); }
    std::string word(int min_chars, int max_chars) {
        std::string w;
        const int n = std::uniform_int_distribution<int>(min_chars, max_chars)(rng);
        for (int k = 0; k < n; ++k) {
            append_utf8(w, ideograph());
        }
        return w;
    }
    std::string comment(int chars) {
        std::string c;
        for (int k = 0; k < chars; ++k) {
            const int kind = std::uniform_int_distribution<int>(0, 19)(rng);
            if (kind == 0) {
                c += ' ';
            } else if (kind == 1) {
                append_utf8(c, U'，');
            } else if (kind == 2) {
                c += static_cast<char>('a' + std::uniform_int_distribution<int>(0, 25)(rng));
            } else {
                append_utf8(c, ideograph());
            }
        }
        return c;
    }
};

std::vector<blocked_word> random_list(random_text& gen, std::size_t n) {
    std::vector<blocked_word> list;
    list.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
        const auto action = k % 3 == 0 ? word_action::mask : (k % 3 == 1 ? word_action::hold : word_action::block);
        list.push_back({gen.word(2, 5), action});
    }
    return list;
}

}  // namespace

TEST_CASE("decoding: 1- to 4-byte UTF-8, and a cut-short sequence", "[room][word_filter]") {
    const std::string s = "a\u00e9\u50bb\U0001F600";
    char32_t cp = 0;
    CHECK(liveroom::room::decode_code_point(s, 0, cp) == 1);
    CHECK(cp == U'a');
    CHECK(liveroom::room::decode_code_point(s, 1, cp) == 2);
    CHECK(cp == 0xE9);
    CHECK(liveroom::room::decode_code_point(s, 3, cp) == 3);
    CHECK(cp == 0x50BB);
    CHECK(liveroom::room::decode_code_point(s, 6, cp) == 4);
    CHECK(cp == 0x1F600);
    CHECK(liveroom::room::decode_code_point(std::string_view(s).substr(0, 8), 6, cp) == 2);
    CHECK(cp == 0xFFFD);
}

TEST_CASE("folding: full-width ASCII and the ideographic space", "[room][word_filter]") {
    CHECK(folded("Ｆｕｃｋ") == U"fuck");
    CHECK(folded("ＡＢＣ１２") == U"abci2");
    CHECK(folded("傻\u3000逼") == U"傻逼");
}

TEST_CASE("folding: ASCII case and Latin-1 accents", "[room][word_filter]") {
    CHECK(folded("FuCK") == U"fuck");
    CHECK(folded("fÜçK") == U"fuck");
    CHECK(folded("ÀÉÎÕÛÑÝàéîõûñýÿ") == U"aeiounyaeiounyy");
    CHECK(folded("Æß") == U"æß");
}

TEST_CASE("folding: look-alike digits and symbols, one canonical letter each", "[room][word_filter]") {
    CHECK(folded("0 1 l L 3 4 5 7 8 @ $") == U"oiiieastbas");
    CHECK(folded("269") == U"269");
    CHECK(folded("sh1t") == folded("shit"));
    CHECK(folded("sh!t") == U"sht");  // '!' is punctuation, not a look-alike
    CHECK(folded("h3ll0") == folded("hello"));
}

TEST_CASE("folding: spaces, punctuation, symbols, emoji and zero-width characters vanish", "[room][word_filter]") {
    CHECK(folded("傻 逼") == U"傻逼");
    CHECK(folded("傻.逼") == U"傻逼");
    CHECK(folded("f.u.c.k") == U"fuck");
    CHECK(folded("f_u-c*k") == U"fuck");
    CHECK(folded("傻，逼。") == U"傻逼");
    CHECK(folded("傻！逼") == U"傻逼");            // full-width '!'
    CHECK(folded("傻\u200B逼\u200D") == U"傻逼");  // zero-width space and joiner
    CHECK(folded("傻\uFEFF逼") == U"傻逼");
    CHECK(folded("傻★逼♥") == U"傻逼");
    CHECK(folded("傻😀逼🇨🇳") == U"傻逼");
    CHECK(folded("f\u0336u\u0336c\u0336k\u0336") == U"fuck");  // combining strike-through
    CHECK(folded("傻「逼」·") == U"傻逼");
    CHECK(folded("\t傻\n逼\r") == U"傻逼");
    CHECK(folded("〇々") == U"〇々");  // CJK letters in the punctuation block stay
}

TEST_CASE("folding: some traditional characters become simplified", "[room][word_filter]") {
    CHECK(folded("騙錢") == U"骗钱");
    CHECK(folded("賭博網站") == U"赌博网站");
    auto f = make({{"刷单返利", word_action::hold}});
    CHECK(f.scan("刷單返利").verdict == word_verdict::hold);
}

TEST_CASE("folding keeps the byte offset of each character", "[room][word_filter]") {
    const auto n = normalize_for_match("a 傻😀b");
    CHECK(n.chars == U"a傻b");
    CHECK(n.offsets == std::vector<std::size_t>{0, 2, 9});
}

TEST_CASE("every folding rule applies to scanned text", "[room][word_filter]") {
    const auto f = make({{"傻逼", word_action::mask}, {"fuck", word_action::mask}});
    for (const char* text :
         {"傻 逼", "傻.逼", "f.u.c.k", "Ｆｕｃｋ", "FUCK", "fück", "phuck fuсk f u c k", "傻\u200B逼"}) {
        INFO(text);
        CHECK(f.scan(text).verdict == word_verdict::mask);
    }
    CHECK(f.scan("phuck").verdict == word_verdict::none);
    CHECK(f.scan("傻瓜逼").verdict == word_verdict::none);  // a letter in between is not ignored
}

TEST_CASE("words listed with separators or look-alikes fold like the text", "[room][word_filter]") {
    const auto f = make({{"F U C K", word_action::mask}, {"sh1t", word_action::mask}});
    CHECK(f.size() == 2);
    CHECK(f.scan("fuck").verdict == word_verdict::mask);
    CHECK(f.scan("shit").verdict == word_verdict::mask);
    CHECK(f.scan("SHLT").verdict == word_verdict::mask);
}

TEST_CASE("mask replaces exactly the original span, inserted punctuation included", "[room][word_filter]") {
    const auto f = make({{"傻逼", word_action::mask}, {"fuck", word_action::mask}});
    CHECK(published(f, "你是傻...逼吗") == "你是＊＊＊＊＊吗");
    CHECK(published(f, "(傻逼)") == "(＊＊)");
    CHECK(published(f, "f.u.c.k you") == "＊＊＊＊＊＊＊ you");
    CHECK(published(f, "Ｆｕｃｋ!") == "＊＊＊＊!");
    CHECK(published(f, "傻逼 and 傻逼") == "＊＊ and ＊＊");
    CHECK(published(f, "傻逼傻逼") == "＊＊＊＊");
    CHECK(published(f, "没问题") == "没问题");
    CHECK(f.scan("没问题").masked.empty());
}

TEST_CASE("overlapping words are masked as one span", "[room][word_filter]") {
    const auto f = make({{"abc", word_action::mask}, {"cde", word_action::mask}});
    CHECK(published(f, "xabcdex") == "x＊＊＊＊＊x");
    CHECK(published(f, "xa.b.c.d.ex") == "x＊＊＊＊＊＊＊＊＊x");
    const auto zh = make({{"傻逼", word_action::mask}, {"逼养", word_action::mask}});
    CHECK(published(zh, "傻逼养的") == "＊＊＊的");
}

TEST_CASE("a word inside a longer word matches", "[room][word_filter]") {
    SECTION("in the text") {
        const auto f = make({{"fuck", word_action::mask}});
        CHECK(published(f, "motherfuckers") == "mother＊＊＊＊ers");
    }
    SECTION("a listed word inside another listed word") {
        const auto f = make({{"逼", word_action::hold}, {"傻逼", word_action::mask}});
        const auto r = f.scan("你傻逼");
        CHECK(r.verdict == word_verdict::hold);
        CHECK(r.masked == "你＊＊");
    }
    SECTION("a short word ending inside a longer one that does not complete") {
        // "bc" is found on the way through "abc" although "abcd" fails there.
        const auto f = make({{"abcd", word_action::block}, {"bc", word_action::mask}});
        const auto r = f.scan("abce");
        CHECK(r.verdict == word_verdict::mask);
        CHECK(r.masked == "a＊＊e");
        CHECK(f.scan("xabcd").verdict == word_verdict::block);
    }
    SECTION("a word found after a failed longer prefix") {
        const auto f = make({{"abcx", word_action::block}, {"bcd", word_action::hold}});
        CHECK(f.scan("abcd").verdict == word_verdict::hold);
    }
}

TEST_CASE("the strongest action wins: block > hold > mask > none", "[room][word_filter]") {
    const auto f = make({{"甲", word_action::mask}, {"乙", word_action::hold}, {"丙", word_action::block}});
    CHECK(f.scan("丁").verdict == word_verdict::none);
    CHECK(f.scan("甲").verdict == word_verdict::mask);
    CHECK(f.scan("甲乙").verdict == word_verdict::hold);
    CHECK(f.scan("乙甲").verdict == word_verdict::hold);
    CHECK(f.scan("丙甲乙").verdict == word_verdict::block);
    CHECK(f.scan("甲乙丙").verdict == word_verdict::block);
    // Mask words are masked whatever the verdict (a held comment, once
    // approved, is published masked).
    CHECK(f.scan("甲乙").masked == "＊乙");
}

TEST_CASE("a word listed twice keeps its strongest action", "[room][word_filter]") {
    const auto f = make({{"广告", word_action::mask}, {"广 告", word_action::block}, {"广告", word_action::hold}});
    CHECK(f.size() == 1);
    const auto r = f.scan("广告");
    CHECK(r.verdict == word_verdict::block);
    CHECK(r.masked.empty());  // its strongest listing is not mask
}

TEST_CASE("an empty list matches nothing; an empty text has nothing", "[room][word_filter]") {
    const word_filter empty;
    CHECK(empty.size() == 0);
    CHECK(empty.scan("傻逼 fuck").verdict == word_verdict::none);
    const auto only_separators = make({{"...", word_action::block}, {"😀", word_action::block}});
    CHECK(only_separators.size() == 0);
    CHECK(only_separators.skipped() == 2);
    CHECK(only_separators.scan("... 😀").verdict == word_verdict::none);
    const auto f = make({{"傻逼", word_action::block}});
    const auto r = f.scan("");
    CHECK(r.verdict == word_verdict::none);
    CHECK(r.masked.empty());
    CHECK(f.scan(" ，。 ").verdict == word_verdict::none);
}

TEST_CASE("words longer than max_word_chars are skipped", "[room][word_filter]") {
    const std::string longest(word_filter::max_word_chars, 'x');
    const auto f = make({{longest, word_action::mask}, {longest + "y", word_action::block}});
    CHECK(f.size() == 1);
    CHECK(f.skipped() == 1);
    const auto r = f.scan(longest + "y");
    CHECK(r.verdict == word_verdict::mask);
    CHECK(r.masked.size() == word_filter::max_word_chars * 3 + 1);  // 255 stars, then "y"
}

TEST_CASE("4-byte UTF-8 passes through untouched", "[room][word_filter]") {
    const auto f = make({{"傻逼", word_action::mask}, {"𠮷野家", word_action::mask}});
    CHECK(published(f, "😀傻逼😀") == "😀＊＊😀");
    CHECK(published(f, "🇨🇳👍🏽 好") == "🇨🇳👍🏽 好");
    CHECK(published(f, "傻😀逼") == "＊＊＊");               // inside a span it is one code point, one star
    CHECK(published(f, "去𠮷野家吃饭") == "去＊＊＊吃饭");  // a 4-byte ideograph is a letter
}

TEST_CASE("masked text scans clean", "[room][word_filter]") {
    const auto f = make({{"傻逼", word_action::mask}});
    const std::string once = published(f, "傻逼 傻 逼");
    CHECK(once == "＊＊ ＊＊＊");
    CHECK(f.scan(once).verdict == word_verdict::none);
}

TEST_CASE("scan reuses the result's buffer and resets it", "[room][word_filter]") {
    const auto f = make({{"fuck", word_action::mask}});
    word_filter::scan_result r;
    f.scan("fuck", r);
    CHECK(r.masked == "＊＊＊＊");
    f.scan("fine", r);
    CHECK(r.verdict == word_verdict::none);
    CHECK(r.masked.empty());
}

TEST_CASE("a list of 10,000 words builds in reasonable time and scans right", "[room][word_filter]") {
    random_text gen;
    const auto list = random_list(gen, 10000);
    std::set<std::u32string> distinct;
    for (const auto& w : list) {
        distinct.insert(folded(w.word));
    }
    const auto t0 = std::chrono::steady_clock::now();
    const word_filter f(list);
    const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("word_filter: built 10,000 entries in %.1f ms\n", ms);
    CHECK(ms < 5000);  // loose on purpose (sanitizers, shared CPU): catches quadratic builds only
    CHECK(f.size() == distinct.size());
    for (const std::size_t k : {0, 1, 2, 4999, 9999}) {
        const auto r = f.scan("前" + list[k].word + "后");
        CHECK(r.verdict >= liveroom::room::verdict_of(list[k].action));
    }
}

TEST_CASE("word list files: entries, actions, comments and errors", "[room][word_filter]") {
    std::vector<liveroom::room::word_list_error> errors;
    const auto list = liveroom::room::parse_word_list(
        "# a comment\n"
        "\n"
        "傻逼\tmask\r\n"
        "  广告  \n"
        "加微信\thold\n"
        "坏\tburn\n"
        "\tmask\n"
        "make money fast\tblock",
        &errors);
    REQUIRE(list.size() == 4);
    CHECK(list[0].word == "傻逼");
    CHECK(list[0].action == word_action::mask);
    CHECK(list[1].word == "广告");
    CHECK(list[1].action == word_action::block);
    CHECK(list[2].action == word_action::hold);
    CHECK(list[3].word == "make money fast");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 6);
    CHECK(errors[1].line == 7);
    CHECK_THROWS_AS(liveroom::room::load_word_list("/nonexistent/words.txt"), std::runtime_error);
}

TEST_CASE("the default list is well-formed and compiled in as the file is", "[room][word_filter]") {
    std::vector<liveroom::room::word_list_error> errors;
    const auto list = liveroom::room::parse_word_list(liveroom::room::default_blocked_words_text(), &errors);
    CHECK(errors.empty());
    CHECK(list.size() >= 30);
    const auto from_file =
        liveroom::room::load_word_list(std::string(LIVEROOM_SOURCE_DIR) + "/server/room/default_blocked_words.txt");
    REQUIRE(from_file.size() == list.size());
    const word_filter f(liveroom::room::default_blocked_words());
    CHECK(f.skipped() == 0);
    CHECK(f.size() == list.size());
    CHECK(published(f, "你个傻 逼") == "你个＊＊＊");
    CHECK(f.scan("加V信领红包").verdict == word_verdict::hold);
    CHECK(f.scan("刷單返利是诈骗吗？").verdict == word_verdict::hold);
    CHECK(f.scan("操你妈").verdict == word_verdict::block);
    // Harmless texts that naive lists trip over.
    for (const char* ok : {"我们班级的工会活动", "class Scunthorpe assessment", "参加工会活动，电话58号",
                           "职工医保怎么报销？", "Hello, shiitake!"}) {
        INFO(ok);
        CHECK(f.scan(ok).verdict == word_verdict::none);
    }
}

// Run: build/tests/unit_tests "[.bench]". The two lists are timed in
// alternating passes so that load from other processes hits both alike;
// the first pass only warms up. Min and median over the other passes.
TEST_CASE("word_filter scan cost at 10 and 10,000 entries", "[.bench][word_filter]") {
    random_text gen;
    const auto big = random_list(gen, 10000);
    const std::vector<blocked_word> small(big.begin(), big.begin() + 10);
    std::vector<std::string> comments[2];
    for (const char32_t alphabet : {600, 3000}) {
        auto& set = comments[alphabet == 600 ? 0 : 1];
        gen.alphabet = alphabet;
        for (int k = 0; k < 100000; ++k) {
            set.push_back(gen.comment(30));
        }
    }
    struct subject {
        const std::vector<blocked_word>* list;
        const std::vector<std::string>* comments;
        const char* label;
        const word_filter* filter;
        double build_ms = 0;
        std::vector<double> ns_per_comment;
        std::size_t hits = 0;
    };
    std::vector<std::pair<word_filter, double>> filters;
    for (const auto* list : {&small, &big}) {
        const auto b0 = std::chrono::steady_clock::now();
        word_filter f(*list);
        const auto b1 = std::chrono::steady_clock::now();
        filters.emplace_back(std::move(f), std::chrono::duration<double, std::milli>(b1 - b0).count());
    }
    std::vector<subject> subjects;
    for (int set = 0; set < 2; ++set) {
        for (int l = 0; l < 2; ++l) {
            subjects.push_back({l == 0 ? &small : &big,
                                &comments[set],
                                set == 0 ? "worst case: the words' 600 characters" : "3,000 characters",
                                &filters[static_cast<std::size_t>(l)].first,
                                filters[static_cast<std::size_t>(l)].second,
                                {},
                                0});
        }
    }
    constexpr int kPasses = 7;
    word_filter::scan_result r;
    for (int pass = 0; pass < kPasses; ++pass) {
        for (auto& s : subjects) {
            std::size_t hits = 0;
            const auto t0 = std::chrono::steady_clock::now();
            for (const auto& c : *s.comments) {
                s.filter->scan(c, r);
                hits += r.verdict != word_verdict::none;
            }
            const auto t1 = std::chrono::steady_clock::now();
            s.hits = hits;
            if (pass > 0) {
                s.ns_per_comment.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() /
                                           static_cast<double>(s.comments->size()));
            }
        }
    }
    for (auto& s : subjects) {
        std::sort(s.ns_per_comment.begin(), s.ns_per_comment.end());
        std::printf(
            "word_filter bench: %5zu entries (build %.2f ms), comments over %s: "
            "min %.1f, median %.1f ns/comment (%zu comments of 30 code points, %zu with a verdict, %d passes)\n",
            s.list->size(), s.build_ms, s.label, s.ns_per_comment.front(),
            s.ns_per_comment[s.ns_per_comment.size() / 2], s.comments->size(), s.hits, kPasses - 1);
    }
}
