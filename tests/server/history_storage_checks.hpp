#pragma once
// The history reads and writes every Storage must get right (history::Source, RetentionReads, the
// new write items), written once and run against SQLite (history_storage_test.cpp) and PostgreSQL
// (pg_history_test.cpp).

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "history/history.hpp"
#include "history/retention_reads.hpp"
#include "history/source.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::testing {

// 2023-11-14T22:13:20Z, the time of the first operation of these checks.
inline constexpr std::int64_t kHistoryT0 = 1700000000000;

// Submits one write and waits for its outcome.
inline bool history_write(storage::Storage& s, storage::WriteItem item, std::uint64_t generation = 1) {
    std::promise<bool> done;
    auto f = done.get_future();
    s.submit(std::move(item), generation, [&done](bool ok) { done.set_value(ok); });
    return f.get();
}

// An operation record as Document writes it (with its counts).
inline storage::OpRecord history_op(std::uint64_t revision, const std::string& json, std::uint64_t author,
                                    std::int64_t time_ms, std::optional<std::uint64_t> restore = std::nullopt) {
    storage::OpRecord r;
    r.revision = revision;
    r.operation_json = json;
    r.author = author;
    r.time_ms = time_ms;
    r.restore = restore;
    if (restore) r.client = "server";
    auto op = ot::from_json(json);
    REQUIRE(op.ok());
    const history::Change c = history::change_of(*op);
    r.inserted = c.inserted;
    r.deleted = c.deleted;
    return r;
}

