// Documents and the registry under the operations features: admin eviction, memory accounting and
// enforcement, History hints for merging, event recording, the announced language.
#include <future>

#include "document/registry.hpp"
#include "helpers.hpp"
#include "registry_fixture.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::document;
using kolabpad::server::testing::op;
using kolabpad::server::testing::RecordingPeer;
using kolabpad::server::testing::TempDir;

namespace {

// A peer that records the History hints it is given.
class HintPeer : public RecordingPeer {
public:
    void deliver_history(document::Frame frame, std::uint64_t start, std::uint64_t count,
                         bool own) override {
        hints.emplace_back(start, count);
        owns.push_back(own);
        deliver(std::move(frame));
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> hints;
    std::vector<bool> owns;  // whether each History frame acknowledged this peer's edit
};

using Fixture = kolabpad::server::testing::RegistryFixture;

}  // namespace

TEST_CASE("evict_now sends Error evicted, closes with 4000, refuses later edits and keeps every edit") {
    Fixture f;
    auto d = f.doc("a");
    auto p = std::make_shared<RecordingPeer>();
    const auto user = d->join(p, std::nullopt).value();
    f.type(d, user, "saved 🎉");
    CHECK(f.registry->evict_now("a"));
    CHECK(p->close_code == close_evicted);
    CHECK(p->frames_with(R"({"Error":{"code":"evicted")").size() == 1);
    CHECK(d->edit(user, protocol::Edit{1, op("[7,\"x\"]"), std::nullopt, std::nullopt}).status == EditStatus::closed);
    CHECK(f.registry->find("a") == nullptr);
    CHECK_FALSE(f.registry->evict_now("a"));
    CHECK(f.registry->text("a").value() == "saved 🎉");
    auto again = f.doc("a");
    CHECK(again.get() != d.get());
    CHECK(again->text() == "saved 🎉");
    CHECK(f.telemetry.metrics.evictions.get("admin") == 1);
}

TEST_CASE("a join racing an admin eviction loads the document again from storage") {
    Fixture f;
    auto d = f.doc("race");
    auto p = std::make_shared<RecordingPeer>();
    const auto user = d->join(p, std::nullopt).value();
    f.type(d, user, "abc");
    REQUIRE(d->evict_now());  // evicted, still in the registry's map
    auto fresh = f.doc("race");
    CHECK(fresh.get() != d.get());
    CHECK(fresh->text() == "abc");
}

TEST_CASE("accounted memory grows with the text and the kept log") {
    Fixture f;
    auto d = f.doc("m");
    const auto empty = d->memory_bytes();
    auto p = std::make_shared<RecordingPeer>();
    const auto user = d->join(p, std::nullopt).value();
    f.type(d, user, std::string(100000, 'x'));
    CHECK(d->memory_bytes() >= empty + 300000);  // text + entry + operation
    CHECK(f.registry->memory_bytes() == d->memory_bytes());
}

TEST_CASE("enforce_memory evicts idle documents oldest first and never one with users") {
    Fixture f;
    auto writer = std::make_shared<RecordingPeer>();
    std::vector<std::string> ids = {"old", "mid", "new"};
    for (const auto& id : ids) {
        auto d = f.doc(id);
        const auto u = d->join(writer, std::nullopt).value();
        f.type(d, u, std::string(50000, 'a'));
        f.store->flush();
        d->leave(u);
    }
    auto hot = f.doc("hot");
    const auto hu = hot->join(std::make_shared<RecordingPeer>(), std::nullopt).value();
    f.type(hot, hu, std::string(50000, 'h'));
    f.store->flush();
    const auto per_doc = f.doc("old")->memory_bytes();
    // Room for the hot document and one idle one: the two oldest idle ones go.
    CHECK(f.registry->enforce_memory(2 * per_doc + per_doc / 2) == 2);
    CHECK(f.registry->find("old") == nullptr);
    CHECK(f.registry->find("mid") == nullptr);
    CHECK(f.registry->find("new") != nullptr);
    CHECK(f.registry->enforce_memory(0) == 1);
    CHECK(f.registry->find("hot") != nullptr);
    CHECK(f.registry->size() == 1);
    for (const auto& id : ids) CHECK(f.registry->text(id).value() == std::string(50000, 'a'));
    CHECK(f.telemetry.metrics.evictions.get("memory") == 3);
}

TEST_CASE("History frames come with their log range, on join and after each commit") {
    Fixture f;
    auto d = f.doc("h");
    auto w = std::make_shared<RecordingPeer>();
    const auto wu = d->join(w, std::nullopt).value();
    f.type(d, wu, "a");
    f.type(d, wu, "b");
    f.store->flush();
    auto p = std::make_shared<HintPeer>();
    d->join(p, std::nullopt);
    f.type(d, wu, "c");
    f.store->flush();
    CHECK(p->hints == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 2}, {2, 1}});
    CHECK(f.telemetry.metrics.edit_ack_latency.count() == 3);
}

