#pragma once
// Source: what the history reads from storage for one document. SQLite and PostgreSQL storages
// implement it with a few indexed queries; MemorySource keeps everything in vectors.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "history/records.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// The extent of a document's stored log: operations [start, head) are kept. start > 0 once
// retention dropped older operations; a keyframe is then stored at `start`.
struct LogBounds {
    std::uint64_t start = 0;
    std::uint64_t head = 0;
};

// Reads of one document's history; implementations are thread-safe, every call is one read.
class Source {
public:
    virtual ~Source() = default;

    // The document's log extent; {0, 0} for an unknown document.
    virtual ot::Result<LogBounds> bounds(const std::string& document) = 0;
    // The stored keyframe with the greatest revision <= `revision`; nullopt when there is none.
    virtual ot::Result<std::optional<KeyframeRecord>> keyframe_at_or_before(const std::string& document,
                                                                            std::uint64_t revision) = 0;
    // The stored operations with revisions in [from, to), ascending.
    virtual ot::Result<std::vector<StoredOp>> operations(const std::string& document, std::uint64_t from,
                                                         std::uint64_t to) = 0;
    // The summaries of the operations with revisions in [from, to), ascending.
    virtual ot::Result<std::vector<OpSummary>> summaries(const std::string& document, std::uint64_t from,
                                                         std::uint64_t to) = 0;
    // The named versions with revisions in [from, to), ascending.
    virtual ot::Result<std::vector<VersionRecord>> versions(const std::string& document, std::uint64_t from,
                                                            std::uint64_t to) = 0;
    // Every ClientInfo record of the given users.
    virtual ot::Result<std::vector<UserInfoRecord>> user_infos(const std::string& document,
                                                               std::span<const std::uint64_t> users) = 0;
};

}  // namespace kolabpad::server::history
