#pragma once
// LoadPool: a few threads that read and rebuild documents from storage, so that a network thread
// never replays a long log. Jobs run in the order posted; each job reports through its own
// completion callback, which the caller hands back to its own executor.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kolabpad::server::document {

// A fixed pool of loader threads over one queue.
class LoadPool {
public:
    // Starts `threads` (at least 1) loader threads.
    explicit LoadPool(unsigned threads);
    // Same as stop().
    ~LoadPool();
    LoadPool(const LoadPool&) = delete;
    LoadPool& operator=(const LoadPool&) = delete;

    // Queues `job`; false (and `job` is dropped) once stopped. The queue holds at most one job per
    // request in flight: each HTTP connection or WebSocket join waits for its own before the next.
    bool post(std::function<void()> job);
    // Lets running jobs finish, drops queued ones (destroying them, and what they hold, in the
    // caller's thread) and joins the threads. Later posts are refused.
    void stop();
    // Jobs queued and not yet started.
    std::size_t queued() const;

private:
    void run();

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace kolabpad::server::document
