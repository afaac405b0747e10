// The storage commit window (STORAGE_COMMIT_WINDOW_MS): writes wait to share a transaction unless
// nobody else is about to write, and nothing ever waits past flush().
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "helpers.hpp"
#include "registry_fixture.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
using namespace std::chrono_literals;
using kolabpad::server::testing::TempDir;

namespace {

// A window far longer than any test waits: an acknowledgement seen means the window was cut short.
constexpr auto long_window = std::chrono::microseconds(60s);

storage::AppendOp append(std::uint64_t revision) {
    storage::OpRecord r;
    r.revision = revision;
    r.operation_json = revision == 0 ? R"(["a"])" : R"([1,"b"])";
    return storage::AppendOp{"doc", r};
}

// Polls `pred` until it holds or `limit` passes; returns its last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

}  // namespace

TEST_CASE("a write within the window waits; a Commit::now write cuts the window short and shares it") {
    TempDir dir;
    auto s = storage::SqliteStorage::open(dir.file("db"), storage::SqliteOptions{long_window});
    REQUIRE(s.ok());
    std::promise<bool> first, second;
    s.value()->submit(append(0), 1, [&](bool ok) { first.set_value(ok); }, storage::Commit::within_window);
    auto f1 = first.get_future();
    CHECK(f1.wait_for(100ms) == std::future_status::timeout);
    s.value()->submit(append(1), 1, [&](bool ok) { second.set_value(ok); }, storage::Commit::now);
    REQUIRE(f1.wait_for(10s) == std::future_status::ready);
    CHECK(f1.get());
    CHECK(second.get_future().get());
    CHECK(s.value()->commit_batch_sizes().count() == 1);
    CHECK(s.value()->commit_batch_sizes().sum() == 2);
}

TEST_CASE("flush commits writes waiting in the window at once") {
    TempDir dir;
    auto s = storage::SqliteStorage::open(dir.file("db"), storage::SqliteOptions{long_window});
    REQUIRE(s.ok());
    bool done = false;
    s.value()->submit(append(0), 1, [&](bool ok) { done = ok; }, storage::Commit::within_window);
    s.value()->flush();
    CHECK(done);
    CHECK(s.value()->pending_writes() == 0);
}

TEST_CASE("a full batch is committed without waiting out the window") {
    TempDir dir;
    auto s = storage::SqliteStorage::open(dir.file("db"), storage::SqliteOptions{long_window});
    REQUIRE(s.ok());
    std::atomic<std::size_t> done{0};
    for (std::size_t i = 0; i < storage::SqliteStorage::max_batch; ++i) {
        s.value()->submit(append(i), 1, [&](bool ok) { done += ok; }, storage::Commit::within_window);
        if (i == 0) std::this_thread::sleep_for(100ms);  // the writer is now waiting out the window
    }
    CHECK(eventually([&] { return done.load() == storage::SqliteStorage::max_batch; }));
}

TEST_CASE("a lone typist is acknowledged without waiting out the commit window") {
    kolabpad::server::testing::RegistryFixture f({}, {}, long_window);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);  // a reader who never types does not hold commits back
    f.type(d, ida, "h🎉");
    CHECK(eventually([&] { return a->frames_with("History").size() == 1; }));
    f.type(d, ida, "i");
    CHECK(eventually([&] { return b->frames_with("History").size() == 2; }));
}

TEST_CASE("edits of active authors share one commit, cut short once every one of them waits") {
    kolabpad::server::testing::RegistryFixture f({}, {}, long_window);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    f.type(d, ida, "x");  // only A has typed: nobody else to wait for
    REQUIRE(eventually([&] { return b->frames_with("History").size() == 1; }));
    f.type(d, idb, "y");  // A typed a moment ago and may type again: B's edit waits for it
    std::this_thread::sleep_for(100ms);
    CHECK(b->frames_with("History").size() == 1);
    CHECK(d->acknowledged_revision() == 1);
    f.type(d, ida, "z");  // now every active author awaits an acknowledgement: commit at once
    REQUIRE(eventually([&] { return d->acknowledged_revision() == 3; }));
    CHECK(b->frames_with(R"({"History":{"start":1,"operations":[{"id":1,"operation":[1,"y"]},{"id":0,"operation":[2,"z"]}]}})").size() == 1);
    CHECK(d->text() == "xyz");
}
