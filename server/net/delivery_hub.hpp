#pragma once
// DeliveryHub: how frames broadcast from another thread (the storage writer, after a commit) reach
// the connections of one network thread. A connection whose inbox becomes non-empty registers with
// its thread's hub, and the hub wakes that thread once per burst, however many connections got
// frames: one hand-off per broadcast and thread, not one per connection. One hub per io_context
// (an Asio service), and each io_context is run by exactly one thread.

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "net/beast.hpp"

namespace kolabpad::server::net {

// Something with frames waiting that the hub's thread must take.
class Drainable {
public:
    virtual ~Drainable() = default;
    // Runs on the hub's thread: takes the frames waiting and starts writing them.
    virtual void drain() = 0;
};

// The hub of one io_context.
class DeliveryHub final : public asio::execution_context::service {
public:
    using key_type = DeliveryHub;
    // Asio's service identity.
    static inline asio::execution_context::id id;

    // Created by asio::use_service<DeliveryHub>(io_context).
    explicit DeliveryHub(asio::execution_context& ctx)
        : asio::execution_context::service(ctx), ioc_(static_cast<asio::io_context&>(ctx)) {}

    // The hub of the io_context that `ex` runs on.
    template <class Executor>
    static DeliveryHub& of(const Executor& ex) {
        return asio::use_service<DeliveryHub>(asio::query(ex, asio::execution::context));
    }

    // Asks for `d->drain()` on this hub's thread soon (any thread may call).
    void wake(std::shared_ptr<Drainable> d) {
        std::unique_lock lock(mutex_);
        waiting_.push_back(std::move(d));
        if (posted_) return;
        posted_ = true;
        lock.unlock();
        asio::post(ioc_, [this] { run(); });
    }

private:
    void shutdown() override {
        std::lock_guard lock(mutex_);
        waiting_.clear();
    }

    void run() {
        {
            std::lock_guard lock(mutex_);
            posted_ = false;
            running_.swap(waiting_);
        }
        for (auto& d : running_) d->drain();
        running_.clear();
    }

    asio::io_context& ioc_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<Drainable>> waiting_;  // guarded by mutex_
    std::vector<std::shared_ptr<Drainable>> running_;  // this thread only: reused between runs
    bool posted_ = false;                              // guarded by mutex_: a run() is queued
};

}  // namespace kolabpad::server::net
