#pragma once
// DocLocal: the part of one document that the load clients of one thread share without locks: History
// frames parsed once for all of them, and how many of them still have to receive each log entry.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doc_group.hpp"
#include "kolabpad/ot.hpp"
#include "stats.hpp"

namespace kolabpad::load {

// One entry of a History message, parsed; `sender` is the DocGroup index of its author or -1.
struct ParsedEntry {
    ot::Operation op;
    int sender = -1;
    std::uint64_t seq = 0;
    bool has_seq = false;
};

// A parsed History message: the log entries from index `start` on, and, once a second client of the
// thread has asked for the same frame (and when they line up), all of their operations composed into
// one, for the clients that only have to apply them.
struct ParsedHistory {
    std::uint64_t start = 0;
    std::vector<ParsedEntry> entries;
    std::optional<ot::Operation> composed;
};

// One document as seen from one load thread (single-threaded: lives on that thread's io_context).
class DocLocal {
public:
    // The view of `group` from thread `thread`, whose latency samples go to `stats`.
    DocLocal(DocGroup& group, int thread, Counters& stats) : group_(group), thread_(thread), stats_(stats) {}

    // The shared group.
    DocGroup& group() { return group_; }

    // Parses a History frame (cached by content, since every client of the document gets the same
    // frames). Returns null and sets `error` when the frame is not a valid History.
    std::shared_ptr<const ParsedHistory> parse_history(std::string_view frame, std::string& error);

    // A client of this thread (not the author) received log entry `index`, edit (`sender`, `seq`), at `now`.
    void on_received(std::uint64_t index, int sender, std::uint64_t seq, Clock::time_point now);

private:
    struct Slot {
        std::uint32_t remaining = 0;
        bool seen = false;
    };
    struct Cached {
        std::string frame;
        std::shared_ptr<ParsedHistory> parsed;
        bool composed = false;  // compose was tried
    };
    // Cheap: the length and a few bytes from each end; equal keys are then compared in full.
    struct FrameHash {
        std::size_t operator()(std::string_view s) const;
    };

    DocGroup& group_;
    int thread_;
    Counters& stats_;
    std::unordered_map<std::string_view, std::unique_ptr<Cached>, FrameHash> cache_;
    std::deque<std::string_view> cache_order_;
    std::deque<Slot> slots_;  // log entries from slots_base_ on
    std::uint64_t slots_base_ = 0;
    bool slots_started_ = false;
};

}  // namespace kolabpad::load
