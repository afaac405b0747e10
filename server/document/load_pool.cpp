#include "document/load_pool.hpp"

#include <algorithm>

namespace kolabpad::server::document {

LoadPool::LoadPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) threads_.emplace_back([this] { run(); });
}

LoadPool::~LoadPool() { stop(); }

bool LoadPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return false;
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

void LoadPool::stop() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        dropped.swap(jobs_);
    }
    cv_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    dropped.clear();  // outside the lock: a job's captures may run arbitrary destructors
}

std::size_t LoadPool::queued() const {
    std::lock_guard lock(mu_);
    return jobs_.size();
}

void LoadPool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

}  // namespace kolabpad::server::document
