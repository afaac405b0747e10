#include "document/registry.hpp"
#include "protocol/client_tag.hpp"
#include "helpers.hpp"
#include "registry_fixture.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::document;
using kolabpad::server::testing::op;
using kolabpad::server::testing::RecordingPeer;
using kolabpad::server::testing::TempDir;

namespace {

using Fixture = kolabpad::server::testing::RegistryFixture;

protocol::Edit edit(std::uint64_t revision, const std::string& json, std::optional<std::string> client = {},
                    std::optional<std::uint64_t> seq = {}) {
    return protocol::Edit{revision, op(json), std::move(client), seq};
}

}  // namespace

TEST_CASE("first frame is Identity and an empty document sends no History") {
    Fixture f;
    auto d = f.doc();
    auto [p, id] = f.join(d);
    CHECK(id == 0);
    CHECK(p->frames() == std::vector<std::string>{R"({"Identity":0})"});
}

TEST_CASE("an edit is broadcast to everyone, sender included, once committed") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["hé🎉"])", "c1", 1)).status == EditStatus::applied);
    f.store->flush();
    // History carries the tag of the secret client id, never the id itself.
    const std::string h = R"({"History":{"start":0,"operations":[{"id":0,"operation":["hé🎉"],"client":")" +
                          protocol::client_tag("c1") + R"(","seq":1}]}})";
    CHECK(a->frames_with("History") == std::vector<std::string>{h});
    CHECK(b->frames_with("History") == std::vector<std::string>{h});
    CHECK(d->text() == "hé🎉");
    CHECK(d->revision() == 1);
    CHECK(d->acknowledged_revision() == 1);
}

TEST_CASE("a stale edit is transformed over newer history, incoming insert first on ties") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["abc"])")).status == EditStatus::applied);
    REQUIRE(d->edit(idb, edit(0, R"(["X"])")).status == EditStatus::applied);
    f.store->flush();
    CHECK(d->text() == "Xabc");
    CHECK(b->frames_with(R"("operation":["X",3])").size() == 1);
}

TEST_CASE("stored cursors move with every applied operation") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["abcdef"])")).status == EditStatus::applied);
    d->set_cursor(ida, protocol::CursorData{{2}, {{1, 3}}});
    REQUIRE(d->edit(ida, edit(1, R"(["👨‍👨‍👦‍👦",6])")).status == EditStatus::applied);
    REQUIRE(d->edit(ida, edit(2, R"([8,-3,2])")).status == EditStatus::applied);
    f.store->flush();
    auto [late, idl] = f.join(d);
    // Insert of 7 code points at 0 moves 2 -> 9 and [1,3] -> [8,10]; deleting [8,11) pulls them to 8.
    CHECK(late->frames_with("UserCursor") ==
          std::vector<std::string>{R"({"UserCursor":{"id":0,"data":{"cursors":[8],"selections":[[8,8]]}}})"});
}

TEST_CASE("the same client and seq is applied once, also after a restart") {
    Fixture f;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        CHECK(d->edit(ida, edit(0, R"(["a"])", "tab", 1)).status == EditStatus::applied);
        CHECK(d->edit(ida, edit(0, R"(["a"])", "tab", 1)).status == EditStatus::duplicate);
        CHECK(d->edit(ida, edit(1, R"([1,"b"])", "tab", 2)).status == EditStatus::applied);
        CHECK(d->edit(ida, edit(1, R"([1,"b"])", "other", 2)).status == EditStatus::applied);
        f.store->flush();
        CHECK(d->revision() == 3);
    }
    f.open();
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    CHECK(d->edit(ida, edit(1, R"([1,"b"])", "tab", 2)).status == EditStatus::duplicate);
    CHECK(d->revision() == 3);
    CHECK(d->text() == "abb");
}

TEST_CASE("an edit that became a no-op is still appended") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["abc"])")).status == EditStatus::applied);
    REQUIRE(d->edit(ida, edit(1, R"([3])")).status == EditStatus::applied);
    REQUIRE(d->edit(ida, edit(1, R"([])")).status == EditStatus::bad_operation);
    f.store->flush();
    CHECK(d->revision() == 2);
    CHECK(a->frames_with(R"("operation":[3])").size() == 1);
}

