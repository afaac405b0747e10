// Document's history through a real SQLite file (docs/history.md): authorship through every edit,
// keyframes, user-info records, named versions, restores, and retention with resume.
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "../ot/random_ops.hpp"
#include "document/registry.hpp"
#include "document/retention_runner.hpp"
#include "helpers.hpp"
#include "history/history.hpp"
#include "history/history_json.hpp"
#include "history/retention_reads.hpp"
#include "registry_fixture.hpp"
#include "storage/retention_job.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
using namespace kolabpad::server::document;
using kolabpad::server::testing::op;
using kolabpad::server::testing::RecordingPeer;
using kolabpad::server::testing::TempDir;
namespace ot = kolabpad::ot;

namespace {

using Fixture = kolabpad::server::testing::RegistryFixture;

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Polls `pred` for up to 10 s.
template <class Pred>
bool eventually(Pred pred) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

history::History history_of(storage::Storage& st, const Limits& limits = {}) {
    return history::History(*st.history(), limits.history, limits.max_code_points);
}

// An edit at the document's head by `user`: `json` must apply to its current text.
void apply(const std::shared_ptr<Document>& d, std::uint64_t user, const std::string& json) {
    const auto [rev, len] = d->head();
    REQUIRE(d->edit(user, protocol::Edit{rev, op(json), std::nullopt, std::nullopt}).status == EditStatus::applied);
}

// Forwards to a real storage; while held, writes wait (in order) until release().
class HeldStorage final : public storage::Storage {
public:
    explicit HeldStorage(storage::Storage& inner) : inner_(inner) {}

    void hold() {
        std::lock_guard lock(mu_);
        held_ = true;
    }
    void release() {
        std::deque<Write> writes;
        {
            std::lock_guard lock(mu_);
            held_ = false;
            writes.swap(queue_);
        }
        for (auto& w : writes) inner_.submit(std::move(w.item), w.generation, std::move(w.done), w.when);
    }

    ot::Result<storage::DocumentRecord> load(const std::string& id, storage::LoadTail tail) override { return inner_.load(id, tail); }
    ot::Result<storage::LatestText> load_latest(const std::string& id) override { return inner_.load_latest(id); }
    ot::Result<std::optional<std::string>> load_otp(const std::string& id) override { return inner_.load_otp(id); }
    ot::Result<std::uint64_t> count_documents() override { return inner_.count_documents(); }
    void submit(storage::WriteItem item, std::uint64_t generation, storage::WriteDone done, storage::Commit when) override {
        {
            std::lock_guard lock(mu_);
            if (held_) {
                queue_.push_back(Write{std::move(item), generation, std::move(done), when});
                return;
            }
        }
        inner_.submit(std::move(item), generation, std::move(done), when);
    }
    void flush() override { inner_.flush(); }
    void after_batch(std::function<void()> f) override { inner_.after_batch(std::move(f)); }
    bool healthy() const override { return inner_.healthy(); }
    void close() override { inner_.close(); }
    const kolabpad::server::metrics::Histogram& commit_latency() const override { return inner_.commit_latency(); }
    const kolabpad::server::metrics::Histogram& commit_batch_sizes() const override { return inner_.commit_batch_sizes(); }
    std::uint64_t pending_writes() const override { return inner_.pending_writes(); }
    history::Source* history() override { return inner_.history(); }
    history::RetentionReads* retention() override { return inner_.retention(); }

private:
    struct Write {
        storage::WriteItem item;
        std::uint64_t generation;
        storage::WriteDone done;
        storage::Commit when;
    };
    storage::Storage& inner_;
    std::mutex mu_;
    bool held_ = false;
    std::deque<Write> queue_;
};

}  // namespace