// Writes: "d" with six operations by users 10 and 11 (the fourth a restore), keyframes at 3 and 5,
// ClientInfo records (one replaced), versions (one renamed); "e" with one later operation.
inline void write_history_fixture(storage::Storage& st) {
    using namespace storage;
    const std::vector<std::string> ops = {R"(["héllo"])", R"([5," wörld"])", R"([6,-6])", R"([6,"🎉"])",
                                          R"([-1,6])", R"([6,"!"])"};
    for (std::uint64_t i = 0; i < ops.size(); ++i) {
        REQUIRE(history_write(st, AppendOp{"d", history_op(i, ops[i], i % 2 ? 11 : 10, kHistoryT0 + 1000 * i,
                                                           i == 3 ? std::optional<std::uint64_t>(1) : std::nullopt)}));
    }
    REQUIRE(history_write(st, SaveSnapshot{"d", 3, "héllo ", 12, "[5,10,1,11]"}));
    REQUIRE(history_write(st, SaveSnapshot{"d", 5, "éllo 🎉", 12, "[4,10,2,11]"}));
    REQUIRE(history_write(st, PutUserInfo{"d", {10, 0, kHistoryT0, "Ann", 5}}));
    REQUIRE(history_write(st, PutUserInfo{"d", {10, 0, kHistoryT0 + 1, "Anne", 6}}));  // same user and revision: replaces
    REQUIRE(history_write(st, PutUserInfo{"d", {11, 2, kHistoryT0 + 2, "Bob", 100}}));
    REQUIRE(history_write(st, PutUserInfo{"d", {10, 4, kHistoryT0 + 4, "Anne B", 359}}));
    REQUIRE(history_write(st, PutVersion{"d", {3, "draft", 10, kHistoryT0 + 3500}}));
    REQUIRE(history_write(st, PutVersion{"d", {3, "first draft", 11, kHistoryT0 + 3600}}));  // renames
    REQUIRE(history_write(st, PutVersion{"d", {5, "v2", 10, kHistoryT0 + 5500}}));
    REQUIRE(history_write(st, AppendOp{"e", history_op(0, R"(["x"])", 1, kHistoryT0 + 60'000)}));
}

// Every read answers exactly what write_history_fixture stored.
inline void check_history_reads(storage::Storage& st) {
    write_history_fixture(st);
    history::Source& src = *st.history();
    history::RetentionReads& ret = *st.retention();

    CHECK(src.bounds("d").value().start == 0);
    CHECK(src.bounds("d").value().head == 6);
    CHECK(src.bounds("unknown").value().head == 0);

    auto k = src.keyframe_at_or_before("d", 4).value();
    REQUIRE(k);
    CHECK(k->revision == 3);
    CHECK(k->text == "héllo ");
    CHECK(k->attribution_json == std::optional<std::string>("[5,10,1,11]"));
    CHECK_FALSE(src.keyframe_at_or_before("d", 2).value());
    CHECK(src.keyframe_at_or_before("d", 99).value()->revision == 5);

    auto ops = src.operations("d", 2, 5).value();
    REQUIRE(ops.size() == 3);
    CHECK(ops[0].revision == 2);
    CHECK(ops[0].operation_json == R"([6,-6])");
    CHECK(ops[0].author == 10);
    CHECK(ops[0].time_ms == kHistoryT0 + 2000);
    CHECK(ops[1].client == std::optional<std::string>("server"));
    CHECK(src.operations("d", 5, 5).value().empty());

    auto sums = src.summaries("d", 0, 6).value();
    REQUIRE(sums.size() == 6);
    CHECK(sums[0].inserted == 5);  // code points, not bytes
    CHECK(sums[1].inserted == 6);
    CHECK(sums[2].deleted == 6);
    CHECK(sums[3].inserted == 1);
    CHECK(sums[4].deleted == 1);
    CHECK(sums[5].author == 11);
    CHECK(sums[5].time_ms == kHistoryT0 + 5000);

    auto vs = src.versions("d", 0, 6).value();
    REQUIRE(vs.size() == 2);
    CHECK(vs[0].revision == 3);
    CHECK(vs[0].name == "first draft");
    CHECK(vs[0].user == 11);
    CHECK(vs[0].time_ms == kHistoryT0 + 3600);
    CHECK(src.versions("d", 4, 6).value().size() == 1);
    CHECK(src.versions("d", 4, 5).value().empty());

    const std::uint64_t ann[] = {10};
    auto infos = src.user_infos("d", ann).value();
    REQUIRE(infos.size() == 2);
    const history::UserDirectory dir(infos);
    CHECK(dir.at(10, 0) == std::optional<history::UserLook>(history::UserLook{"Anne", 6}));
    CHECK(dir.at(10, 5) == std::optional<history::UserLook>(history::UserLook{"Anne B", 359}));
    const std::uint64_t both[] = {11, 10, 99};
    CHECK(src.user_infos("d", both).value().size() == 3);
    CHECK(src.user_infos("d", std::span<const std::uint64_t>()).value().empty());

    CHECK(ret.keyframe_revisions("d").value() == std::vector<std::uint64_t>{3, 5});
    CHECK(ret.documents_before(kHistoryT0 + 1).value() == std::vector<std::string>{"d"});
    CHECK(ret.documents_before(kHistoryT0 + 60'001).value() == std::vector<std::string>{"d", "e"});
    CHECK(ret.documents_before(kHistoryT0).value().empty());

    // The restore's revision comes back with the log, so its History entry can be rebuilt.
    auto rec = st.load("d").value();
    REQUIRE(rec.ops.size() == 6);
    CHECK(rec.ops[3].restore == std::optional<std::uint64_t>(1));
    CHECK_FALSE(rec.ops[2].restore);
    CHECK(rec.snapshot_attribution == std::optional<std::string>("[4,10,2,11]"));

    // The facade over this storage: any revision, a page, a diff, the authors.
    history::History h(src, history::HistoryOptions{}, 1 << 20);
    CHECK(h.text_at("d", 2).value().text == "héllo wörld");
    CHECK(h.text_at("d", 6).value().text == "éllo 🎉!");
    auto page = h.page("d", std::nullopt, std::nullopt).value();
    REQUIRE(page.page.sessions.size() == 3);  // the versions at 3 and 5 end sessions
    CHECK(page.page.sessions[0].start == 5);
    CHECK(page.page.sessions[1].end == 5);
    REQUIRE(page.page.sessions[2].version);
    CHECK(page.page.sessions[2].version->name == "first draft");
    auto authors = h.authors("d", std::nullopt).value();
    CHECK(ot::to_json(authors.at.attribution) == "[4,10,3,11]");
}

// A load reads a tail bounded by its operations and by the code points they insert.
inline void check_load_tail(storage::Storage& st) {
    using namespace storage;
    // Six operations of 100 code points each, keyframes at 2 and 4.
    std::string text;
    for (std::uint64_t i = 0; i < 6; ++i) {
        const std::string ins(100, static_cast<char>('a' + i));
        REQUIRE(history_write(st, AppendOp{"t", history_op(i, text.empty() ? "[\"" + ins + "\"]"
                                                                         : "[" + std::to_string(text.size()) + ",\"" + ins + "\"]",
                                                         1, kHistoryT0 + static_cast<std::int64_t>(i))}));
        text += ins;
        if (i == 1 || i == 3) REQUIRE(history_write(st, SaveSnapshot{"t", i + 1, text, 2, std::nullopt}));
    }
    CHECK(st.load("t", LoadTail{100, 1000}).value().base_revision == 0);  // all of it fits
    CHECK(st.load("t", LoadTail{100, 450}).value().base_revision == 2);   // 4 x 100 fit from keyframe 2
    CHECK(st.load("t", LoadTail{100, 250}).value().base_revision == 4);
    CHECK(st.load("t", LoadTail{100, 50}).value().base_revision == 4);    // never past the latest keyframe
    CHECK(st.load("t", LoadTail{3, 1000}).value().base_revision == 4);
    auto rec = st.load("t", LoadTail{100, 450}).value();
    CHECK(rec.base_text == text.substr(0, 200));
    REQUIRE(rec.ops.size() == 4);
    CHECK(rec.ops.front().revision == 2);
    CHECK(rec.snapshot_revision == 4);
    CHECK_FALSE(rec.snapshot_attribution);
}

// A row written before the counts were kept (NULL inserted/deleted, as a migrated database has
// them) is counted from its operation. `insert_old` writes such a row: (document, revision, json).
inline void check_summaries_of_old_rows(storage::Storage& st,
                                        const std::function<void(const std::string&, std::uint64_t, const std::string&)>& insert_old) {
    REQUIRE(history_write(st, storage::AppendOp{"old", history_op(0, R"(["abc"])", 1, kHistoryT0)}));
    insert_old("old", 1, R"([1,"🎉🎉",-2])");
    auto sums = st.history()->summaries("old", 0, 2).value();
    REQUIRE(sums.size() == 2);
    CHECK(sums[1].inserted == 2);
    CHECK(sums[1].deleted == 2);
}

// DropHistory: materialized keyframes stored first; operations, keyframes (but the named ones) and
// user-info records (but each user's latest at or before the start) below the start dropped.
inline void check_drop_history(storage::Storage& st) {
    using namespace storage;
    for (std::uint64_t i = 0; i < 10; ++i) {
        REQUIRE(history_write(st, AppendOp{"r", history_op(i, i == 0 ? R"(["a"])" : "[" + std::to_string(i) + ",\"a\"]",
                                                         1 + i % 2, kHistoryT0 + static_cast<std::int64_t>(i))}));
    }
    for (std::uint64_t r : {4, 6, 8}) REQUIRE(history_write(st, SaveSnapshot{"r", r, std::string(r, 'a'), 3, std::nullopt}));
    REQUIRE(history_write(st, PutVersion{"r", {2, "early", 1, kHistoryT0}}));
    REQUIRE(history_write(st, PutVersion{"r", {6, "middle", 2, kHistoryT0}}));
    for (std::uint64_t r : {1, 3, 9}) REQUIRE(history_write(st, PutUserInfo{"r", {1, r, kHistoryT0, "A" + std::to_string(r), 1}}));
    REQUIRE(history_write(st, PutUserInfo{"r", {2, 0, kHistoryT0, "B", 2}}));

    // Generation 0: what the retention job uses.
    REQUIRE(history_write(st, DropHistory{"r", 8, {history::KeyframeRecord{2, "aa", "[2,1]"}}}, 0));
    history::Source& src = *st.history();
    CHECK(src.bounds("r").value().start == 8);
    CHECK(src.bounds("r").value().head == 10);
    CHECK(st.retention()->keyframe_revisions("r").value() == std::vector<std::uint64_t>{2, 6, 8});
    CHECK(src.keyframe_at_or_before("r", 2).value()->attribution_json == std::optional<std::string>("[2,1]"));
    CHECK(src.versions("r", 0, 11).value().size() == 2);  // versions are never dropped
    const std::uint64_t users[] = {1, 2};
    std::vector<std::uint64_t> kept;
    const auto infos = src.user_infos("r", users).value();
    for (const auto& u : infos) kept.push_back(u.user * 100 + u.revision);
    std::sort(kept.begin(), kept.end());
    CHECK(kept == std::vector<std::uint64_t>{103, 109, 200});
    // What is left still loads and rebuilds: the log starts at the keyframe at 8.
    auto rec = st.load("r").value();
    CHECK(rec.base_revision == 8);
    REQUIRE(rec.ops.size() == 2);
    history::History h(src, history::HistoryOptions{}, 1 << 20);
    CHECK(h.text_at("r", 10).value().text == std::string(10, 'a'));
    CHECK(h.text_at("r", 6).value().text == std::string(6, 'a'));  // a named version's keyframe
    CHECK(h.text_at("r", 5).failure().code == history::Failure::Code::gone);
}

}  // namespace kolabpad::server::testing
