// PgStorage's history reads (history::Source, history::RetentionReads): the same queries as
// SQLite's, each one read on a reader connection.
#include <algorithm>

#include "kolabpad/ot/json.hpp"
#include "storage/pg_storage.hpp"

namespace kolabpad::server::storage {
namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX)); }
std::uint64_t u64(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

PgStatement query(std::string text, PgParams params) { return PgStatement{std::move(text), std::move(params), false}; }

}  // namespace

ot::Result<history::LogBounds> PgStorage::bounds(const std::string& document) {
    auto r = read({query("SELECT (SELECT min(revision) FROM operations WHERE document = $1), "
                         "(SELECT max(revision) FROM operations WHERE document = $1), "
                         "(SELECT max(revision) FROM snapshots WHERE document = $1)",
                         PgParams().text(document))},
                  "read history bounds");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    const std::uint64_t keyframe = res.is_null(0, 2) ? 0 : u64(res.int8(0, 2));
    if (res.is_null(0, 0)) return history::LogBounds{keyframe, keyframe};
    return history::LogBounds{u64(res.int8(0, 0)), std::max(u64(res.int8(0, 1)) + 1, keyframe)};
}

ot::Result<std::optional<history::KeyframeRecord>> PgStorage::keyframe_at_or_before(const std::string& document,
                                                                                    std::uint64_t revision) {
    auto r = read({query("SELECT revision, text, attribution FROM snapshots WHERE document = $1 AND revision <= $2 "
                         "ORDER BY revision DESC LIMIT 1",
                         PgParams().text(document).int8(i64(revision)))},
                  "read keyframe");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    if (res.rows() == 0) return std::optional<history::KeyframeRecord>();
    return std::optional<history::KeyframeRecord>(
        history::KeyframeRecord{u64(res.int8(0, 0)), res.bytes(0, 1), res.opt_bytes(0, 2)});
}

ot::Result<std::vector<history::StoredOp>> PgStorage::operations(const std::string& document, std::uint64_t from,
                                                                 std::uint64_t to) {
    std::vector<history::StoredOp> out;
    if (from >= to) return out;
    auto r = read({query("SELECT revision, operation, author, time, client, seq FROM operations WHERE document = $1 "
                         "AND revision >= $2 AND revision < $3 ORDER BY revision",
                         PgParams().text(document).int8(i64(from)).int8(i64(to)))},
                  "read operations");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    out.reserve(static_cast<std::size_t>(res.rows()));
    for (int i = 0; i < res.rows(); ++i) {
        history::StoredOp op;
        op.revision = u64(res.int8(i, 0));
        op.operation_json = res.bytes(i, 1);
        op.author = u64(res.int8(i, 2));
        op.time_ms = res.int8(i, 3);
        op.client = res.opt_bytes(i, 4);
        if (!res.is_null(i, 5)) op.seq = u64(res.int8(i, 5));
        out.push_back(std::move(op));
    }
    return out;
}

ot::Result<std::vector<history::OpSummary>> PgStorage::summaries(const std::string& document, std::uint64_t from,
                                                                 std::uint64_t to) {
    std::vector<history::OpSummary> out;
    if (from >= to) return out;
    // Rows written before the counts were kept carry NULL: their operation is read and counted instead.
    auto r = read({query("SELECT revision, author, time, inserted, deleted, "
                         "CASE WHEN inserted IS NULL OR deleted IS NULL THEN operation END FROM operations "
                         "WHERE document = $1 AND revision >= $2 AND revision < $3 ORDER BY revision",
                         PgParams().text(document).int8(i64(from)).int8(i64(to)))},
                  "read operation summaries");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    out.reserve(static_cast<std::size_t>(res.rows()));
    for (int i = 0; i < res.rows(); ++i) {
        history::OpSummary op{u64(res.int8(i, 0)), u64(res.int8(i, 1)), res.int8(i, 2), 0, 0};
        if (res.is_null(i, 5)) {
            op.inserted = u64(res.int8(i, 3));
            op.deleted = u64(res.int8(i, 4));
        } else {
            auto parsed = ot::from_json(res.bytes(i, 5));
            if (!parsed) return ot::Error{"operation " + std::to_string(op.revision) + ": " + parsed.error()};
            const history::Change c = history::change_of(*parsed);
            op.inserted = c.inserted;
            op.deleted = c.deleted;
        }
        out.push_back(op);
    }
    return out;
}

ot::Result<std::vector<history::VersionRecord>> PgStorage::versions(const std::string& document, std::uint64_t from,
                                                                    std::uint64_t to) {
    std::vector<history::VersionRecord> out;
    if (from >= to) return out;
    auto r = read({query("SELECT revision, name, user_id, time FROM versions WHERE document = $1 AND revision >= $2 "
                         "AND revision < $3 ORDER BY revision",
                         PgParams().text(document).int8(i64(from)).int8(i64(to)))},
                  "read versions");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    for (int i = 0; i < res.rows(); ++i) {
        out.push_back(history::VersionRecord{u64(res.int8(i, 0)), res.bytes(i, 1), u64(res.int8(i, 2)), res.int8(i, 3)});
    }
    return out;
}

ot::Result<std::vector<history::UserInfoRecord>> PgStorage::user_infos(const std::string& document,
                                                                       std::span<const std::uint64_t> users) {
    std::vector<history::UserInfoRecord> out;
    if (users.empty()) return out;
    std::vector<std::optional<std::int64_t>> ids;
    ids.reserve(users.size());
    for (std::uint64_t u : users) ids.push_back(i64(u));
    auto r = read({query("SELECT user_id, revision, time, name, hue FROM user_infos WHERE document = $1 "
                         "AND user_id = ANY($2::bigint[])",
                         PgParams().text(document).int8_array(ids))},
                  "read user infos");
    if (!r) return ot::Error{r.error()};
    const PgResult& res = r.value()[0];
    for (int i = 0; i < res.rows(); ++i) {
        out.push_back(history::UserInfoRecord{u64(res.int8(i, 0)), u64(res.int8(i, 1)), res.int8(i, 2), res.bytes(i, 3),
                                              static_cast<std::uint32_t>(std::clamp<std::int64_t>(res.int8(i, 4), 0, 359))});
    }
    return out;
}

ot::Result<std::vector<std::string>> PgStorage::documents_before(std::int64_t cutoff_ms) {
    auto r = read({query("SELECT d.id FROM documents d WHERE (SELECT o.time FROM operations o WHERE o.document = d.id "
                         "ORDER BY o.revision LIMIT 1) < $1 ORDER BY d.id",
                         PgParams().int8(cutoff_ms))},
                  "read documents with old history");
    if (!r) return ot::Error{r.error()};
    std::vector<std::string> out;
    const PgResult& res = r.value()[0];
    for (int i = 0; i < res.rows(); ++i) out.push_back(res.bytes(i, 0));
    return out;
}

ot::Result<std::vector<std::uint64_t>> PgStorage::keyframe_revisions(const std::string& document) {
    auto r = read({query("SELECT revision FROM snapshots WHERE document = $1 ORDER BY revision", PgParams().text(document))},
                  "read keyframe revisions");
    if (!r) return ot::Error{r.error()};
    std::vector<std::uint64_t> out;
    const PgResult& res = r.value()[0];
    for (int i = 0; i < res.rows(); ++i) out.push_back(u64(res.int8(i, 0)));
    return out;
}

}  // namespace kolabpad::server::storage
