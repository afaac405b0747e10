#include "helpers.hpp"
#include "registry_fixture.hpp"
#include "session/frame_handler.hpp"

using namespace kolabpad::server;
using document::EditStatus;
using session::handle_frame;

namespace {
using Fixture = kolabpad::server::testing::RegistryFixture;
}  // namespace

TEST_CASE("frame handler: an Edit reaches the document and its outcome comes back") {
    Fixture f;
    auto d = f.doc();
    auto [p, id] = f.join(d);
    auto r = handle_frame(d.get(), id, R"({"Edit":{"revision":0,"operation":["hé🎉"]}})");
    CHECK_FALSE(r.error);
    REQUIRE(r.edit);
    CHECK(r.edit->status == EditStatus::applied);
    CHECK(d->text() == "hé🎉");
    auto bad = handle_frame(d.get(), id, R"({"Edit":{"revision":1,"operation":[9,"x"]}})");
    REQUIRE(bad.edit);
    CHECK(bad.edit->status == EditStatus::bad_operation);
    auto info = handle_frame(d.get(), id, "{\"ClientInfo\":{\"name\":\"\u202eBob\",\"hue\":3}}");
    CHECK_FALSE(info.error);
    CHECK_FALSE(info.edit);
    f.store->flush();
    CHECK(p->frames_with("UserInfo") == std::vector<std::string>{R"({"UserInfo":{"id":0,"info":{"name":"Bob","hue":3}}})"});
}

TEST_CASE("frame handler: invalid UTF-8, bad JSON and too deep a value are bad_message, 1007, and reach nobody") {
    Fixture f;
    auto d = f.doc();
    auto [p, id] = f.join(d);
    const std::string deep = R"({"Edit":{"revision":0,"operation":)" + std::string(100000, '[') +
                             std::string(100000, ']') + "}}";
    for (const std::string& frame : {std::string("{\"SetLanguage\":\"\xff\"}"), std::string("{\"Edit\":"), deep}) {
        auto r = handle_frame(d.get(), id, frame);
        REQUIRE(r.error);
        CHECK(r.error->code == "bad_message");
        CHECK(r.error->close_code == 1007);
        CHECK_FALSE(r.edit);
    }
    CHECK(handle_frame(d.get(), id, "{\"SetLanguage\":\"\xff\"}").error->message == "the text frame is not valid UTF-8");
    CHECK(handle_frame(d.get(), id, deep).error->message.starts_with("nested deeper than"));
    f.store->flush();
    CHECK(d->revision() == 0);
    CHECK(p->frames() == std::vector<std::string>{R"({"Identity":0})"});
}

TEST_CASE("frame handler: without a document a frame is only checked") {
    CHECK_FALSE(handle_frame(nullptr, 0, R"({"SetOTP":true})").error);
    CHECK_FALSE(handle_frame(nullptr, 0, R"({"Edit":{"revision":0,"operation":["x"]}})").edit);
    CHECK(handle_frame(nullptr, 0, R"({"SetOTP":1})").error);
}
