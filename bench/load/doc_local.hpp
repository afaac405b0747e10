#pragma once
// DocLocal: the part of one document that the load clients of one thread share without locks:
// History frames scanned once for all of them (every reader of a document receives the same bytes),
// their operations parsed only when an OT client asks, and how many clients of this thread still
// have to receive each log entry.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "doc_group.hpp"
#include "history_scan.hpp"
#include "kolabpad/ot.hpp"
#include "stats.hpp"

namespace kolabpad::load {

// One History frame as received, scanned, with its operations parsed on first use.
class HistoryFrame {
public:
    // Takes the frame's bytes and its scan.
    HistoryFrame(std::string bytes, ScannedHistory scan) : bytes_(std::move(bytes)), scan_(std::move(scan)) {}

    // The frame's bytes.
    const std::string& bytes() const { return bytes_; }
    // start and the entries' user ids and seqs.
    const ScannedHistory& scan() const { return scan_; }
    // Every entry's operation, parsed once; null with `error` set when one is invalid.
    const std::vector<ot::Operation>* operations(std::string& error);
    // True when each operation applies to what the previous one leaves (checked once, on parse).
    bool chained() const { return chained_; }
    // All operations composed into one (for synchronized clients that keep the text), or null when
    // there are fewer than two or they do not line up.
    const ot::Operation* composition();

private:
    std::string bytes_;
    ScannedHistory scan_;
    std::vector<ot::Operation> ops_;
    std::string ops_error_;
    bool ops_parsed_ = false;
    bool chained_ = true;
    std::optional<ot::Operation> composed_;
    bool composed_tried_ = false;
};

// One document as seen from one load thread (single-threaded: lives on that thread's io_context).
class DocLocal {
public:
    // The view of `group` from thread `thread`, whose latency samples go to `stats`.
    DocLocal(DocGroup& group, int thread, Counters& stats) : group_(group), thread_(thread), stats_(stats) {}

    // The shared group.
    DocGroup& group() { return group_; }
    // This view's thread.
    int thread() const { return thread_; }

    // The History frame with these bytes, scanned (cached by content). Null and `error` set when it
    // is not a valid History.
    std::shared_ptr<HistoryFrame> history(std::string_view frame, std::string& error);

    // A connection of this thread opened (+1) or ended (-1); `user` is its user id once known.
    void add_connected(int delta) { group_.add_connected(thread_, delta); }
    // User `user` is a connection of this thread (known from its Identity) and open (or no longer).
    void set_local_user(std::uint64_t user, bool open);

    // A client of this thread whose own user id is `self` received entries [from, to) of `h` at `now`.
    void on_received(const ScannedHistory& h, std::size_t from, std::size_t to, std::uint64_t self,
                     Clock::time_point now);

private:
    struct Slot {
        std::uint32_t remaining = 0;
        bool seen = false;
    };
    // Cheap: the length and a few bytes from each end; equal keys are then compared in full.
    struct FrameHash {
        std::size_t operator()(std::string_view s) const;
    };
    void evict();

    DocGroup& group_;
    int thread_;
    Counters& stats_;
    std::unordered_map<std::string_view, std::shared_ptr<HistoryFrame>, FrameHash> cache_;
    std::deque<std::string_view> cache_order_;
    std::size_t cache_bytes_ = 0;
    std::unordered_set<std::uint64_t> local_users_;
    std::deque<Slot> slots_;  // log entries from slots_base_ on
    std::uint64_t slots_base_ = 0;
    std::uint64_t first_index_ = 0;  // the lowest log index ever tracked: below it, nothing was seen
    bool slots_started_ = false;
};

}  // namespace kolabpad::load
