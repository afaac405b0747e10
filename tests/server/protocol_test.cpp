#include "helpers.hpp"
#include "protocol/display_text.hpp"
#include "protocol/messages.hpp"

#include <random>

using namespace kolabpad::server;
using namespace kolabpad::server::protocol;
using kolabpad::server::testing::op;

namespace {

template <class T>
T parse_as(const std::string& frame) {
    auto m = parse_client_message(frame);
    INFO(frame << ": " << m.error());
    REQUIRE(m.ok());
    REQUIRE(std::holds_alternative<T>(m.value()));
    return std::get<T>(m.value());
}

bool refused(const std::string& frame) { return !parse_client_message(frame).ok(); }

}  // namespace

TEST_CASE("Edit parses with and without client and seq") {
    auto e = parse_as<Edit>(R"({"Edit":{"revision":3,"operation":[3,"x"]}})");
    CHECK(e.revision == 3);
    CHECK(e.operation == op(R"([3,"x"])"));
    CHECK_FALSE(e.client);
    CHECK_FALSE(e.seq);
    auto f = parse_as<Edit>(R"({"Edit":{"revision":0,"operation":["👨‍👨‍👦‍👦"],"client":"abc","seq":7,"extra":1}})");
    CHECK(f.operation.target_len() == 7);
    CHECK(f.client == std::optional<std::string>("abc"));
    CHECK(f.seq == std::optional<std::uint64_t>(7));
}

TEST_CASE("every client message kind parses") {
    CHECK(parse_as<SetLanguage>(R"({"SetLanguage":"python"})").language == "python");
    auto ci = parse_as<ClientInfo>(R"({"ClientInfo":{"name":"Ålice 🎉","hue":359}})");
    CHECK(ci.info.name == "Ålice 🎉");
    CHECK(ci.info.hue == 359);
    auto cd = parse_as<Cursor>(R"({"CursorData":{"cursors":[4],"selections":[[1,4]]}})");
    CHECK(cd.data.cursors == std::vector<std::uint64_t>{4});
    CHECK(cd.data.selections.at(0) == std::pair<std::uint64_t, std::uint64_t>(1, 4));
    CHECK(parse_as<SetOtp>(R"({"SetOTP":true})").enable);
    CHECK_FALSE(parse_as<SetOtp>(R"({"SetOTP":false})").enable);
    auto s = parse_as<SignalTo>(R"({"Signal":{"to":7,"data":{"sdp":"x","n":[1,2]}}})");
    CHECK(s.to == 7);
    CHECK(s.data_json == R"({"n":[1,2],"sdp":"x"})");
    CHECK(parse_as<SaveVersion>(R"({"SaveVersion":{"name":"before \"refactor\" 🎉"}})").name == "before \"refactor\" 🎉");
    // The name's rule (length, control characters) is the document's, answered with Rejected.
    CHECK(parse_as<SaveVersion>(R"({"SaveVersion":{"name":""}})").name.empty());
    CHECK(parse_as<Restore>(R"({"Restore":{"revision":120}})").revision == 120);
    CHECK(parse_as<Restore>(R"({"Restore":{"revision":0,"extra":[1]}})").revision == 0);
}

