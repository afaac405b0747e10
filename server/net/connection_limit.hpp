#pragma once
// ConnectionLimit: the descriptor budget of the listener. MAX_CONNECTIONS caps the accepted sockets
// that are open at once (HTTP and WebSocket alike: a WebSocket is an upgraded HTTP connection and
// keeps its slot), so the process never runs out of descriptors for SQLite, static files and logs.
// Free of Boost so that its arithmetic is unit-tested.

#include <atomic>
#include <cstdint>
#include <optional>

namespace kolabpad::server::net {

// The process's RLIMIT_NOFILE before and after raising the soft limit to the hard one.
struct DescriptorLimit {
    std::uint64_t soft_before = 0;
    std::uint64_t soft = 0;  // the limit now in force
    std::uint64_t hard = 0;
    bool raised = false;     // setrlimit succeeded and changed the soft limit
};

// Raises the soft RLIMIT_NOFILE to the hard limit (capped at what the kernel accepts).
DescriptorLimit raise_descriptor_limit();

// Descriptors kept out of MAX_CONNECTIONS's default for everything else the process opens: the
// listener, SQLite's files, event loops, static files being sent, connections being refused.
std::uint64_t descriptor_reserve(std::uint64_t descriptor_limit);
// MAX_CONNECTIONS when not set: the descriptor limit minus descriptor_reserve(), at least 1.
std::uint64_t default_max_connections(std::uint64_t descriptor_limit);
// How many connections past the cap may be answered 503 at once; later ones are closed unanswered.
inline constexpr std::uint64_t max_refusing = 16;

// Counts open connections against the cap; thread-safe.
class ConnectionLimit {
public:
    // Holds one counted connection until destroyed (or moved from).
    class Slot {
    public:
        Slot() = default;
        Slot(Slot&& o) noexcept : counter_(o.counter_) { o.counter_ = nullptr; }
        Slot& operator=(Slot&& o) noexcept;
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { release(); }

    private:
        friend class ConnectionLimit;
        explicit Slot(std::atomic<std::uint64_t>* counter) : counter_(counter) {}
        void release();
        std::atomic<std::uint64_t>* counter_ = nullptr;
    };

    // Sets the cap; before the first connection.
    void set_max(std::uint64_t max) { max_ = max; }
    // A slot for a new connection, or nullopt when MAX_CONNECTIONS are open. Called by the one
    // accepting thread, so the check and the increment cannot interleave with another admission.
    std::optional<Slot> try_open();
    // A slot for answering one connection past the cap with 503, or nullopt when max_refusing are
    // already being answered. Either way the connection counts as refused.
    std::optional<Slot> try_refuse();

    // Connections open now (refusals in progress not included).
    std::uint64_t open() const { return open_.load(); }
    // Connections past the cap being answered now.
    std::uint64_t refusing() const { return refusing_.load(); }
    // MAX_CONNECTIONS.
    std::uint64_t max() const { return max_; }
    // Connections refused since start (answered 503, or closed when too many were being answered).
    std::uint64_t refused_total() const { return refused_.load(); }
    // Failed accepts (EMFILE and the like) since start.
    std::uint64_t accept_errors() const { return accept_errors_.load(); }
    // Counts one failed accept.
    void count_accept_error() { accept_errors_.fetch_add(1, std::memory_order_relaxed); }

private:
    std::uint64_t max_ = 1;
    std::atomic<std::uint64_t> open_{0};
    std::atomic<std::uint64_t> refusing_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::uint64_t> accept_errors_{0};
};

}  // namespace kolabpad::server::net
