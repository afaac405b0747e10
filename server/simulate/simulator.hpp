#pragma once
// Simulator: simulated users for load demos and tests (POST /api/simulate/users/{id}). Each one joins
// its document through Document::join like a connection (it is a Peer without a socket), announces
// a name and hue (UserInfo), and types at a fixed rate through Document::edit (so its edits are
// durable and broadcast like anyone's) while moving its cursor. One thread drives all of them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "document/registry.hpp"
#include "kolabpad/ot/result.hpp"
#include "metrics/telemetry.hpp"

namespace kolabpad::server::simulate {

// Bounds of the simulator (SIMULATE_MAX_USERS, SIMULATE_MAX_RATE).
struct Limits {
    std::size_t max_users_per_document = 20;
    double max_rate = 10.0;  // edits per second per simulated user
};

// All simulated users of the server.
class Simulator {
public:
    // `registry` and `telemetry` must outlive the simulator.
    Simulator(document::Registry& registry, Telemetry& telemetry, Limits limits);
    ~Simulator();

    // Adds `count` users to document `id` (loading or creating it), each typing `rate` edits per
    // second (0: they only join and place a cursor). Fails with "bad_count" (count 0),
    // "too_many_users" (more than max_users_per_document would be simulated in it),
    // "rate_too_high", or "storage_failure". Returns the new users' ids.
    ot::Result<std::vector<std::uint64_t>> add(const std::string& id, std::size_t count, double rate);
    // Removes every simulated user of `id` (each leave is announced with UserInfo null); returns how many.
    std::size_t remove(const std::string& id);
    // Simulated users in `id` still connected.
    std::size_t count(const std::string& id) const;
    // Removes every simulated user and stops the thread; for shutdown.
    void stop();

    struct User;  // one simulated user (defined in the .cpp)

private:
    void run();
    std::size_t live_locked(const std::string& id) const;

    document::Registry& registry_;
    Telemetry& telemetry_;
    const Limits limits_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, std::vector<std::shared_ptr<User>>> users_;  // by document id
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace kolabpad::server::simulate