TEST_CASE("malformed messages are refused") {
    CHECK(refused("not json"));
    CHECK(refused("[]"));
    CHECK(refused("{}"));
    CHECK(refused(R"({"Edit":{"revision":1,"operation":[1]},"SetOTP":true})"));
    CHECK(refused(R"({"Nope":1})"));
    CHECK(refused(R"({"Edit":{"operation":[1]}})"));
    CHECK(refused(R"({"Edit":{"revision":-1,"operation":[1]}})"));
    CHECK(refused(R"({"Edit":{"revision":1.5,"operation":[1]}})"));
    CHECK(refused(R"({"Edit":{"revision":1,"operation":[1.0]}})"));
    CHECK(refused(R"({"Edit":{"revision":1,"operation":[4294967296]}})"));
    CHECK(refused(R"({"Edit":{"revision":1,"operation":[{}]}})"));
    CHECK(refused(R"({"Edit":{"revision":1,"operation":[1],"seq":"x"}})"));
    CHECK(refused(R"({"SetLanguage":5})"));
    CHECK(refused(R"({"SetLanguage":"py\u0000thon"})"));
    CHECK(refused(R"({"SetLanguage":"py\nthon"})"));
    CHECK(refused("{\"SetLanguage\":\"" + std::string(65, 'x') + "\"}"));
    CHECK(refused(R"({"ClientInfo":{"name":"a","hue":360}})"));
    CHECK(refused(R"({"ClientInfo":{"hue":3}})"));
    CHECK(refused(R"({"CursorData":{"cursors":[-1],"selections":[]}})"));
    CHECK(refused(R"({"CursorData":{"cursors":[],"selections":[[1]]}})"));
    CHECK(refused(R"({"SetOTP":"yes"})"));
    CHECK(refused(R"({"Signal":{"to":1}})"));
    CHECK(refused(R"({"SaveVersion":"v1"})"));
    CHECK(refused(R"({"SaveVersion":{}})"));
    CHECK(refused(R"({"SaveVersion":{"name":3}})"));
    CHECK(refused(R"({"Restore":120})"));
    CHECK(refused(R"({"Restore":{}})"));
    CHECK(refused(R"({"Restore":{"revision":-1}})"));
    CHECK(refused(R"({"Restore":{"revision":1.5}})"));
    CHECK(refused(R"({"Restore":{"revision":"1"}})"));
    CHECK(refused("{\"Signal\":{\"to\":1,\"data\":\"" + std::string(17000, 'x') + "\"}}"));
}

TEST_CASE("lone surrogate escapes and invalid UTF-8 are refused") {
    CHECK(refused(R"({"SetLanguage":"\ud800"})"));
    CHECK(refused(R"({"SetLanguage":"\udc00x"})"));
    CHECK(refused(R"({"Edit":{"revision":0,"operation":["\ud83d"]}})"));
    CHECK(refused("{\"SetLanguage\":\"\xff\"}"));
    CHECK(refused("{\"SetLanguage\":\"\xed\xa0\x80\"}"));
    // A proper pair is fine.
    CHECK(parse_as<SetLanguage>(R"({"SetLanguage":"\ud83c\udf89"})").language == "🎉");
}

TEST_CASE("server messages have the exact wire form") {
    CHECK(identity(4) == R"({"Identity":4})");
    const std::string e = history_entry(4, op(R"([3,"x"])"), std::nullopt, std::nullopt);
    CHECK(e == R"({"id":4,"operation":[3,"x"]})");
    const std::string f = history_entry(5, op(R"(["é\n"])"), std::string("c"), 9);
    CHECK(f == R"({"id":5,"operation":["é\n"],"client":"c","seq":9})");
    const std::string* list[] = {&e, &f};
    CHECK(history(3, list) == R"({"History":{"start":3,"operations":[{"id":4,"operation":[3,"x"]},)"
                              R"({"id":5,"operation":["é\n"],"client":"c","seq":9}]}})");
    CHECK(snapshot(900, "a\"b") == R"({"Snapshot":{"revision":900,"text":"a\"b"}})");
    CHECK(language("python") == R"({"Language":"python"})");
    CHECK(language_by(4) == R"({"LanguageBy":4})");
    CHECK(user_info(4, UserInfo{"Alice", 42}) == R"({"UserInfo":{"id":4,"info":{"name":"Alice","hue":42}}})");
    CHECK(user_info(4, std::nullopt) == R"({"UserInfo":{"id":4,"info":null}})");
    CHECK(user_cursor(4, CursorData{{4}, {{1, 4}}}) ==
          R"({"UserCursor":{"id":4,"data":{"cursors":[4],"selections":[[1,4]]}}})");
    CHECK(otp(std::string("k3J9"), 4, "Alice") == R"({"OTP":{"otp":"k3J9","user_id":4,"user_name":"Alice"}})");
    CHECK(otp(std::nullopt, 4, "") == R"({"OTP":{"otp":null,"user_id":4,"user_name":""}})");
    CHECK(signal_from(3, R"({"a":1})") == R"({"Signal":{"from":3,"data":{"a":1}}})");
    CHECK(rejected(12, "document_too_large", "m") ==
          R"({"Rejected":{"seq":12,"code":"document_too_large","message":"m"}})");
    CHECK(rejected(std::nullopt, "document_too_large", "m") ==
          R"({"Rejected":{"seq":null,"code":"document_too_large","message":"m"}})");
    CHECK(error("bad_revision", "x") == R"({"Error":{"code":"bad_revision","message":"x"}})");
    // History (docs/history.md): the Version broadcast and a restore's entry.
    CHECK(version(120, "before \"refactor\"", 4, 1700000000000) ==
          R"({"Version":{"revision":120,"name":"before \"refactor\"","user":4,"time":1700000000000}})");
    CHECK(history_entry(4, op(R"([2,"ab",-1])"), std::string(restore_client), std::nullopt, 120) ==
          R"({"id":4,"operation":[2,"ab",-1],"client":"server","restore":120})");
}