TEST_CASE("an edit past the size limit is Rejected and changes nothing") {
    Fixture f(Limits{10, 500, 10000});
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉"])", "c", 1)).status == EditStatus::applied);
    CHECK(d->edit(ida, edit(1, R"([10,"x"])", "c", 2)).status == EditStatus::rejected);
    CHECK(d->edit(ida, edit(1, R"([10,"y"])")).status == EditStatus::rejected);
    f.store->flush();
    CHECK(d->revision() == 1);
    auto r = a->frames_with("Rejected");
    REQUIRE(r.size() == 2);
    CHECK(r[0].find(R"("seq":2,"code":"document_too_large")") != std::string::npos);
    CHECK(r[1].find(R"("seq":null,"code":"document_too_large")") != std::string::npos);
    // Deleting still works at the limit.
    CHECK(d->edit(ida, edit(1, R"([9,-1])")).status == EditStatus::applied);
}

TEST_CASE("revisions ahead of the log and wrong base lengths are refused") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    CHECK(d->edit(ida, edit(1, R"(["x"])")).status == EditStatus::bad_revision);
    CHECK(d->edit(ida, edit(0, R"([1,"x"])")).status == EditStatus::bad_operation);
    CHECK(d->revision() == 0);
    auto p = std::make_shared<RecordingPeer>();
    CHECK_FALSE(d->join(p, 5).ok());
    CHECK(p->frames() == std::vector<std::string>{R"({"Identity":1})"});  // Identity first, then the error
    CHECK(d->connections() == 1);
}

TEST_CASE("a resuming client gets only the History after its revision") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    for (std::uint64_t i = 0; i < 4; ++i) REQUIRE(d->edit(ida, edit(i, "[" + std::to_string(i) + ",\"x\"]")).status == EditStatus::applied);
    f.store->flush();
    auto [b, idb] = f.join(d, 2);
    auto h = b->frames_with("History");
    REQUIRE(h.size() == 1);
    CHECK(h[0].rfind(R"({"History":{"start":2,"operations":[{"id":0,"operation":[2,"x"]})", 0) == 0);
    auto [c, idc] = f.join(d, 4);
    CHECK(c->frames_with("History").empty());
}

TEST_CASE("snapshots bound the log and a late joiner gets Snapshot then History") {
    Fixture f(Limits{1000, 3, 2});
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        for (std::uint64_t i = 0; i < 10; ++i) REQUIRE(d->edit(ida, edit(i, "[" + std::to_string(i) + ",\"é\"]")).status == EditStatus::applied);
        f.store->flush();
        CHECK(d->log_start() > 0);
        auto [b, idb] = f.join(d);
        auto frames = b->frames();
        REQUIRE(frames.size() >= 3);
        CHECK(frames[1].rfind(R"({"Snapshot":{"revision":)" + std::to_string(d->log_start()), 0) == 0);
        CHECK(frames[2].rfind(R"({"History":{"start":)" + std::to_string(d->log_start()), 0) == 0);
        d->leave(ida);
        d->leave(idb);
        f.store->flush();
    }
    f.open();
    auto d = f.doc();
    CHECK(d->revision() == 10);
    CHECK(d->text() == "éééééééééé");
    auto [c, idc] = f.join(d, 0);
    CHECK(c->frames_with("Snapshot").size() == 1);
    // The kept log survives the restart: a client at a kept revision resumes with History only.
    const std::uint64_t start = d->log_start();
    CHECK(start < 10);
    auto [r, idr] = f.join(d, start);
    CHECK(r->frames_with("Snapshot").empty());
    CHECK(r->frames_with(R"({"History":{"start":)" + std::to_string(start)).size() == 1);
}

TEST_CASE("SetOTP protects the document, checked without loading it") {
    Fixture f;
    std::string token;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        d->set_user_info(ida, protocol::UserInfo{"Alice", 3});
        d->set_otp(ida, true);
        f.store->flush();
        auto o = a->frames_with("\"OTP\"");
        REQUIRE(o.size() == 1);
        token = *d->otp();
        CHECK(token.size() >= 20);
        CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
              std::string::npos);
        CHECK(o[0] == R"({"OTP":{"otp":")" + token + R"(","user_id":0,"user_name":"Alice"}})");
        CHECK(f.registry->check_access("doc", std::nullopt) == Access::denied);
        CHECK(f.registry->check_access("doc", token) == Access::allowed);
    }
    f.open();
    CHECK(f.registry->check_access("doc", std::string("wrong")) == Access::denied);
    CHECK(f.registry->check_access("doc", std::nullopt) == Access::denied);
    CHECK(f.registry->size() == 0);
    CHECK(f.registry->check_access("doc", token) == Access::allowed);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    d->set_otp(ida, false);
    f.store->flush();
    CHECK(a->frames_with(R"("otp":null)").size() == 1);
    CHECK(f.registry->check_access("doc", std::nullopt) == Access::allowed);
}