TEST_CASE("every revision's text and authorship are rebuilt from the stored keyframes, also after a restart",
          "[history][document]") {
    Limits limits;
    limits.history.keyframes = history::KeyframePolicy{3, 64 * 1024};
    Fixture f(limits);
    std::vector<std::string> texts{""};
    std::vector<ot::Attribution> authors{ot::Attribution()};
    ot::testing::RandomOps r(GENERATE(1u, 2u, 3u));
    const auto typed = [&](const std::shared_ptr<Document>& d, const std::vector<std::uint64_t>& users, int n) {
        for (int i = 0; i < n; ++i) {
            const std::uint64_t user = users[r.between(0, users.size() - 1)];
            const std::uint64_t len = ot::utf8::count(texts.back());
            ot::Operation o;
            const std::uint64_t at = r.between(0, len);
            const std::uint64_t cut = r.between(0, 3) == 0 ? std::min<std::uint64_t>(r.between(1, 4), len - at) : 0;
            o.retain(at).remove(cut).insert(r.between(0, 4) == 0 ? "🎉" : std::string(1, static_cast<char>('a' + i % 26)));
            o.retain(len - at - cut);
            const auto [rev, l] = d->head();
            REQUIRE(d->edit(user, protocol::Edit{rev, o, std::nullopt, std::nullopt}).status == EditStatus::applied);
            texts.push_back(ot::apply(o, texts.back()).value());
            authors.push_back(ot::apply(o, authors.back(), user).value());
        }
    };
    std::vector<std::uint64_t> first_users;
    {
        auto d = f.doc();
        for (int i = 0; i < 3; ++i) first_users.push_back(f.join(d).second);
        typed(d, first_users, 40);
        f.store->flush();
    }
    f.open();
    {
        auto d = f.doc();
        const auto [p, late] = f.join(d);
        typed(d, {late}, 10);  // the attribution continues from what the load rebuilt
        f.store->flush();
        CHECK(d->text() == texts.back());
    }
    auto h = history_of(*f.store, limits);
    for (std::uint64_t rev = 0; rev < texts.size(); ++rev) {
        INFO("revision " << rev);
        auto k = h.text_at("doc", rev);
        REQUIRE(k.ok());
        CHECK(k->text == texts[rev]);
        CHECK(k->attribution == authors[rev]);
    }
    // A keyframe every 3 operations (and one wherever a snapshot was taken).
    auto kf = f.store->keyframe_revisions("doc").value();
    for (std::uint64_t rev = 3; rev <= 48; rev += 3) {
        INFO("keyframe " << rev);
        CHECK(std::find(kf.begin(), kf.end(), rev) != kf.end());
    }
}

TEST_CASE("ClientInfo is recorded once per change, at the revision it was set", "[history][document]") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    d->set_user_info(ida, protocol::UserInfo{"Alice", 10});
    d->set_user_info(ida, protocol::UserInfo{"Alice", 10});  // unchanged: no new record
    apply(d, ida, R"(["ab"])");
    d->set_user_info(ida, protocol::UserInfo{"Alicia", 20});
    f.store->flush();
    const std::uint64_t users[] = {ida};
    auto infos = f.store->user_infos("doc", users).value();
    REQUIRE(infos.size() == 2);
    std::sort(infos.begin(), infos.end(), [](const auto& x, const auto& y) { return x.revision < y.revision; });
    CHECK(infos[0].revision == 0);
    CHECK(infos[0].name == "Alice");
    CHECK(infos[1].revision == 1);
    CHECK(infos[1].name == "Alicia");
    CHECK(infos[1].hue == 20);
    // The session list shows the author as they were when they typed.
    auto page = history_of(*f.store).page("doc", std::nullopt, std::nullopt);
    REQUIRE(page.ok());
    CHECK(history::page_json(*page).find(R"("authors":[{"name":"Alice","hue":10,"users":[0])") != std::string::npos);
}

