// The access decision (net/access.hpp) over a real registry and SQLite file: modes, tokens, OTP,
// read-only links, refusal counting, that no refusal loads a document; the CORS origin rules; and
// read-only links in the document (answered to the asker alone, revoking the old one).
#include <fstream>
#include <map>

#include "auth/token_minter.hpp"
#include "config/config.hpp"
#include "helpers.hpp"
#include "net/access.hpp"
#include "net/cors.hpp"
#include "registry_fixture.hpp"
#include "test_keys.hpp"

using namespace kolabpad::server;
using net::Admission;
using net::Credentials;

namespace {

using Fixture = kolabpad::server::testing::RegistryFixture;

Config config_of(std::map<std::string, std::string> vars) {
    auto c = parse_config([vars](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    });
    INFO(c.error());
    REQUIRE(c.ok());
    return std::move(c).value();
}

const auto now = std::chrono::system_clock::now();
const std::int64_t t = testing::unix_seconds(now);

std::string hs_token(const std::string& claims, const std::string& header = R"({"alg":"HS256","typ":"JWT"})") {
    return testing::sign_token(header, claims, *auth::SigningKey::from_secret(testing::test_secret));
}

std::string claims(const std::string& doc, const std::string& role, std::int64_t exp, const std::string& extra = "") {
    return R"({"doc":")" + doc + R"(","role":")" + role + R"(","name":"Ada","sub":"u1","exp":)" + std::to_string(exp) +
           extra + "}";
}

Credentials with_token(std::string token) {
    Credentials c;
    c.token = std::move(token);
    return c;
}

// A peer let in by a read-only link.
class ViewLinkPeer : public testing::RecordingPeer {
public:
    document::PeerAccess access() const override { return {true, true, "view_link"}; }
};

}  // namespace

TEST_CASE("access: every admission's name reads back as that admission, and no other name does") {
    for (Admission a : {Admission::open, Admission::view_link, Admission::token}) {
        CHECK(net::admission_of(net::admission_name(a)) == std::optional<Admission>(a));
    }
    for (const char* other : {"", "otp", "Open", "view", "token "}) CHECK_FALSE(net::admission_of(other).has_value());
}

TEST_CASE("access: open mode lets anyone edit, the OTP guards a protected document, tokens are ignored") {
    Fixture f;
    const Config c = config_of({});
    net::AccessPolicy policy(c, *f.registry, &f.telemetry);
    auto d = policy.decide("doc", with_token("garbage"), "socket", now);
    REQUIRE(d.grant);
    CHECK(d.grant->role == auth::Role::edit);
    CHECK(d.grant->admission == Admission::open);
    CHECK_FALSE(d.grant->ends_at);

    auto doc = f.doc("guarded");
    auto [p, id] = f.join(doc);
    doc->set_otp(id, true);
    f.store->flush();
    const std::string otp = *doc->otp();
    Credentials wrong;
    wrong.otp = "nope";
    auto refused = policy.decide("guarded", wrong, "text", now);
    REQUIRE_FALSE(refused.grant);
    CHECK(refused.denial.status == 401);
    CHECK(refused.denial.reason == "wrong_otp");
    CHECK_FALSE(refused.denial.token);
    CHECK_FALSE(policy.decide("guarded", {}, "text", now).grant);
    Credentials right;
    right.otp = otp;
    CHECK(policy.decide("guarded", right, "text", now).grant->role == auth::Role::edit);
    CHECK(policy.decide("bad id!", {}, "text", now).denial.status == 400);
    CHECK(f.telemetry.metrics.auth_failures.get("wrong_otp") == 2);
}

