// SqliteStorage's history reads (history::Source, history::RetentionReads): a few indexed queries on
// the storage's history connection, each one read.
#include <algorithm>

#include "kolabpad/ot/json.hpp"
#include "log/log.hpp"
#include "storage/sqlite_storage.hpp"

namespace kolabpad::server::storage {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); }
std::uint64_t u64(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

// Users per query of user_infos (SQLite allows 32766 parameters; stay well below).
constexpr std::size_t users_per_query = 500;

}  // namespace

ot::Error SqliteStorage::history_failed(const char* what) {
    std::string e = history_db_->last_error();
    healthy_ = false;
    log::error("storage read failed", {{"what", what}, {"error", e}});
    return ot::Error{std::string(what) + ": " + e};
}

ot::Result<history::LogBounds> SqliteStorage::bounds(const std::string& document) {
    std::lock_guard lock(*history_mutex_);
    // One statement, so both extents come from the same commit.
    Statement s = history_db_->prepare(
        "SELECT (SELECT min(revision) FROM operations WHERE document = ?1), "
        "(SELECT max(revision) FROM operations WHERE document = ?1), "
        "(SELECT max(revision) FROM snapshots WHERE document = ?1)");
    s.bind(1, document);
    if (s.step() != SQLITE_ROW) return history_failed("read history bounds");
    const std::uint64_t keyframe = s.is_null(2) ? 0 : u64(s.int64(2));
    if (s.is_null(0)) return history::LogBounds{keyframe, keyframe};
    return history::LogBounds{u64(s.int64(0)), std::max(u64(s.int64(1)) + 1, keyframe)};
}

ot::Result<std::optional<history::KeyframeRecord>> SqliteStorage::keyframe_at_or_before(const std::string& document,
                                                                                        std::uint64_t revision) {
    std::lock_guard lock(*history_mutex_);
    Statement s = history_db_->prepare(
        "SELECT revision, text, attribution FROM snapshots WHERE document = ?1 AND revision <= ?2 "
        "ORDER BY revision DESC LIMIT 1");
    s.bind(1, document).bind(2, i64(revision));
    const int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<history::KeyframeRecord>();
    if (rc != SQLITE_ROW) return history_failed("read keyframe");
    return std::optional<history::KeyframeRecord>(history::KeyframeRecord{u64(s.int64(0)), s.text(1), s.opt_text(2)});
}

ot::Result<std::vector<history::StoredOp>> SqliteStorage::operations(const std::string& document, std::uint64_t from,
                                                                     std::uint64_t to) {
    std::lock_guard lock(*history_mutex_);
    std::vector<history::StoredOp> out;
    if (from >= to) return out;
    Statement s = history_db_->prepare(
        "SELECT revision, operation, author, time, client, seq FROM operations WHERE document = ?1 "
        "AND revision >= ?2 AND revision < ?3 ORDER BY revision");
    s.bind(1, document).bind(2, i64(from)).bind(3, i64(to));
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(to - from, 65536)));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        history::StoredOp op;
        op.revision = u64(s.int64(0));
        op.operation_json = s.text(1);
        op.author = u64(s.int64(2));
        op.time_ms = s.int64(3);
        op.client = s.opt_text(4);
        if (!s.is_null(5)) op.seq = u64(s.int64(5));
        out.push_back(std::move(op));
    }
    if (rc != SQLITE_DONE) return history_failed("read operations");
    return out;
}

