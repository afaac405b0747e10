// The HISTORY_* settings: defaults, parsing, and values past their limits stopping the server.
#include <map>

#include "history/options.hpp"
#include "history/version_name.hpp"

#include <catch2/catch.hpp>

using namespace kolabpad::server::history;

namespace {
HistoryEnv env(std::map<std::string, std::string> vars) {
    return [vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}
}  // namespace

TEST_CASE("history settings default to keep everything, 100 operations or 64 KiB per keyframe, 5 minute pauses",
          "[history][options]") {
    auto o = parse_history_options(env({}));
    REQUIRE(o.ok());
    CHECK(o->retention_days == 0);
    CHECK(o->keyframes.every_ops == 100);
    CHECK(o->keyframes.every_bytes == 64 * 1024);
    CHECK(o->session_pause_ms == 5 * 60'000);
    CHECK(o->page_limit_max == 100);
    CHECK(o->diff_max_ops == 20'000);
    CHECK(o->text_diff_max_steps == 20'000'000);
    CHECK(o->version_name_max == 100);
    // Empty values count as unset.
    CHECK(parse_history_options(env({{"HISTORY_KEYFRAME_OPS", ""}}))->keyframes.every_ops == 100);
}

TEST_CASE("history settings are read from their variables", "[history][options]") {
    auto o = parse_history_options(env({{"HISTORY_RETENTION_DAYS", "30"},
                                        {"HISTORY_KEYFRAME_OPS", "50"},
                                        {"HISTORY_KEYFRAME_KB", "16"},
                                        {"HISTORY_SESSION_PAUSE_MINUTES", "2"},
                                        {"HISTORY_PAGE_MAX", "10"},
                                        {"HISTORY_DIFF_MAX_OPS", "500"},
                                        {"HISTORY_TEXT_DIFF_MAX_STEPS", "100000"},
                                        {"HISTORY_VERSION_NAME_MAX", "40"}}));
    REQUIRE(o.ok());
    CHECK(o->retention_days == 30);
    CHECK(o->keyframes.every_ops == 50);
    CHECK(o->keyframes.every_bytes == 16 * 1024);
    CHECK(o->session_pause_ms == 2 * 60'000);
    CHECK(o->page_limit_max == 10);
    CHECK(o->diff_max_ops == 500);
    CHECK(o->text_diff_max_steps == 100'000);
    CHECK(o->version_name_max == 40);
}

TEST_CASE("a history setting past its limit or not a number names its variable", "[history][options]") {
    const std::pair<const char*, const char*> bad[] = {
        {"HISTORY_KEYFRAME_OPS", "0"},           {"HISTORY_KEYFRAME_OPS", "100001"},
        {"HISTORY_KEYFRAME_KB", "0"},            {"HISTORY_KEYFRAME_KB", "1048577"},
        {"HISTORY_RETENTION_DAYS", "36501"},     {"HISTORY_RETENTION_DAYS", "-1"},
        {"HISTORY_SESSION_PAUSE_MINUTES", "0"},  {"HISTORY_SESSION_PAUSE_MINUTES", "1.5"},
        {"HISTORY_PAGE_MAX", "1001"},            {"HISTORY_PAGE_MAX", "ten"},
        {"HISTORY_DIFF_MAX_OPS", "0"},           {"HISTORY_TEXT_DIFF_MAX_STEPS", "999"},
        {"HISTORY_VERSION_NAME_MAX", "1001"},    {"HISTORY_VERSION_NAME_MAX", "99999999999999999999"},
    };
    for (const auto& [name, value] : bad) {
        auto o = parse_history_options(env({{name, value}}));
        INFO(name << "=" << value);
        REQUIRE_FALSE(o.ok());
        CHECK(o.error().rfind(std::string(name) + ": expected an integer from ", 0) == 0);
    }
}

TEST_CASE("a version name is 1 to HISTORY_VERSION_NAME_MAX characters without controls", "[history][options]") {
    CHECK_FALSE(version_name_problem("before refactor 🎉", 100));
    CHECK_FALSE(version_name_problem(std::string(100, 'a'), 100));
    CHECK(*version_name_problem(std::string(101, 'a'), 100) == "a version name has at most 100 characters, not 101");
    CHECK(version_name_problem("👨\u200d👩", 2));  // 3 code points
    CHECK(version_name_problem("", 100));
    CHECK(version_name_problem("two\nlines", 100));
    CHECK(version_name_problem("tab\there", 100));
    CHECK(version_name_problem("del\x7f", 100));
    CHECK(version_name_problem("c1 \xC2\x85", 100));       // NEL
    CHECK(version_name_problem("ls \xE2\x80\xA8", 100));   // U+2028
    CHECK(version_name_problem("bad \xff", 100));
    CHECK_FALSE(version_name_problem("zero\u200dwidth \uFEFF", 100));  // format characters are allowed
}