TEST_CASE("access: a read-only link gives the view role, also past the OTP, and a wrong one loads nothing") {
    Fixture f;
    const Config c = config_of({});
    net::AccessPolicy policy(c, *f.registry, &f.telemetry);
    std::string link;
    {
        auto doc = f.doc("shared");
        auto [p, id] = f.join(doc);
        doc->set_otp(id, true);
        doc->create_view_link(id);
        f.store->flush();
        auto frames = p->frames_with("ViewLink");
        REQUIRE(frames.size() == 1);
        link = *doc->view_token();
        CHECK(frames[0] == R"({"ViewLink":{"token":")" + link + R"("}})");
        doc->leave(id);
    }
    Credentials view;
    view.view = link;
    auto hot = policy.decide("shared", view, "socket", now);
    REQUIRE(hot.grant);
    CHECK(hot.grant->role == auth::Role::view);
    CHECK(hot.grant->admission == Admission::view_link);

    f.store->flush();
    f.open();  // a restart: the document is cold now
    net::AccessPolicy cold_policy(c, *f.registry, &f.telemetry);
    auto cold = cold_policy.decide("shared", view, "socket", now);
    REQUIRE(cold.grant);
    CHECK(cold.grant->read_only());
    Credentials wrong;
    wrong.view = link.substr(1) + "x";
    wrong.otp = "ignored when a view link is given";
    auto refused = cold_policy.decide("shared", wrong, "socket", now);
    REQUIRE_FALSE(refused.grant);
    CHECK(refused.denial.reason == "wrong_view_link");
    Credentials on_unlinked;
    on_unlinked.view = link;
    CHECK(cold_policy.decide("never-linked", on_unlinked, "socket", now).denial.reason == "wrong_view_link");
    CHECK(f.registry->size() == 0);
    CHECK(f.registry->loads() == 0);
}

TEST_CASE("access: token mode needs a valid token that grants the document; every refusal has its reason") {
    Fixture f;
    const Config c = config_of({{"AUTH_MODE", "token"}, {"JWT_SECRET", testing::test_secret}, {"JWT_AUDIENCE", "kp"},
                                {"JWT_CLOCK_SKEW_SECONDS", "5"}});
    net::AccessPolicy policy(c, *f.registry, &f.telemetry);
    CHECK(policy.needs_token("anything"));
    const std::string aud = R"(,"aud":"kp")";

    auto edit = policy.decide("doc", with_token(hs_token(claims("doc", "edit", t + 60, aud))), "socket", now);
    REQUIRE(edit.grant);
    CHECK(edit.grant->role == auth::Role::edit);
    CHECK(edit.grant->admission == Admission::token);
    CHECK(edit.grant->tokens_only);
    CHECK(edit.grant->name == "Ada");
    CHECK(edit.grant->subject == "u1");
    REQUIRE(edit.grant->ends_at);
    CHECK(testing::unix_seconds(*edit.grant->ends_at) == t + 60 + 5);

    auto view = policy.decide("team-7", with_token(hs_token(claims("team-*", "view", t + 60, aud))), "socket", now);
    REQUIRE(view.grant);
    CHECK(view.grant->read_only());

    // Through the Authorization header, and ?token= first when both are there.
    auto header = policy.decide("doc", net::credentials_of({}, "Bearer " + hs_token(claims("doc", "view", t + 60, aud))),
                                "text", now);
    REQUIRE(header.grant);
    CHECK(header.grant->read_only());
    auto both = net::credentials_of({{"token", hs_token(claims("doc", "edit", t + 60, aud))}},
                                    "Bearer " + hs_token(claims("doc", "view", t + 60, aud)));
    CHECK(policy.decide("doc", both, "text", now).grant->role == auth::Role::edit);
    CHECK_FALSE(net::credentials_of({}, "Basic abc").token);

    const auto rsa_pem = testing::rsa_pair().public_pem;
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"missing", ""},
        {"expired", hs_token(claims("doc", "edit", t - 6, aud))},
        {"not_yet_valid", hs_token(claims("doc", "edit", t + 60, aud + R"(,"nbf":)" + std::to_string(t + 30)))},
        {"bad_signature", testing::sign_token(R"({"alg":"HS256","typ":"JWT"})", claims("doc", "edit", t + 60, aud),
                                              *auth::SigningKey::from_secret("another-secret-0123456789abcdefgh"))},
        {"wrong_audience", hs_token(claims("doc", "edit", t + 60, R"(,"aud":"other")"))},
        {"wrong_document", hs_token(claims("other", "edit", t + 60, aud))},
        {"alg_refused", auth::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                            auth::base64url_encode(claims("doc", "edit", t + 60, aud)) + "."},
        {"alg_refused", hs_token(claims("doc", "edit", t + 60, aud), R"({"alg":"RS256","typ":"JWT"})")},
        {"malformed", "not.a.token"},
    };
    for (const auto& [reason, token] : refused) {
        INFO(reason);
        Credentials cr = with_token(token);
        cr.otp = "irrelevant";
        auto d = policy.decide("doc", cr, "socket", now);
        REQUIRE_FALSE(d.grant);
        CHECK(d.denial.status == 401);
        CHECK(d.denial.reason == reason);
        CHECK(d.denial.token);
        CHECK(d.denial.message.find(token.empty() ? "\x01" : token) == std::string::npos);
    }
    // OTP and view links never stand in for a token.
    Credentials otp_only;
    otp_only.otp = "x";
    otp_only.view = "y";
    CHECK(policy.decide("doc", otp_only, "socket", now).denial.reason == "missing");
    CHECK(f.telemetry.metrics.auth_failures.get("alg_refused") == 2);
    CHECK(f.telemetry.metrics.auth_failures.get("missing") == 2);
    CHECK(f.telemetry.metrics.auth_failures.get("expired") == 1);
    CHECK(f.telemetry.metrics.auth_failures.get("wrong_view_link") == 0);  // registered before any refusal
    CHECK(f.telemetry.metrics.auth_failures.values().count("wrong_view_link") == 1);
    bool recorded = false;
    for (const auto& e : f.telemetry.events.recent(100)) recorded = recorded || (e.kind == "auth_failure" && e.detail == "socket:expired");
    CHECK(recorded);
    CHECK(f.registry->size() == 0);
    CHECK(f.registry->loads() == 0);
}