TEST_CASE("language, user info and leaving are broadcast and late joiners see them") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    d->set_language(idb, "python");
    d->set_user_info(ida, protocol::UserInfo{"Ann", 7});
    f.store->flush();
    CHECK(a->frames_with("Language").size() == 2);
    CHECK(a->frames_with(R"({"LanguageBy":1})").size() == 1);
    auto [c, idc] = f.join(d);
    auto frames = c->frames();
    REQUIRE(frames.size() == 3);
    CHECK(frames[1] == R"({"Language":"python"})");
    CHECK(frames[2] == R"({"UserInfo":{"id":0,"info":{"name":"Ann","hue":7}}})");
    d->leave(ida);
    CHECK(c->frames_with(R"({"UserInfo":{"id":0,"info":null}})").size() == 1);
}

TEST_CASE("Signal reaches only its addressee") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    auto [c, idc] = f.join(d);
    d->signal(ida, idc, R"({"sdp":"x"})");
    CHECK(c->frames_with(R"({"Signal":{"from":0,"data":{"sdp":"x"}}})").size() == 1);
    CHECK(b->frames_with("Signal").empty());
    d->signal(ida, 99, "{}");  // unknown addressee: dropped
}

TEST_CASE("idle documents are evicted, connected ones never") {
    Fixture f;
    auto d = f.doc("one");
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["keep"])")).status == EditStatus::applied);
    f.store->flush();
    f.doc("two");
    CHECK(f.registry->evict_idle(std::chrono::seconds(0)) == 1);
    CHECK(f.registry->size() == 1);
    d->leave(ida);
    f.store->flush();
    CHECK(f.registry->evict_idle(std::chrono::seconds(0)) == 1);
    CHECK(f.registry->size() == 0);
    f.store->flush();
    CHECK(f.doc("one")->text() == "keep");
}

TEST_CASE("user ids are not reused after a restart") {
    Fixture f;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        auto [b, idb] = f.join(d);
        REQUIRE(d->edit(idb, edit(0, R"(["x"])")).status == EditStatus::applied);
        f.store->flush();
    }
    f.open();
    auto [c, idc] = f.join(f.doc());
    CHECK(idc == 2);
}

TEST_CASE("/api/text of a cold document does not keep it in memory") {
    Fixture f;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        REQUIRE(d->edit(ida, edit(0, R"(["text 🎉"])")).status == EditStatus::applied);
        f.store->flush();
    }
    f.open();
    CHECK(f.registry->text("doc").value() == "text 🎉");
    CHECK(f.registry->text("unknown").value().empty());
    CHECK(f.registry->size() == 0);
}

TEST_CASE("a write storage refuses closes the document's connections with storage_failure") {
    Fixture f;
    // A second server process on the same file takes revision 0 first: our commit then fails.
    auto other = storage::SqliteStorage::open(f.file);
    REQUIRE(other.ok());
    Registry other_registry(*other.value(), Limits{});
    auto theirs = other_registry.get("doc").value();
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    auto [t, idt] = f.join(theirs);
    REQUIRE(theirs->edit(idt, edit(0, R"(["theirs"])")).status == EditStatus::applied);
    other.value()->flush();
    REQUIRE(d->edit(ida, edit(0, R"(["ours"])")).status == EditStatus::applied);
    f.store->flush();
    CHECK(a->frames_with("History").empty());  // never acknowledged
    CHECK(a->frames_with(R"({"Error":{"code":"storage_failure")").size() == 1);
    CHECK(b->frames_with(R"({"Error":{"code":"storage_failure")").size() == 1);
    CHECK(a->close_code.load() == 1011);
    CHECK(d->broken());
    CHECK_FALSE(f.store->healthy());
    CHECK(f.registry->size() == 0);  // dropped; the next visit loads what storage holds
    CHECK(f.doc()->text() == "theirs");
}

