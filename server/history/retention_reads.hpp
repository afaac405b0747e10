#pragma once
// RetentionReads: what the retention job (HISTORY_RETENTION_DAYS) reads besides a Source: which
// documents have old history, and where their keyframes are. SQLite and PostgreSQL implement it.

#include <cstdint>
#include <string>
#include <vector>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// Retention's reads; implementations are thread-safe, every call is one read.
class RetentionReads {
public:
    virtual ~RetentionReads() = default;

    // The documents whose first kept operation was sequenced before `cutoff_ms` (unix ms), by id.
    virtual ot::Result<std::vector<std::string>> documents_before(std::int64_t cutoff_ms) = 0;
    // The revisions of a document's stored keyframes, ascending.
    virtual ot::Result<std::vector<std::uint64_t>> keyframe_revisions(const std::string& document) = 0;
};

}  // namespace kolabpad::server::history