TEST_CASE("access: an HS256 token keyed with the RSA public key is refused by an RS256 server") {
    Fixture f;
    testing::TempDir dir;
    const std::string pub = dir.file("rsa.pub");
    std::ofstream(pub) << testing::rsa_pair().public_pem;
    const Config c = config_of({{"AUTH_MODE", "token"}, {"JWT_PUBLIC_KEY_FILE", pub}});
    net::AccessPolicy policy(c, *f.registry, &f.telemetry);
    // The classic confusion: a verifier that lets the token pick HMAC would key it with the PEM text.
    const std::string forged = testing::sign_token(R"({"alg":"HS256","typ":"JWT"})", claims("doc", "edit", t + 60),
                                                   *auth::SigningKey::from_secret(testing::rsa_pair().public_pem));
    auto d = policy.decide("doc", with_token(forged), "socket", now);
    REQUIRE_FALSE(d.grant);
    CHECK(d.denial.reason == "alg_refused");
}

TEST_CASE("access: mixed mode asks a token only of the documents AUTH_TOKEN_DOCUMENTS names; the others keep the OTP") {
    Fixture f;
    const Config c = config_of({{"AUTH_MODE", "mixed"}, {"JWT_SECRET", testing::test_secret},
                                {"AUTH_TOKEN_DOCUMENTS", "exam, course-7-*"}});
    net::AccessPolicy policy(c, *f.registry, &f.telemetry);
    CHECK(policy.needs_token("exam"));
    CHECK(policy.needs_token("course-7-a"));
    CHECK_FALSE(policy.needs_token("exam2"));
    CHECK_FALSE(policy.needs_token("course-8-a"));
    CHECK(policy.decide("course-7-a", {}, "socket", now).denial.reason == "missing");
    CHECK(policy.decide("course-7-a", with_token(hs_token(claims("course-7-*", "edit", t + 60))), "socket", now).grant);
    auto open = policy.decide("notes", with_token("not even a token"), "socket", now);
    REQUIRE(open.grant);
    CHECK(open.grant->admission == Admission::open);
    CHECK_FALSE(open.grant->tokens_only);
    auto doc = f.doc("notes");
    auto [p, id] = f.join(doc);
    doc->set_otp(id, true);
    f.store->flush();
    CHECK(policy.decide("notes", {}, "socket", now).denial.reason == "wrong_otp");
}