TEST_CASE("SaveVersion names the current revision with a keyframe; Version reaches everyone after its History",
          "[history][document]") {
    Limits limits;
    limits.history.version_name_max = 8;
    Fixture f(limits);
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    auto [b, idb] = f.join(d);
    apply(d, ida, R"(["draft"])");
    d->save_version(ida, "v1");  // names revision 1 even before its edit is acknowledged
    f.store->flush();
    for (const auto& peer : {a, b}) {
        const auto frames = peer->frames();
        std::size_t history_at = frames.size(), version_at = frames.size();
        for (std::size_t i = 0; i < frames.size(); ++i) {
            if (frames[i].find(R"({"History":{"start":0,)") == 0) history_at = i;
            if (frames[i].find(R"({"Version":{"revision":1,"name":"v1","user":0,"time":)") == 0) version_at = i;
        }
        REQUIRE(version_at < frames.size());
        CHECK(history_at < version_at);
    }
    CHECK(f.store->keyframe_at_or_before("doc", 1).value()->revision == 1);
    d->save_version(idb, "v1 again");  // renames
    f.store->flush();
    auto vs = f.store->versions("doc", 0, 2).value();
    REQUIRE(vs.size() == 1);
    CHECK(vs[0].name == "v1 again");
    CHECK(vs[0].user == idb);

    SECTION("a bad name is Rejected to its sender, stores nothing and keeps the connection") {
        a->clear();
        for (const char* bad : {"", "line\nbreak", "too long!"}) d->save_version(ida, bad);
        f.store->flush();
        const auto r = a->frames_with(R"({"Rejected":{"seq":null,"code":"bad_version_name","message":)");
        CHECK(r.size() == 3);
        CHECK(a->frames_with("Version").empty());
        CHECK(a->close_code == 0);
        CHECK(f.store->versions("doc", 0, 2).value().size() == 1);
    }
}

TEST_CASE("Restore makes the text equal to an old revision again as one new edit by the restorer",
          "[history][document]") {
    Fixture f;
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        auto [b, idb] = f.join(d);
        apply(d, ida, R"(["hello"])");
        apply(d, idb, R"([5," wörld 🎉"])");
        f.store->flush();
        d->restore(idb, 1);
        const std::string entry = R"({"id":1,"operation":[5,-8],"client":"server","restore":1})";
        REQUIRE(eventually([&] { return !a->frames_with(entry).empty(); }));
        CHECK(b->frames_with(entry).size() == 1);
        CHECK(d->text() == "hello");
        CHECK(d->revision() == 3);
        // Nothing in the past was rewritten.
        auto h = history_of(*f.store);
        CHECK(h.text_at("doc", 2).value().text == "hello wörld 🎉");
        CHECK(h.text_at("doc", 3).value().text == "hello");
        // Attributed to the restorer, who deleted what was typed after revision 1.
        auto page = h.page("doc", std::nullopt, std::nullopt).value();
        REQUIRE(page.page.sessions.size() == 1);
        CHECK(page.page.sessions[0].deleted == 8);
    }
    f.open();
    auto d = f.doc();
    auto [c, idc] = f.join(d);
    // The restore's entry is rebuilt from storage with its fields.
    CHECK(c->frames_with(R"({"id":1,"operation":[5,-8],"client":"server","restore":1})").size() == 1);
}

TEST_CASE("a restore keeps the edits that arrived while it was computed, transformed like a stale edit",
          "[history][document]") {
    TempDir dir;
    auto sqlite = storage::SqliteStorage::open(dir.file("db")).value();
    HeldStorage held(*sqlite);
    Registry registry(held, Limits{});
    auto d = registry.get("doc").value();
    auto a = std::make_shared<RecordingPeer>();
    auto b = std::make_shared<RecordingPeer>();
    const auto ida = d->join(a, std::nullopt).value();
    const auto idb = d->join(b, std::nullopt).value();
    apply(d, ida, R"(["hello world"])");
    sqlite->flush();
    held.hold();
    apply(d, idb, R"([11,"!"])");  // sequenced, not yet stored: the restore is computed without it
    d->restore(ida, 0);
    REQUIRE(eventually([&] { return d->revision() == 3; }));
    held.release();
    sqlite->flush();
    CHECK(d->text() == "!");
    CHECK(a->frames_with(R"({"id":0,"operation":[-11,1],"client":"server","restore":0})").size() == 1);
    CHECK(history_of(*sqlite).text_at("doc", 3).value().text == "!");
}

