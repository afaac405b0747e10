#include "helpers.hpp"
#include "protocol/messages.hpp"

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
}