namespace {

// `levels` arrays nested inside each other around `inner`: [[[inner]]].
std::string nested_arrays(std::size_t levels, const std::string& inner = "") {
    return std::string(levels, '[') + inner + std::string(levels, ']');
}

// `levels` objects nested inside each other: {"a":{"a":0}} for 2.
std::string nested_objects(std::size_t levels) {
    std::string s;
    for (std::size_t i = 0; i < levels; ++i) s += "{\"a\":";
    s += '0';
    return s + std::string(levels, '}');
}

// Every field of every message kind, with VALUE where the field's value goes; the frame's own
// object and the message's object are 2 levels, VALUE's nesting comes on top.
const std::vector<std::pair<std::string, std::string>> every_field = {
    {"Edit.revision", R"({"Edit":{"revision":VALUE,"operation":[]}})"},
    {"Edit.operation", R"({"Edit":{"revision":0,"operation":VALUE}})"},
    {"Edit.operation element", R"({"Edit":{"revision":0,"operation":[1,VALUE]}})"},
    {"Edit.client", R"({"Edit":{"revision":0,"operation":[],"client":VALUE}})"},
    {"Edit.seq", R"({"Edit":{"revision":0,"operation":[],"seq":VALUE}})"},
    {"Edit extra field", R"({"Edit":{"revision":0,"operation":[],"x":VALUE}})"},
    {"Edit", R"({"Edit":VALUE})"},
    {"SetLanguage", R"({"SetLanguage":VALUE})"},
    {"ClientInfo.name", R"({"ClientInfo":{"name":VALUE,"hue":1}})"},
    {"ClientInfo.hue", R"({"ClientInfo":{"name":"a","hue":VALUE}})"},
    {"ClientInfo", R"({"ClientInfo":VALUE})"},
    {"CursorData.cursors", R"({"CursorData":{"cursors":VALUE,"selections":[]}})"},
    {"CursorData.selections", R"({"CursorData":{"cursors":[],"selections":VALUE}})"},
    {"CursorData.selections pair", R"({"CursorData":{"cursors":[],"selections":[[1,VALUE]]}})"},
    {"CursorData", R"({"CursorData":VALUE})"},
    {"SetOTP", R"({"SetOTP":VALUE})"},
    {"Signal.to", R"({"Signal":{"to":VALUE,"data":0}})"},
    {"Signal.data", R"({"Signal":{"to":1,"data":VALUE}})"},
    {"Signal", R"({"Signal":VALUE})"},
    {"SaveVersion.name", R"({"SaveVersion":{"name":VALUE}})"},
    {"SaveVersion", R"({"SaveVersion":VALUE})"},
    {"Restore.revision", R"({"Restore":{"revision":VALUE}})"},
    {"Restore", R"({"Restore":VALUE})"},
    {"unknown message", R"({"Nope":VALUE})"},
};

std::string with_value(std::string frame, const std::string& value) {
    return frame.replace(frame.find("VALUE"), 5, value);
}

std::string error_of(const std::string& frame) {
    auto m = parse_client_message(frame);
    return m.ok() ? std::string("accepted") : m.error();
}

}  // namespace

