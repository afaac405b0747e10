#pragma once
// DocGroup: what the load clients of one document share on their thread: who is who (client string ->
// index), the edits still on their way to everyone, and History frames parsed once for all receivers.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kolabpad/ot.hpp"
#include "stats.hpp"

namespace kolabpad::load {

using Clock = std::chrono::steady_clock;

// One entry of a History message, parsed; `sender` is the DocGroup index of its author or -1.
struct ParsedEntry {
    ot::Operation op;
    int sender = -1;
    std::uint64_t seq = 0;
    bool has_seq = false;
};

// A parsed History message: the log entries from index `start` on.
struct ParsedHistory {
    std::uint64_t start = 0;
    std::vector<ParsedEntry> entries;
};

// Shared state of one document's load clients (single-threaded: lives on one io_context).
class DocGroup {
public:
    // A group for document `id` whose latency samples go to `stats`.
    DocGroup(std::string id, Counters& stats) : id_(std::move(id)), stats_(stats) {}

    // The document id.
    const std::string& id() const { return id_; }
    // Registers a client by its `client` string; returns its index in the group.
    int add_client(const std::string& client);
    // Number of clients registered.
    int size() const { return static_cast<int>(names_.size()); }
    // Marks client `index` as connected (true) or gone (false); only connected clients are waited for.
    void set_connected(int index, bool connected);

    // Client `sender` put edit `seq` on the wire at `t`: start waiting for every other connected client.
    void on_sent(int sender, std::uint64_t seq, Clock::time_point t);
    // Client `receiver` (not the sender) received entry (`sender`, `seq`) at `now`.
    void on_received(int sender, std::uint64_t seq, Clock::time_point now);
    // Edits some connected client never received (counted at the end).
    std::size_t incomplete() const { return pending_.size(); }

    // Parses a History frame (cached by content, since every client of the document gets the same
    // frames). Returns null and sets `error` when the frame is not a valid History.
    std::shared_ptr<const ParsedHistory> parse_history(std::string_view frame, std::string& error);

private:
    struct Pending {
        Clock::time_point sent;
        std::uint32_t remaining;
    };
    static std::uint64_t key(int sender, std::uint64_t seq) {
        return (static_cast<std::uint64_t>(sender) << 40) | seq;
    }

    std::string id_;
    Counters& stats_;
    std::vector<std::string> names_;
    std::vector<bool> connected_;
    std::uint32_t connected_count_ = 0;
    std::unordered_map<std::string, int> index_;
    std::unordered_map<std::uint64_t, Pending> pending_;
    std::unordered_map<std::string, std::shared_ptr<const ParsedHistory>> cache_;
    std::deque<std::string> cache_order_;
};

}  // namespace kolabpad::load
