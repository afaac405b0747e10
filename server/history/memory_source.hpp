#pragma once
// MemorySource: a Source over plain vectors, for tests and benchmarks; it also shows, in a few lines
// per query, what a storage must answer.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "history/source.hpp"

namespace kolabpad::server::history {

// One document's stored history, as a storage would hold it.
struct MemoryDocument {
    std::uint64_t start = 0;                          // first kept revision
    std::vector<StoredOp> ops;                        // revisions start, start + 1, ...
    std::vector<OpSummary> summaries;                 // one per op
    std::map<std::uint64_t, KeyframeRecord> keyframes;
    std::map<std::uint64_t, VersionRecord> versions;
    std::vector<UserInfoRecord> user_infos;
};

// A thread-safe Source over MemoryDocuments.
class MemorySource : public Source {
public:
    // Appends an operation (the next revision) with its summary; fails if it does not parse.
    ot::Result<bool> append(const std::string& document, StoredOp op);
    // Stores a keyframe.
    void put_keyframe(const std::string& document, KeyframeRecord k);
    // Names a revision (replacing an older name of it).
    void put_version(const std::string& document, VersionRecord v);
    // Records a ClientInfo (replacing one of the same user and revision).
    void put_user_info(const std::string& document, UserInfoRecord u);
    // Drops operations below `start` and the keyframes below it except at `keep` (retention).
    void drop_before(const std::string& document, std::uint64_t start, const std::vector<std::uint64_t>& keep);
    // Direct access to a document's records (tests corrupt them on purpose).
    MemoryDocument& document(const std::string& document);

    ot::Result<LogBounds> bounds(const std::string& document) override;
    ot::Result<std::optional<KeyframeRecord>> keyframe_at_or_before(const std::string& document,
                                                                    std::uint64_t revision) override;
    ot::Result<std::vector<StoredOp>> operations(const std::string& document, std::uint64_t from,
                                                 std::uint64_t to) override;
    ot::Result<std::vector<OpSummary>> summaries(const std::string& document, std::uint64_t from,
                                                 std::uint64_t to) override;
    ot::Result<std::vector<VersionRecord>> versions(const std::string& document, std::uint64_t from,
                                                    std::uint64_t to) override;
    ot::Result<std::vector<UserInfoRecord>> user_infos(const std::string& document,
                                                       std::span<const std::uint64_t> users) override;

    // Rows returned by operations() and summaries() so far (tests check that reads stay bounded).
    std::uint64_t rows_read() const;

private:
    template <class T>
    std::vector<T> range(const std::vector<T>& rows, std::uint64_t start, std::uint64_t from, std::uint64_t to);

    mutable std::mutex mu_;
    std::map<std::string, MemoryDocument> docs_;
    std::uint64_t rows_read_ = 0;
};

}  // namespace kolabpad::server::history