ot::Result<std::vector<history::OpSummary>> SqliteStorage::summaries(const std::string& document, std::uint64_t from,
                                                                     std::uint64_t to) {
    std::lock_guard lock(*history_mutex_);
    std::vector<history::OpSummary> out;
    if (from >= to) return out;
    // Rows written before the counts were kept carry NULL: their operation is read and counted instead.
    Statement s = history_db_->prepare(
        "SELECT revision, author, time, inserted, deleted, "
        "CASE WHEN inserted IS NULL OR deleted IS NULL THEN operation END FROM operations "
        "WHERE document = ?1 AND revision >= ?2 AND revision < ?3 ORDER BY revision");
    s.bind(1, document).bind(2, i64(from)).bind(3, i64(to));
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(to - from, 65536)));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        history::OpSummary op{u64(s.int64(0)), u64(s.int64(1)), s.int64(2), 0, 0};
        if (s.is_null(5)) {
            op.inserted = u64(s.int64(3));
            op.deleted = u64(s.int64(4));
        } else {
            auto parsed = ot::from_json(s.text(5));
            if (!parsed) return ot::Error{"operation " + std::to_string(op.revision) + ": " + parsed.error()};
            const history::Change c = history::change_of(*parsed);
            op.inserted = c.inserted;
            op.deleted = c.deleted;
        }
        out.push_back(op);
    }
    if (rc != SQLITE_DONE) return history_failed("read operation summaries");
    return out;
}

ot::Result<std::vector<history::VersionRecord>> SqliteStorage::versions(const std::string& document, std::uint64_t from,
                                                                        std::uint64_t to) {
    std::lock_guard lock(*history_mutex_);
    std::vector<history::VersionRecord> out;
    if (from >= to) return out;
    Statement s = history_db_->prepare(
        "SELECT revision, name, user_id, time FROM versions WHERE document = ?1 AND revision >= ?2 AND revision < ?3 "
        "ORDER BY revision");
    s.bind(1, document).bind(2, i64(from)).bind(3, i64(to));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        out.push_back(history::VersionRecord{u64(s.int64(0)), s.text(1), u64(s.int64(2)), s.int64(3)});
    }
    if (rc != SQLITE_DONE) return history_failed("read versions");
    return out;
}

ot::Result<std::vector<history::UserInfoRecord>> SqliteStorage::user_infos(const std::string& document,
                                                                           std::span<const std::uint64_t> users) {
    std::lock_guard lock(*history_mutex_);
    std::vector<history::UserInfoRecord> out;
    for (std::size_t at = 0; at < users.size(); at += users_per_query) {
        const std::size_t n = std::min(users_per_query, users.size() - at);
        std::string sql = "SELECT user_id, revision, time, name, hue FROM user_infos WHERE document = ?1 AND user_id IN (";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) sql += ',';
            sql += '?';
            sql += std::to_string(i + 2);
        }
        sql += ")";
        Statement s = history_db_->prepare(sql);
        s.bind(1, document);
        for (std::size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 2), i64(users[at + i]));
        int rc;
        while ((rc = s.step()) == SQLITE_ROW) {
            out.push_back(history::UserInfoRecord{u64(s.int64(0)), u64(s.int64(1)), s.int64(2), s.text(3),
                                                  static_cast<std::uint32_t>(std::clamp<std::int64_t>(s.int64(4), 0, 359))});
        }
        if (rc != SQLITE_DONE) return history_failed("read user infos");
    }
    return out;
}

ot::Result<std::vector<std::string>> SqliteStorage::documents_before(std::int64_t cutoff_ms) {
    std::lock_guard lock(*history_mutex_);
    std::vector<std::string> out;
    // Per document, one seek to its first kept operation.
    Statement s = history_db_->prepare(
        "SELECT d.id FROM documents d WHERE (SELECT o.time FROM operations o WHERE o.document = d.id "
        "ORDER BY o.revision LIMIT 1) < ?1 ORDER BY d.id");
    s.bind(1, cutoff_ms);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.text(0));
    if (rc != SQLITE_DONE) return history_failed("read documents with old history");
    return out;
}

ot::Result<std::vector<std::uint64_t>> SqliteStorage::keyframe_revisions(const std::string& document) {
    std::lock_guard lock(*history_mutex_);
    std::vector<std::uint64_t> out;
    Statement s = history_db_->prepare("SELECT revision FROM snapshots WHERE document = ?1 ORDER BY revision");
    s.bind(1, document);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(u64(s.int64(0)));
    if (rc != SQLITE_DONE) return history_failed("read keyframe revisions");
    return out;
}

}  // namespace kolabpad::server::storage