TEST_CASE("Signal.data may nest up to max_json_depth levels in all, and one more is bad_message") {
    // The frame's object and Signal's object are the first 2 levels.
    const std::string at_limit = nested_arrays(max_json_depth - 2, "7");
    auto s = parse_as<SignalTo>(R"({"Signal":{"to":1,"data":)" + at_limit + "}}");
    CHECK(s.data_json == at_limit);
    const std::string past = R"({"Signal":{"to":1,"data":)" + nested_arrays(max_json_depth - 1, "7") + "}}";
    CHECK(error_of(past) == "nested deeper than " + std::to_string(max_json_depth) + " levels");
    CHECK(parse_as<SignalTo>(R"({"Signal":{"to":1,"data":)" + nested_objects(max_json_depth - 2) + "}}").to == 1);
    CHECK_FALSE(parse_client_message(R"({"Signal":{"to":1,"data":)" + nested_objects(max_json_depth - 1) + "}}").ok());
}

TEST_CASE("every message kind and field refuses a value nested past max_json_depth while parsing") {
    const std::string too_deep = "nested deeper than " + std::to_string(max_json_depth) + " levels";
    for (const auto& [field, frame] : every_field) {
        INFO(field);
        // Enough to overflow the stack of any recursive walk, arrays and objects.
        CHECK(error_of(with_value(frame, nested_arrays(100000))) == too_deep);
        CHECK(error_of(with_value(frame, nested_objects(100000))) == too_deep);
        // Exactly one level past the limit, counting the levels the frame opens before VALUE.
        std::size_t own = 0;
        for (char c : frame.substr(0, frame.find("VALUE"))) {
            if (c == '{' || c == '[') ++own;
            if (c == '}' || c == ']') --own;
        }
        CHECK(error_of(with_value(frame, nested_arrays(max_json_depth - own + 1))) == too_deep);
        CHECK(error_of(with_value(frame, nested_arrays(max_json_depth - own))) != too_deep);
    }
    // Deep but truncated input is refused the same way (the parser stops at the limit, not at the end).
    CHECK(error_of(std::string(100000, '[')) == too_deep);
}

TEST_CASE("Edit.operation is built exactly as ot::from_json parses the same array") {
    const std::vector<std::string> cases = {
        "[]", "[0]", "[-0]", "[0,0,0]", "[3]", "[-3]", R"(["x"])", R"([""])", R"([1,-1,"x"])", R"([-1,"x",1])",
        R"([2,"a","b",-1,-2,3,4])", "[2147483647]", "[-2147483647]", "[2147483648]", "[-2147483648]",
        "[2147483647,1]", "[-2147483647,-1]", "[1073741824,1073741823]", "[4294967296]", "[18446744073709551615]",
        "[18446744073709551616]", "[-9223372036854775808]", "[1.0]", "[1e2]", "[-0.0]", "[true]", "[null]",
        "[{}]", "[[]]", "[[1]]", R"(["\ud800"])", R"(["\udc00"])", R"(["\ud83c\udf89"])", R"(["\u0000"])",
        R"(["a\"b\\c\n\t\/"])", R"(["é🎉👨‍👩‍👧"])", R"([ 1 , "x" , -1 ])", "[1,]", "[,1]", "[01]",
    };
    for (const std::string& json : cases) {
        INFO(json);
        const auto expected = kolabpad::ot::from_json(json);
        const auto got = parse_client_message(R"({"Edit":{"revision":0,"operation":)" + json + "}}");
        REQUIRE(got.ok() == expected.ok());
        if (got.ok()) CHECK(std::get<Edit>(got.value()).operation == expected.value());
    }
    // Random arrays of edge values, merged neighbours included.
    const std::vector<std::string> pieces = {"0", "1", "-1", "2147483647", "-2147483647", "1073741824", "-1073741824",
                                             R"("x")", R"("")", R"("🎉")", R"("\n")", "2147483648", "1.5", "[]"};
    std::mt19937 rng(42);
    for (int round = 0; round < 2000; ++round) {
        std::string json = "[";
        const int n = static_cast<int>(rng() % 6);
        for (int i = 0; i < n; ++i) json += (i ? "," : "") + pieces[rng() % pieces.size()];
        json += "]";
        INFO(json);
        const auto expected = kolabpad::ot::from_json(json);
        const auto got = parse_client_message(R"({"Edit":{"revision":0,"operation":)" + json + "}}");
        REQUIRE(got.ok() == expected.ok());
        if (got.ok()) CHECK(std::get<Edit>(got.value()).operation == expected.value());
    }
}

