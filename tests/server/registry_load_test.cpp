// The registry's loads off the caller's thread: coalescing, /api/text from the latest snapshot,
// and stopping with loads queued. A gate in front of the real SQLite storage holds loads open so
// that concurrent requests overlap for certain, not by timing.
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "registry_fixture.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::testing;
using namespace std::chrono_literals;
namespace ot = kolabpad::ot;
namespace metrics = kolabpad::server::metrics;

namespace {

// Forwards to a real storage; whole-document reads wait until the gate opens, and are counted.
class GatedStorage final : public storage::Storage {
public:
    explicit GatedStorage(storage::Storage& inner) : inner_(inner) {}

    ot::Result<storage::DocumentRecord> load(const std::string& id, storage::LoadTail tail) override {
        wait_open(loads);
        return inner_.load(id, tail);
    }
    ot::Result<storage::LatestText> load_latest(const std::string& id) override {
        wait_open(latest_loads);
        return inner_.load_latest(id);
    }
    ot::Result<std::optional<std::string>> load_otp(const std::string& id) override { return inner_.load_otp(id); }
    ot::Result<std::uint64_t> count_documents() override { return inner_.count_documents(); }
    void submit(storage::WriteItem item, std::uint64_t generation, storage::WriteDone done,
                storage::Commit when) override {
        inner_.submit(std::move(item), generation, std::move(done), when);
    }
    void flush() override { inner_.flush(); }
    void after_batch(std::function<void()> f) override { inner_.after_batch(std::move(f)); }
    bool healthy() const override { return inner_.healthy(); }
    void close() override { inner_.close(); }
    const metrics::Histogram& commit_latency() const override { return inner_.commit_latency(); }
    const metrics::Histogram& commit_batch_sizes() const override { return inner_.commit_batch_sizes(); }
    std::uint64_t pending_writes() const override { return inner_.pending_writes(); }

    // Lets every waiting and later read through (they also pass by themselves after 10 s).
    void open() {
        std::lock_guard lock(mu_);
        open_ = true;
        cv_.notify_all();
    }
    // Waits (bounded) until `n` reads of `counter` have started.
    bool started(const std::atomic<int>& counter, int n) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, 10s, [&] { return counter.load() >= n; });
    }

    std::atomic<int> loads{0};
    std::atomic<int> latest_loads{0};

private:
    void wait_open(std::atomic<int>& counter) {
        std::unique_lock lock(mu_);
        ++counter;
        cv_.notify_all();
        // Bounded, so that a failing test ends instead of leaving a loader thread at the gate.
        cv_.wait_for(lock, 10s, [&] { return open_; });
    }

    storage::Storage& inner_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool open_ = false;
};

// Collects callback results from any thread.
template <class T>
struct Results {
    void add(T v) {
        std::lock_guard lock(mu);
        values.push_back(std::move(v));
        cv.notify_all();
    }
    bool wait_for(std::size_t n) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, 10s, [&] { return values.size() >= n; });
    }
    std::mutex mu;
    std::condition_variable cv;
    std::vector<T> values;
};

// A stored document "doc" with text "abc" that is not in memory (the registry was reopened).
void store_cold_document(RegistryFixture& f) {
    auto d = f.doc("doc");
    auto [peer, user] = f.join(d);
    f.type(d, user, "ab");
    f.type(d, user, "c");
    f.store->flush();
    f.open();
}

}  // namespace