TEST_CASE("shutdown snapshots every document and closes its connections with 1001") {
    Fixture f;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        REQUIRE(d->edit(ida, edit(0, R"(["bye 👋"])")).status == EditStatus::applied);
        f.store->flush();
        f.registry->shutdown();
        f.store->flush();
        CHECK(a->close_code.load() == 1001);
        CHECK(d->connections() == 0);
    }
    auto rec = f.store->load("doc").value();
    CHECK(rec.snapshot_revision == 1);
    CHECK(rec.snapshot_text == "bye 👋");
}

TEST_CASE("storage keeps the client tag, never the secret client id") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["x"])", "secret-of-a", 1)).status == EditStatus::applied);
    f.store->flush();
    auto rec = f.store->load("doc").value();
    REQUIRE(rec.ops.size() == 1);
    CHECK(rec.ops[0].client == std::optional<std::string>(protocol::client_tag("secret-of-a")));
    for (const auto& fr : a->frames()) CHECK(fr.find("secret-of-a") == std::string::npos);
}

TEST_CASE("an attacker who copies a victim's History client cannot block the victim's edits") {
    Fixture f;
    auto d = f.doc();
    auto [victim, idv] = f.join(d);
    auto [attacker, idx] = f.join(d);
    REQUIRE(d->edit(idv, edit(0, R"(["v1"])", "victim-secret", 1)).status == EditStatus::applied);
    f.store->flush();
    const std::string shown = protocol::client_tag("victim-secret");
    // The attacker replays what History showed, with the largest seq.
    CHECK(d->edit(idx, edit(1, R"([2])", shown, UINT64_MAX)).status == EditStatus::applied);
    CHECK(d->edit(idv, edit(2, R"([2,"v2"])", "victim-secret", 2)).status == EditStatus::applied);
    f.store->flush();
    CHECK(d->text() == "v1v2");
    CHECK(victim->frames_with(R"("client":")" + shown + R"(","seq":2})").size() == 1);
}

TEST_CASE("a seq that jumps more than EDIT_SEQ_MAX_GAP past the last one is bad_seq") {
    Limits limits;
    limits.edit_seq_max_gap = 10;
    Fixture f(limits);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    // A first seq for an unknown client is accepted, however large.
    CHECK(d->edit(ida, edit(0, R"(["a"])", "c", 1000000)).status == EditStatus::applied);
    CHECK(d->edit(ida, edit(1, R"([1,"b"])", "c", 1000010)).status == EditStatus::applied);
    CHECK(d->edit(ida, edit(2, R"([2,"c"])", "c", 1000021)).status == EditStatus::bad_seq);
    CHECK(d->revision() == 2);
}

TEST_CASE("cursor positions are clamped to the text's length when stored") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    REQUIRE(d->edit(ida, edit(0, R"(["h🎉y"])")).status == EditStatus::applied);
    f.store->flush();
    auto [b, idb] = f.join(d);
    d->set_cursor(idb, protocol::CursorData{{UINT64_MAX, 1}, {{2, UINT64_MAX}}});
    CHECK(a->frames_with("UserCursor") ==
          std::vector<std::string>{R"({"UserCursor":{"id":1,"data":{"cursors":[3,1],"selections":[[2,3]]}}})"});
}

TEST_CASE("a user's cursor is held until the History of that user's earlier edit is broadcast") {
    Fixture f(Limits{}, {}, std::chrono::seconds(2));
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [obs, ido] = f.join(d);
    f.type(d, ido, "o");
    f.store->flush();
    // obs typed just now: a's edit waits in the commit window while a's cursors arrive.
    REQUIRE(d->edit(ida, edit(1, R"([1,"abc"])", "a", 1)).status == EditStatus::applied);
    d->set_cursor(ida, protocol::CursorData{{4}, {}});
    d->set_cursor(ida, protocol::CursorData{{2}, {}});  // replaces the held one
    CHECK(obs->frames_with("UserCursor").empty());
    f.store->flush();
    const auto frames = obs->frames();
    std::vector<std::string> kinds;
    for (const auto& fr : frames) kinds.push_back(fr.substr(2, fr.find('"', 2) - 2));
    CHECK(kinds == std::vector<std::string>{"Identity", "History", "History", "UserCursor"});
    CHECK(frames.back() == R"({"UserCursor":{"id":0,"data":{"cursors":[2],"selections":[]}}})");
    // Without edits of its own waiting, a cursor goes out at once.
    d->set_cursor(ido, protocol::CursorData{{1}, {}});
    CHECK(a->frames_with(R"({"UserCursor":{"id":1,)").size() == 1);
}

