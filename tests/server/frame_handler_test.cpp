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

TEST_CASE("frame handler: a viewer's changes are Rejected read_only and reach nothing; presence still works") {
    Fixture f;
    auto d = f.doc();
    auto [editor, eid] = f.join(d);
    auto [viewer, vid] = f.join(d);
    session::Permissions view;
    view.read_only = true;
    const std::vector<std::pair<std::string, std::string>> refused = {
        {R"({"Edit":{"revision":0,"operation":["x"],"client":"c","seq":7}})", R"({"Rejected":{"seq":7,"code":"read_only","message":"this connection is read-only"}})"},
        {R"({"Edit":{"revision":0,"operation":["x"]}})", R"({"Rejected":{"seq":null,"code":"read_only","message":"this connection is read-only"}})"},
        {R"({"SetLanguage":"python"})", R"({"Rejected":{"seq":null,"code":"read_only","message":"this connection is read-only"}})"},
        {R"({"SetOTP":true})", R"({"Rejected":{"seq":null,"code":"read_only","message":"this connection is read-only"}})"},
        {R"({"CreateViewLink":null})", R"({"Rejected":{"seq":null,"code":"read_only","message":"this connection is read-only"}})"},
    };
    for (const auto& [frame, answer] : refused) {
        INFO(frame);
        auto r = handle_frame(d.get(), vid, frame, view);
        CHECK_FALSE(r.error);
        CHECK_FALSE(r.edit);
        CHECK(r.rejected == std::optional<std::string>("read_only"));
        CHECK(r.reply == std::optional<std::string>(answer));
    }
    CHECK_FALSE(handle_frame(d.get(), vid, R"({"ClientInfo":{"name":"Vi","hue":5}})", view).rejected);
    CHECK_FALSE(handle_frame(d.get(), vid, R"({"CursorData":{"cursors":[0],"selections":[]}})", view).rejected);
    // A malformed frame is still bad_message, not a refusal.
    CHECK(handle_frame(d.get(), vid, R"({"Edit":1})", view).error);
    f.store->flush();
    CHECK(d->revision() == 0);
    CHECK_FALSE(d->otp());
    CHECK_FALSE(d->view_token());
    CHECK(editor->frames_with("Language").empty());
    CHECK(editor->frames_with("History").empty());
    CHECK(editor->frames_with(R"("name":"Vi")").size() == 1);
    CHECK(editor->frames_with("UserCursor").size() == 1);
    // The same frames from an editor do reach the document.
    CHECK(handle_frame(d.get(), eid, R"({"Edit":{"revision":0,"operation":["x"]}})").edit->status == EditStatus::applied);
}

TEST_CASE("frame handler: with a token the shown name is the token's; on a token document OTP and links are off") {
    Fixture f;
    auto d = f.doc();
    auto [p, id] = f.join(d);
    session::Permissions token;
    token.name = "Ada Lovelace";
    token.tokens_only = true;
    CHECK_FALSE(handle_frame(d.get(), id, R"({"ClientInfo":{"name":"The Admin","hue":42}})", token).error);
    for (const char* frame : {R"({"SetOTP":true})", R"({"CreateViewLink":null})"}) {
        auto r = handle_frame(d.get(), id, frame, token);
        CHECK(r.rejected == std::optional<std::string>("tokens_only"));
    }
    f.store->flush();
    CHECK(p->frames_with("UserInfo") == std::vector<std::string>{R"({"UserInfo":{"id":0,"info":{"name":"Ada Lovelace","hue":42}}})"});
    CHECK_FALSE(d->otp());
    CHECK_FALSE(d->view_token());
    // An empty token name is still the token's: nobody picks their own.
    session::Permissions nameless;
    nameless.name = "";
    handle_frame(d.get(), id, R"({"ClientInfo":{"name":"Mallory","hue":1}})", nameless);
    CHECK(d->users()[0].info->name.empty());
}