TEST_CASE("concurrent async loads of one cold document share one storage load") {
    RegistryFixture f;
    store_cold_document(f);
    GatedStorage gated(*f.store);
    document::Registry registry(gated, {}, nullptr, 2);

    Results<ot::Result<std::shared_ptr<document::Document>>> got;
    for (int i = 0; i < 8; ++i) registry.get_async("doc", [&](auto r) { got.add(std::move(r)); });
    REQUIRE(gated.started(gated.loads, 1));  // the first load is under way and held at the gate
    // A synchronous get() meanwhile waits for the same load instead of starting its own.
    auto sync = std::async(std::launch::async, [&] { return registry.get("doc"); });
    for (int i = 0; i < 4; ++i) registry.get_async("doc", [&](auto r) { got.add(std::move(r)); });
    for (int i = 0; i < 1000 && registry.coalesced_loads() < 12; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(registry.coalesced_loads() == 12);  // 11 async calls and the synchronous one joined the load
    CHECK(got.values.empty());
    gated.open();
    REQUIRE(got.wait_for(12));
    auto from_sync = sync.get();
    REQUIRE(from_sync.ok());
    CHECK(gated.loads.load() == 1);
    CHECK(registry.loads() == 1);
    CHECK(registry.coalesced_loads() == 12);
    for (auto& r : got.values) {
        REQUIRE(r.ok());
        CHECK(r.value() == from_sync.value());
    }
    CHECK(from_sync.value()->text() == "abc");
    CHECK(registry.size() == 1);

    SECTION("a document in memory is answered before get_async returns") {
        bool answered = false;
        registry.get_async("doc", [&](auto r) { answered = r.ok() && r.value() == from_sync.value(); });
        CHECK(answered);
        CHECK(registry.loads() == 1);
    }
}

TEST_CASE("async text of a cold document reads the latest snapshot and the tail, and keeps nothing in memory") {
    RegistryFixture f(document::Limits{256 * 1024, 2, 100});  // a snapshot every 2 operations
    {
        auto d = f.doc("doc");
        auto [peer, user] = f.join(d);
        for (const char* t : {"a", "b", "c", "d", "e"}) f.type(d, user, t);
        f.store->flush();
    }
    f.open();
    auto stored = f.store->load_latest("doc").value();
    REQUIRE(stored.snapshot_revision == 4);  // so the text below needs the snapshot and the tail
    REQUIRE(stored.ops.size() == 1);
    GatedStorage gated(*f.store);
    document::Registry registry(gated, {}, nullptr, 1);
    gated.open();

    Results<ot::Result<std::string>> got;
    registry.text_async("doc", [&](auto r) { got.add(std::move(r)); });
    registry.text_async("unknown", [&](auto r) { got.add(std::move(r)); });
    REQUIRE(got.wait_for(2));
    std::vector<std::string> texts;
    for (auto& r : got.values) {
        REQUIRE(r.ok());
        texts.push_back(r.value());
    }
    std::sort(texts.begin(), texts.end());
    CHECK(texts == std::vector<std::string>{"", "abcde"});
    CHECK(gated.latest_loads.load() == 2);
    CHECK(gated.loads.load() == 0);  // never the whole kept log
    CHECK(registry.size() == 0);
    CHECK(registry.text("doc").value() == "abcde");
}

TEST_CASE("replay_latest refuses a tail that does not continue its snapshot") {
    storage::LatestText t;
    t.exists = true;
    t.snapshot_revision = 3;
    t.snapshot_text = "abc";
    t.ops.push_back(storage::OpRecord{3, R"([3,"d"])", {}, {}, 0, 0});
    CHECK(document::replay_latest("x", t).value() == "abcd");
    t.ops.push_back(storage::OpRecord{5, R"([4,"e"])", {}, {}, 0, 0});
    auto gap = document::replay_latest("x", t);
    REQUIRE_FALSE(gap.ok());
    CHECK(gap.error().find("operation 4 is missing") != std::string::npos);
    t.ops.pop_back();
    t.ops.push_back(storage::OpRecord{4, R"([9,"e"])", {}, {}, 0, 0});
    CHECK_FALSE(document::replay_latest("x", t).ok());
}

TEST_CASE("stop_loading lets the running load finish and fails the queued ones") {
    RegistryFixture f;
    store_cold_document(f);
    GatedStorage gated(*f.store);
    document::Registry registry(gated, {}, nullptr, 1);

    Results<ot::Result<std::shared_ptr<document::Document>>> first, queued;
    registry.get_async("doc", [&](auto r) { first.add(std::move(r)); });
    REQUIRE(gated.started(gated.loads, 1));
    registry.get_async("other", [&](auto r) { queued.add(std::move(r)); });  // behind it: one loader thread
    auto stopping = std::async(std::launch::async, [&] { registry.stop_loading(); });
    CHECK(stopping.wait_for(100ms) == std::future_status::timeout);  // waits for the running load
    gated.open();
    stopping.get();
    REQUIRE(first.wait_for(1));
    REQUIRE(queued.wait_for(1));
    CHECK(first.values[0].ok());
    REQUIRE_FALSE(queued.values[0].ok());
    CHECK(queued.values[0].error() == "shutting down");
    CHECK(gated.loads.load() == 1);

    bool refused = false;
    registry.get_async("late", [&](auto r) { refused = !r.ok(); });
    CHECK(refused);
}
