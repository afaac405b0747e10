// UTF-8 helpers with emoji, joiner sequences and astral characters.
#include "helpers.hpp"

using namespace kolabpad::ot;

TEST_CASE("count counts code points, not bytes or UTF-16 units", "[utf8]") {
    CHECK(utf8::count("") == 0);
    CHECK(utf8::count("hello") == 5);
    CHECK(utf8::count("🎉") == 1);
    CHECK(utf8::count("👨‍👨‍👦‍👦") == 7);
    CHECK(utf8::count("h🎉e🎉l👨‍👨‍👦‍👦lo") == 14);
    CHECK(utf8::count("𝕳𝖊𝖑𝖑𝖔, мир, 世界, 😀😃😄😁 and more ascii to cross words") == 50);
}

TEST_CASE("byte_offset maps a code-point index to a byte offset", "[utf8]") {
    const std::string s = "a🎉b👨‍👦c";
    CHECK(utf8::byte_offset(s, 0) == 0);
    CHECK(utf8::byte_offset(s, 1) == 1);
    CHECK(utf8::byte_offset(s, 2) == 5);
    CHECK(utf8::byte_offset(s, 3) == 6);
    CHECK(utf8::byte_offset(s, 4) == 10);  // after 👨
    CHECK(utf8::byte_offset(s, 5) == 13);  // after the joiner
    CHECK(utf8::byte_offset(s, 7) == s.size());
    CHECK(utf8::byte_offset(s, 99) == s.size());
}

TEST_CASE("advance agrees with byte_offset over long mixed text", "[utf8]") {
    std::string s;
    for (int i = 0; i < 200; ++i) s += (i % 7 == 0) ? "🎉" : (i % 5 == 0) ? "é" : (i % 3 == 0) ? "世" : "x";
    const auto n = utf8::count(s);
    CHECK(n == 200);
    std::size_t pos = 0;
    for (std::uint64_t k = 0; k <= n; ++k) {
        CHECK(utf8::byte_offset(s, k) == pos);
        if (k < n) pos = utf8::advance(s, pos, 1);
    }
    CHECK(utf8::advance_exact(s, 0, n) == s.size());
    CHECK(utf8::advance_exact(s, 0, n + 1) == std::string_view::npos);
}

TEST_CASE("is_valid rejects every ill-formed sequence", "[utf8]") {
    CHECK(utf8::is_valid("plain ascii that is longer than eight bytes"));
    CHECK(utf8::is_valid("𐍈 \U0010FFFF 한국어 👨‍👨‍👦‍👦"));
    CHECK_FALSE(utf8::is_valid("\x80"));
    CHECK_FALSE(utf8::is_valid("\xc0\xaf"));              // overlong
    CHECK_FALSE(utf8::is_valid("\xe0\x80\xaf"));          // overlong
    CHECK_FALSE(utf8::is_valid("\xed\xa0\x80"));          // surrogate U+D800
    CHECK_FALSE(utf8::is_valid("\xf4\x90\x80\x80"));      // above U+10FFFF
    CHECK_FALSE(utf8::is_valid("abcdefgh\xe2\x82"));      // truncated after the fast path
    CHECK_FALSE(utf8::is_valid("\xf5\x80\x80\x80"));
}

TEST_CASE("sanitize replaces ill-formed sequences with U+FFFD", "[utf8]") {
    CHECK(utf8::sanitize("ok 🎉") == "ok 🎉");
    CHECK(utf8::sanitize("a\xed\xa0\x80z") == "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");  // lone surrogate as WTF-8
    CHECK(utf8::sanitize("a\xe2\x82z") == "a\xEF\xBF\xBDz");
    CHECK(utf8::is_valid(utf8::sanitize("\xff\xfe\xc3")));
}

TEST_CASE("append encodes every plane", "[utf8]") {
    std::string s;
    for (char32_t cp : {U'A', U'é', U'世', U'🎉', U'\U0010FFFF'}) utf8::append(s, cp);
    CHECK(s == "Aé世🎉\U0010FFFF");
}

TEST_CASE("count and advance agree with a byte-by-byte walk on long, mostly ASCII text", "[utf8]") {
    // Long ASCII runs exercise the 32- and 8-byte fast paths; rare multi-byte characters split them.
    std::uint64_t seed = 12345;
    const auto next = [&seed] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; };
    for (int round = 0; round < 50; ++round) {
        std::string s;
        std::vector<std::size_t> starts;  // byte offset of each code point
        for (int i = 0; i < 2000; ++i) {
            starts.push_back(s.size());
            const auto r = (next() >> 33) % 100;
            s += r < 2 ? "🎉" : r < 4 ? "é" : r < 5 ? "世" : "x";
        }
        CHECK(utf8::count(s) == starts.size());
        for (int probe = 0; probe < 100; ++probe) {
            const std::size_t from = (next() >> 33) % starts.size();
            const std::size_t n = (next() >> 33) % (starts.size() - from + 1);
            const std::size_t expect = from + n < starts.size() ? starts[from + n] : s.size();
            REQUIRE(utf8::advance_exact(s, starts[from], n) == expect);
        }
        CHECK(utf8::advance_exact(s, 0, starts.size() + 1) == std::string_view::npos);
    }
}
