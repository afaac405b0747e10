#pragma once
// Worker: one thread running posted tasks in order, and tasks due after a delay. The cluster's
// relays and owned documents live on one worker (no locks between them); blocking database
// calls run on another so that a slow PostgreSQL never stalls the bus traffic.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kolabpad::server::cluster {

// A task thread.
class Worker {
public:
    using Clock = std::chrono::steady_clock;

    // Starts the thread; `name` shows in logs when a task throws.
    explicit Worker(std::string name);
    // Stops and joins (tasks not run yet are dropped).
    ~Worker();
    // Runs `f` on the thread after the tasks posted before it.
    void post(std::function<void()> f);
    // Runs `f` on the thread once `delay` passed.
    void post_after(std::chrono::milliseconds delay, std::function<void()> f);
    // True when called from the worker's own thread.
    bool on_thread() const { return std::this_thread::get_id() == thread_.get_id(); }
    // Tasks waiting (not counting timers).
    std::size_t backlog() const;
    // Stops taking tasks and joins the thread.
    void stop();

private:
    void run();

    const std::string name_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    std::multimap<Clock::time_point, std::function<void()>> timers_;
    bool stopping_ = false;
    std::thread thread_;
};

// Several workers; tasks about one key (a document) always run on the same one, in order.
class WorkerPool {
public:
    // `n` threads (at least 1).
    WorkerPool(const std::string& name, unsigned n);
    // Runs `f` on the worker of `key`.
    void post(const std::string& key, std::function<void()> f);
    // Stops and joins every worker.
    void stop();

private:
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace kolabpad::server::cluster
