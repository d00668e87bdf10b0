#include "protocol/text.hpp"

#include <catch2/catch.hpp>

using namespace liveroom::protocol;

TEST_CASE("valid_utf8 accepts well-formed text and rejects the rest", "[protocol]") {
    CHECK(valid_utf8("hello"));
    CHECK(valid_utf8("工会驿站"));
    CHECK(valid_utf8("\xF0\x9F\x98\x80"));        // emoji
    CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // > U+10FFFF
    CHECK_FALSE(valid_utf8("\xE5\xB7"));          // truncated
    CHECK_FALSE(valid_utf8("\x80"));              // lone continuation
}

TEST_CASE("code_points counts characters, not bytes", "[protocol]") {
    CHECK(code_points("abc") == 3);
    CHECK(code_points("工会") == 2);
    CHECK(code_points("") == 0);
}

TEST_CASE("clean_text strips controls and zero-width characters and trims", "[protocol]") {
    CHECK(clean_text("  hi  ") == "hi");
    CHECK(clean_text("a\u200Bb\u200Dc") == "abc");
    CHECK(clean_text("a\x01\x7F b") == "a b");
    CHECK(clean_text("\u3000工会\u3000") == "工会");
    CHECK(clean_text("line1\nline2", true) == "line1\nline2");
    CHECK(clean_text("line1\nline2", false) == "line1line2");
    CHECK(clean_text("\u202Eevil") == "evil");
    CHECK(clean_text(" \u200B ").empty());
}

TEST_CASE("clean_name cuts to the limit in code points", "[protocol]") {
    CHECK(clean_name("主持人主持人", 3) == "主持人");
    CHECK(clean_name("  bob ", 32) == "bob");
    // Found by tests/fuzz (decode_request): a cut right after a space left it at the end.
    CHECK(clean_name("ab cd", 3) == "ab");
    CHECK(clean_name("ab\u3000cd", 3) == "ab");
}