TEST_CASE("ClientInfo.name loses control, line-separator and bidirectional formatting characters") {
    // C0 controls must be escaped inside JSON strings; the others come as raw UTF-8.
    const std::string hostile = R"(\u202eAl\nice\t\r\u0000\u001f)"
                                "\u007f\u0085\u009f\u2028\u2029\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"
                                "\u200e\u200f\u061c\ufeff!";
    CHECK(parse_as<ClientInfo>(R"({"ClientInfo":{"name":")" + hostile + R"(","hue":1}})").info.name == "Alice!");
    // What is kept: joiners (emoji sequences, Persian), other invisible but harmless characters, every script.
    const std::string kept = "👨‍👩‍👧 Zoë \u200cفارسی 漢字 \u00a0\u200b";
    CHECK(parse_as<ClientInfo>(R"({"ClientInfo":{"name":")" + kept + R"(","hue":1}})").info.name == kept);
    // Stripped before the length check: 64 visible characters and a pasted override still join.
    const std::string name64(64, 'n');
    CHECK(parse_as<ClientInfo>(R"({"ClientInfo":{"name":"\u202e)" + name64 + R"(\u202c","hue":1}})").info.name == name64);
    CHECK(refused(R"({"ClientInfo":{"name":")" + name64 + R"(n","hue":1}})"));
    CHECK(parse_as<ClientInfo>(R"({"ClientInfo":{"name":"\n\u202e","hue":1}})").info.name.empty());
}

TEST_CASE("SetLanguage with a control, line-separator or bidirectional formatting character is refused") {
    for (const char* bad : {"\\u0009", "\\u001f", "\\u007f", "\\u0085", "\\u2028", "\\u2029", "\\u202a", "\\u202e",
                            "\\u2066", "\\u2069", "\\u200e", "\\u200f", "\\u061c", "\\ufeff"}) {
        INFO(bad);
        CHECK(refused(std::string(R"({"SetLanguage":"py)") + bad + R"(thon"})"));
    }
    CHECK(parse_as<SetLanguage>(R"({"SetLanguage":"c++ 🎉 \u00a0"})").language == "c++ 🎉 \u00a0");
}

TEST_CASE("the display-control set has exact bounds") {
    for (char32_t cp : {0x00, 0x0A, 0x1F, 0x7F, 0x80, 0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202E,
                        0x2066, 0x2069, 0xFEFF}) {
        INFO(static_cast<std::uint32_t>(cp));
        CHECK(is_display_control(cp));
    }
    for (char32_t cp : {0x20, 0x7E, 0xA0, 0x061B, 0x061D, 0x200B, 0x200C, 0x200D, 0x2010, 0x2027, 0x202F, 0x2065,
                        0x206A, 0xFEFE, 0xFFFD, 0x1F389}) {
        INFO(static_cast<std::uint32_t>(cp));
        CHECK_FALSE(is_display_control(cp));
    }
    CHECK(strip_display_controls("a\u202eb\u2066🎉\u2069\n") == "ab🎉");
    CHECK_FALSE(has_display_control("Zoë 🎉 \u200d"));
}
