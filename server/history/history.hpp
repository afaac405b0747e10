#pragma once
// History: the answers of /api/text?revision=, /api/history, /api/diff, /api/authors and the Restore
// message, computed from a Source with bounded work (keyframes bound every replay).

#include <cstdint>
#include <optional>
#include <string>

#include "history/diff.hpp"
#include "history/failure.hpp"
#include "history/keyframes.hpp"
#include "history/options.hpp"
#include "history/restore.hpp"
#include "history/sessions.hpp"
#include "history/source.hpp"
#include "history/users.hpp"

namespace kolabpad::server::history {

// A page of sessions and how their authors looked.
struct HistoryPage {
    LogBounds bounds;
    SessionPage page;
    UserDirectory users;  // the ClientInfo records of the page's authors
};

// A diff and how its authors looked.
struct DiffView {
    Diff diff;
    UserDirectory users;  // the ClientInfo records of every author in the spans
};

// The text and authorship of one revision and how its authors looked.
struct AuthorsView {
    Keyframe at;
    UserDirectory users;  // the ClientInfo records of every author in the attribution
};

// What a Restore applies: `op.operation` applies to the text after `revision` operations (the
// head when it was computed); the document transforms it over anything sequenced since, like any
// Edit made at `revision`.
struct RestorePlan {
    std::uint64_t revision = 0;
    RestoreOp op;
};

// Reads a document's history through a Source; stateless and thread-safe when the Source is.
class History {
public:
    // `max_code_points` bounds the texts read back from storage (MAX_DOCUMENT_SIZE_KB).
    History(Source& source, HistoryOptions options, std::uint64_t max_code_points);

    // The text and attribution after `revision` operations. not_found past the head; gone below the
    // first kept revision unless a keyframe (a named version's) is stored at exactly that revision.
    Answer<Keyframe> text_at(const std::string& document, std::uint64_t revision);
    // Sessions ending below `before`, newest first; limit defaults to default_page_limit and must be
    // within 1..page_limit_max (else bad_request).
    Answer<HistoryPage> page(const std::string& document, std::optional<std::uint64_t> before,
                             std::optional<std::uint64_t> limit);
    // What changed from revision `from` to `to` (from <= to <= head, else bad_request / not_found):
    // composed from the log when it is kept and at most diff_max_ops long, else a text diff.
    Answer<DiffView> diff(const std::string& document, std::uint64_t from, std::uint64_t to);
    // The text and attribution at `revision` (default: the head) with their authors' looks.
    Answer<AuthorsView> authors(const std::string& document, std::optional<std::uint64_t> revision);
    // The edit that makes the current text equal to the text at `revision`.
    Answer<RestorePlan> restore(const std::string& document, std::uint64_t revision);

    // The settings in use.
    const HistoryOptions& options() const { return options_; }

private:
    Answer<LogBounds> bounds(const std::string& document);
    Answer<std::vector<OpRecord>> operations(const std::string& document, std::uint64_t from, std::uint64_t to);
    Answer<Keyframe> text_at(const std::string& document, LogBounds bounds, std::uint64_t revision);
    Answer<UserDirectory> users_of(const std::string& document, std::vector<std::uint64_t> users);

    Source& source_;
    const HistoryOptions options_;
    const std::uint64_t max_code_points_;
};

}  // namespace kolabpad::server::history