TEST_CASE("restores that cannot be made are Rejected and keep the connection", "[history][document]") {
    Fixture f;
    auto d = f.doc();
    auto [a, ida] = f.join(d);
    apply(d, ida, R"(["a"])");
    apply(d, ida, R"([1,"b"])");
    f.store->flush();

    SECTION("past the current revision: bad_revision") {
        d->restore(ida, 3);
        CHECK(a->frames_with(R"({"Rejected":{"seq":null,"code":"bad_revision",)").size() == 1);
    }
    SECTION("while one of the same user is being computed: restore_pending") {
        std::vector<std::function<void()>> jobs;
        d->set_job_runner([&](std::function<void()> job) {
            jobs.push_back(std::move(job));
            return true;
        });
        d->restore(ida, 1);
        d->restore(ida, 0);
        CHECK(a->frames_with(R"({"Rejected":{"seq":null,"code":"restore_pending",)").size() == 1);
        REQUIRE(jobs.size() == 1);
        jobs[0]();
        f.store->flush();
        CHECK(d->text() == "a");
        d->restore(ida, 0);  // no longer pending
        REQUIRE(jobs.size() == 2);
    }
    SECTION("of a revision retention dropped: revision_gone") {
        history::HistoryOptions o;
        o.retention_days = 1;
        apply(d, ida, R"([2,"c"])");
        d->save_snapshot(true);
        f.store->flush();
        auto plan = storage::apply_retention(*f.store, "doc", o, 1 << 20, now_ms() + 3 * 86'400'000);
        REQUIRE(plan.ok());
        REQUIRE(*plan);
        CHECK((*plan)->start == 3);
        d->restore(ida, 1);
        REQUIRE(eventually([&] { return !a->frames_with(R"("code":"revision_gone")").empty(); }));
        CHECK(d->text() == "abc");
    }
    CHECK(a->close_code == 0);
}

TEST_CASE("retention drops old history but keeps named versions and resume working", "[history][document]") {
    Limits limits;
    limits.history.keyframes = history::KeyframePolicy{4, 64 * 1024};
    limits.history.retention_days = 7;
    Fixture f(limits);
    {
        auto d = f.doc();
        auto [a, ida] = f.join(d);
        for (int i = 0; i < 10; ++i) {
            apply(d, ida, "[" + std::to_string(i) + ",\"" + std::string(1, static_cast<char>('a' + i)) + "\"]");
            if (i == 1) d->save_version(ida, "early");  // revision 2: no keyframe of the policy there
        }
        f.store->flush();
        d->leave(ida);
        f.store->flush();
    }
    // Ten days later, everything is older than the cutoff: the log is cut at the latest keyframe (10).
    RetentionRunner runner(*f.store, f.registry->job_runner(), limits.history, limits.max_code_points);
    REQUIRE(runner.start(now_ms() + 10 * 86'400'000));
    REQUIRE(eventually([&] { return runner.passes() == 1; }));
    CHECK(runner.documents_cut() == 1);
    auto h = history_of(*f.store, limits);
    auto page = h.page("doc", std::nullopt, std::nullopt).value();
    CHECK(page.bounds.start == 10);
    CHECK(h.text_at("doc", 2).value().text == "ab");  // the named version stays viewable
    CHECK(h.text_at("doc", 5).failure().code == history::Failure::Code::gone);
    CHECK(history::page_json(page).find(R"("first_revision":10)") != std::string::npos);
    CHECK(history::page_json(page).find(R"("name":"early")") != std::string::npos);

    // A client resuming from before the kept history gets a Snapshot of revision 10, then goes on.
    f.open();
    auto d = f.doc();
    auto [c, idc] = f.join(d, 0);
    CHECK(c->frames_with(R"({"Snapshot":{"revision":10,"text":"abcdefghij"}})").size() == 1);
    apply(d, idc, R"([10,"k"])");
    f.store->flush();
    CHECK(h.text_at("doc", 11).value().text == "abcdefghijk");
    // A second pass finds nothing more to drop.
    REQUIRE(runner.start(now_ms() + 10 * 86'400'000));
    REQUIRE(eventually([&] { return runner.passes() == 2; }));
    CHECK(runner.documents_cut() == 1);
}
