#pragma once
// scan_history: what a thin reader needs from a History frame, without building JSON values or
// operations: the frame's start, and per entry the author's user id, the echoed seq and where the
// entry's operation lies in the frame (parsed later, and only by clients that do OT).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kolabpad::load {

// One entry of a History frame.
struct ScannedEntry {
    std::uint64_t user = 0;  // "id": the user id of the connection that sent the edit
    std::uint64_t seq = 0;   // "seq", when has_seq
    bool has_seq = false;
    std::uint32_t op_at = 0, op_len = 0;  // the "operation" value, as bytes of the frame
};

// A History frame's log entries from index `start` on.
struct ScannedHistory {
    std::uint64_t start = 0;
    std::vector<ScannedEntry> entries;
};

// Scans {"History":{"start":S,"operations":[{"id":N,"operation":[...],"seq":K,...},...]}} (members
// in any order, unknown members skipped, nesting bounded); false with `error` set when it is not that.
// The `client` member is skipped whatever it holds: entries are told apart by user id.
bool scan_history(std::string_view frame, ScannedHistory& out, std::string& error);

}  // namespace kolabpad::load
