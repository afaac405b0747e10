#pragma once
// LeaseManager: the leases this instance holds. One thread renews all of them in one
// LeaseStore::renew every lease/3. A lease counts as lost locally once no renewal that covered
// it succeeded within `lease - margin`, measured on this process's monotonic clock from when
// that renewal *started* (the database extended it to at least start + lease, so until then
// nobody else can hold it); a process that was paused therefore knows, as soon as it runs again
// and before asking anyone, that it may have lost its leases. Losses are reported once each,
// by callback, from the manager's thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/lease_store.hpp"
#include "metrics/histogram.hpp"

namespace kolabpad::server::cluster {

// The lease manager's figures.
struct LeaseStats {
    std::size_t held = 0;
    std::uint64_t renewals = 0;          // successful renew statements
    std::uint64_t renewal_failures = 0;  // renew statements that failed (PostgreSQL unreachable)
    std::uint64_t losses = 0;            // leases lost (not renewed in time, or taken over)
    std::uint64_t acquisitions = 0;
    double last_renew_ms = -1;           // the latest renew statement's round trip
    bool last_renew_ok = true;           // the latest renew statement succeeded (or none was needed)
};

// Keeps this instance's leases.
class LeaseManager {
public:
    using Clock = std::chrono::steady_clock;
    // (document, epoch) of a lease that is lost.
    using OnLost = std::function<void(const std::string& document, std::uint64_t epoch)>;

    // `renewals` is used by the manager's thread only; `calls` for acquire/release (its own
    // connection, so that a slow acquisition never delays renewals). `margin` is subtracted from
    // `lease` for the local expiry.
    LeaseManager(std::unique_ptr<LeaseStore> renewals, std::unique_ptr<LeaseStore> calls, std::string instance,
                 std::chrono::milliseconds lease, std::chrono::milliseconds margin, OnLost on_lost);
    ~LeaseManager();

    // Takes the lease of `document` (blocking: one round trip). On success the lease is held
    // and renewed from now on.
    ot::Result<Acquired> acquire(const std::string& document);
    // Stops renewing and gives the lease up (blocking), naming `successor` if any (reserved to it
    // for one lease duration). False when the lease was no longer ours.
    ot::Result<bool> release(const std::string& document, std::uint64_t epoch,
                             const std::optional<std::string>& successor);
    // Forgets a lease without telling the database (it then expires by itself).
    void forget(const std::string& document, std::uint64_t epoch);
    // Forgets a lease found invalid by valid() before the manager's own thread reported it (the
    // caller saw the loss first); counted as a loss, without the callback.
    void lost(const std::string& document, std::uint64_t epoch);
    // True while (document, epoch) is held and its local expiry has not passed.
    bool valid(const std::string& document, std::uint64_t epoch) const;
    // The lease store for reads (the `calls` connection).
    LeaseStore& store() { return *calls_; }
    // Figures.
    LeaseStats stats() const;
    // Stops the thread (leases are not released: they expire).
    void stop();

    const std::string& instance() const { return instance_; }
    std::chrono::milliseconds lease() const { return lease_; }

private:
    struct Held {
        std::uint64_t epoch = 0;
        Clock::time_point renewed_from;  // start of the latest renewal (or acquisition) that covered it
    };
    void run();
    void renew_once();
    void report_expired();

    std::unique_ptr<LeaseStore> renewals_;
    std::unique_ptr<LeaseStore> calls_;
    const std::string instance_;
    const std::chrono::milliseconds lease_;
    const std::chrono::milliseconds margin_;
    OnLost on_lost_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, Held> held_;
    bool stopping_ = false;
    std::uint64_t renewals_ok_ = 0, renewal_failures_ = 0, losses_ = 0, acquisitions_ = 0;
    double last_renew_ms_ = -1;
    bool last_renew_ok_ = true;
    std::thread thread_;
};

}  // namespace kolabpad::server::cluster
