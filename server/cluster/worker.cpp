#include "cluster/worker.hpp"

#include <algorithm>
#include <exception>

#include "log/log.hpp"

namespace kolabpad::server::cluster {

Worker::Worker(std::string name) : name_(std::move(name)) { thread_ = std::thread([this] { run(); }); }

Worker::~Worker() { stop(); }

void Worker::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && !on_thread()) thread_.join();
}

void Worker::post(std::function<void()> f) {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        tasks_.push_back(std::move(f));
    }
    cv_.notify_one();
}

void Worker::post_after(std::chrono::milliseconds delay, std::function<void()> f) {
    {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        timers_.emplace(Clock::now() + delay, std::move(f));
    }
    cv_.notify_one();
}

std::size_t Worker::backlog() const {
    std::lock_guard lock(mu_);
    return tasks_.size();
}

void Worker::run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        const auto now = Clock::now();
        std::function<void()> f;
        if (!timers_.empty() && timers_.begin()->first <= now) {
            f = std::move(timers_.begin()->second);
            timers_.erase(timers_.begin());
        } else if (!tasks_.empty()) {
            f = std::move(tasks_.front());
            tasks_.pop_front();
        } else if (!timers_.empty()) {
            cv_.wait_until(lock, timers_.begin()->first);
            continue;
        } else {
            cv_.wait(lock);
            continue;
        }
        lock.unlock();
        try {
            f();
        } catch (const std::exception& e) {
            log::error("task failed", {{"worker", name_}, {"error", e.what()}});
        }
        lock.lock();
    }
}

WorkerPool::WorkerPool(const std::string& name, unsigned n) {
    for (unsigned i = 0; i < std::max(1u, n); ++i) workers_.push_back(std::make_unique<Worker>(name + "-" + std::to_string(i)));
}

void WorkerPool::post(const std::string& key, std::function<void()> f) {
    workers_[std::hash<std::string>{}(key) % workers_.size()]->post(std::move(f));
}

void WorkerPool::stop() {
    for (auto& w : workers_) w->stop();
}

}  // namespace kolabpad::server::cluster