TEST_CASE("the kept log is bounded in bytes: large edits keep memory and what a load reads small") {
    Limits limits;
    limits.log_retention_bytes = 1024 * 1024;
    Fixture f(limits);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    const std::string big(200 * 1024, 'x');
    std::uint64_t peak = 0;
    for (std::uint64_t i = 0; i < 60; ++i) {
        const auto [rev, len] = d->head();
        kolabpad::ot::Operation o;
        if (len == 0) o.insert(big);
        else o.remove(len);
        REQUIRE(d->edit(ida, protocol::Edit{rev, o, std::string("c"), i + 1}).status == EditStatus::applied);
        f.store->flush();
        peak = std::max(peak, d->memory_bytes());
    }
    // 60 edits of 200 KB are 6 MB of log (12 MB accounted); the bound keeps about 1.25 MB of it.
    CHECK(peak < 4 * 1024 * 1024);
    CHECK(d->log_start() > 40);
    // The database keeps the whole log (history); a load reads a tail within the same bound.
    CHECK(f.store->load("doc").value().ops.size() == 60);
    std::uint64_t loaded = 0;
    const auto tail = f.store->load("doc", storage::LoadTail{limits.log_retention_ops, limits.log_retention_bytes}).value();
    for (const auto& r : tail.ops) loaded += r.operation_json.size();
    CHECK(loaded < 2 * 1024 * 1024);
    // A client resuming from before the kept log gets a Snapshot, then the History after it.
    auto [late, idl] = f.join(d, 1);
    const auto frames = late->frames();
    REQUIRE(frames.size() >= 2);
    CHECK(frames[1].rfind(R"({"Snapshot":{"revision":)" + std::to_string(d->log_start()) + ",", 0) == 0);
}

TEST_CASE("shutdown acknowledges the edits still waiting in the commit batch before closing") {
    Fixture f(Limits{}, {}, std::chrono::seconds(2));
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    f.type(d, idb, "b");
    f.store->flush();
    // b typed just now and is not waiting for anything: a's edit waits out the 2 s window for b.
    REQUIRE(d->edit(ida, edit(1, R"([1,"a"])")).status == EditStatus::applied);
    CHECK(a->frames_with(R"("start":1)").empty());
    f.registry->shutdown();
    CHECK(a->frames_with(R"({"History":{"start":1,"operations":[{"id":0,"operation":[1,"a"]}]}})").size() == 1);
    CHECK(b->frames_with(R"({"History":{"start":1,)").size() == 1);
    CHECK(a->close_code.load() == 1001);
    // After shutdown began, an edit is not sequenced (it could never be acknowledged).
    CHECK(d->edit(idb, edit(2, R"([2,"late"])")).status == EditStatus::shutting_down);
    CHECK(d->revision() == 2);
}

TEST_CASE("after the upgrade that hashes stored client ids, a resend from before it is still a duplicate") {
    TempDir dir;
    const std::string path = dir.file("v3.db");
    {
        storage::Connection c;
        REQUIRE(c.open(path).ok());
        REQUIRE(storage::migrate_to(c, 3).value() == 3);
        REQUIRE(c.exec("INSERT INTO documents (id, next_user_id, created_at, updated_at) VALUES ('doc', 1, 1, 1)"));
        REQUIRE(c.exec("INSERT INTO operations VALUES ('doc', 0, '[\"a\"]', 'tab', 1, 0, 1)"));
    }
    Fixture f(Limits{}, path);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    CHECK(a->frames_with(R"("client":")" + protocol::client_tag("tab") + R"(","seq":1})").size() == 1);
    CHECK(d->edit(ida, edit(0, R"(["a"])", "tab", 1)).status == EditStatus::duplicate);
    CHECK(d->edit(ida, edit(1, R"([1,"b"])", "tab", 2)).status == EditStatus::applied);
    CHECK(d->text() == "ab");
}