TEST_CASE("access: a new read-only link goes to the asker alone and closes the connections of the old one") {
    Fixture f;
    auto doc = f.doc("d");
    auto [editor, eid] = f.join(doc);
    auto [other, oid] = f.join(doc);
    auto viewer = std::make_shared<ViewLinkPeer>();
    REQUIRE(doc->join(viewer, std::nullopt).ok());
    doc->create_view_link(eid);
    f.store->flush();
    const std::string first = *doc->view_token();
    CHECK(editor->frames_with("ViewLink").size() == 1);
    CHECK(other->frames_with("ViewLink").empty());
    CHECK(viewer->frames_with("ViewLink").empty());
    CHECK(viewer->close_code == document::close_view_link_revoked);  // admitted by no link that still works
    CHECK(f.store->load_view_token("d").value() == std::optional<std::string>(first));
    CHECK(other->close_code == 0);

    auto late = std::make_shared<ViewLinkPeer>();
    REQUIRE(doc->join(late, std::nullopt).ok());
    doc->create_view_link(oid);
    f.store->flush();
    const std::string second = *doc->view_token();
    CHECK(second != first);
    CHECK(first.size() == 24);
    REQUIRE(other->frames_with("ViewLink").size() == 1);
    CHECK(other->frames_with("ViewLink")[0].find(second) != std::string::npos);
    CHECK(editor->frames_with("ViewLink").size() == 1);
    CHECK(late->frames_with("view_link_revoked").size() == 1);
    CHECK(late->close_code == document::close_view_link_revoked);
    CHECK(editor->close_code == 0);
    bool shown = false;
    for (const auto& u : doc->users()) shown = shown || (u.access.view_link && u.access.read_only);
    CHECK(shown);  // the admin API sees who came in by a link
}

TEST_CASE("cors: without a list every origin may; with one, the listed origins and the server's own host") {
    net::configure_cors(auth::OriginList{});
    CHECK(net::origin_allowed(std::nullopt, "pad.example"));
    CHECK(net::origin_allowed("https://evil.example", "pad.example"));
    auto any = net::cors_headers("https://lms.example", "pad.example");
    REQUIRE(any.size() == 1);
    CHECK(any[0].second == "*");
    CHECK(net::cors_headers(std::nullopt, "pad.example").empty());

    net::configure_cors(*auth::OriginList::parse("https://lms.example, http://localhost:5173"));
    CHECK(net::origin_allowed(std::nullopt, "pad.example"));
    CHECK(net::origin_allowed("https://LMS.example:443", "pad.example"));
    CHECK(net::origin_allowed("http://localhost:5173", "pad.example"));
    CHECK_FALSE(net::origin_allowed("https://evil.example", "pad.example"));
    CHECK_FALSE(net::origin_allowed("null", "pad.example"));
    CHECK_FALSE(net::origin_allowed("http://localhost:5174", "pad.example"));
    // The server's own pages, over http or https in front of it, with or without the default port.
    CHECK(net::origin_allowed("https://pad.example", "pad.example"));
    CHECK(net::origin_allowed("http://pad.example:8080", "PAD.example:8080"));
    CHECK(net::origin_allowed("https://pad.example", "pad.example:443"));
    CHECK_FALSE(net::origin_allowed("https://pad.example.evil", "pad.example"));
    CHECK(net::cors_headers("https://pad.example", "pad.example").empty());  // same origin: nothing to say
    auto listed = net::cors_headers("https://lms.example", "pad.example");
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].second == "https://lms.example");
    CHECK(listed[1].second == "Origin");
    CHECK(net::cors_headers("https://evil.example", "pad.example").empty());
    net::configure_cors(auth::OriginList{});
}