TEST_CASE("joins, leaves and protection changes are recorded without the token") {
    Fixture f;
    auto d = f.doc("ev");
    auto p = std::make_shared<RecordingPeer>();
    const auto u = d->join(p, std::nullopt).value();
    d->set_otp(u, true);
    f.store->flush();
    const auto token = d->otp().value();
    d->leave(u);
    std::vector<std::string> kinds;
    for (const auto& e : f.telemetry.events.recent(10)) {
        kinds.push_back(e.kind);
        CHECK(e.document == "ev");
        CHECK(events::to_json(e).find(token) == std::string::npos);
    }
    CHECK(kinds == std::vector<std::string>{"join", "protect", "leave"});
}

TEST_CASE("a joiner gets the language as stored, so a change racing the join reaches it once") {
    Fixture f;
    auto d = f.doc("lang");
    auto a = std::make_shared<RecordingPeer>();
    const auto au = d->join(a, std::nullopt).value();
    for (int round = 0; round < 20; ++round) {
        const std::string lang = "lang" + std::to_string(round);
        d->set_language(au, lang);
        auto joiner = std::make_shared<RecordingPeer>();  // joins before or after the commit
        const auto ju = d->join(joiner, std::nullopt).value();
        f.store->flush();
        INFO(round);
        CHECK(joiner->frames_with("{\"Language\":\"" + lang + "\"}").size() == 1);
        d->leave(ju);
    }
}

TEST_CASE("edits committed in one batch reach each peer as one History frame, flagged for the author") {
    Fixture f;
    auto d = f.doc("batch");
    auto author = std::make_shared<HintPeer>();
    auto reader = std::make_shared<HintPeer>();
    const auto user = d->join(author, std::nullopt).value();
    d->join(reader, std::nullopt).value();
    // A write of another document holds the writer in its callback while three edits queue up.
    std::promise<void> entered, queued;
    auto entered_f = entered.get_future();
    auto queued_f = queued.get_future();
    storage::OpRecord blocker;
    blocker.operation_json = "[\"x\"]";
    f.store->submit(storage::AppendOp{"blocker", blocker}, 1, [&](bool) {
        entered.set_value();
        queued_f.wait();
    });
    // Only once the writer is inside that callback: typed earlier, an edit could join the blocker's batch.
    entered_f.wait();
    f.type(d, user, "👨‍👨‍👦‍👦");
    f.type(d, user, "é");
    f.type(d, user, "𝄞");
    queued.set_value();
    f.store->flush();
    using Hint = std::pair<std::uint64_t, std::uint64_t>;
    CHECK(author->hints == std::vector<Hint>{{0, 3}});
    CHECK(reader->hints == std::vector<Hint>{{0, 3}});
    CHECK(author->owns == std::vector<bool>{true});
    CHECK(reader->owns == std::vector<bool>{false});
    CHECK(d->acknowledged_revision() == 3);
    CHECK(d->text() == "👨‍👨‍👦‍👦é𝄞");
}
