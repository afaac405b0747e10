// One load thread: connection pacing, typing switch, the lag probe, views, and an orderly stop.
#include "runner.hpp"

#include <ctime>

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kolabpad::load {

Runner::Runner(Shared shared, int thread)
    : guard_(net::make_work_guard(ioc_)), shared_(std::move(shared)), number_(thread) {}

Runner::~Runner() {
    if (thread_.joinable()) stop(std::chrono::milliseconds(0));
    conns_.clear();  // sockets close while the io_context still exists
}

void Runner::add_client(DocGroup& doc, Role role, const std::string& client) {
    auto& local = docs_[&doc];
    if (!local) local = std::make_unique<DocLocal>(doc, number_, shared_.stats);
    conns_.push_back(std::make_unique<Connection>(ioc_, shared_, *local, role, client));
}

void Runner::start() {
    std::promise<void> started;
    auto fut = started.get_future();
    thread_ = std::thread([this, &started] {
        tid_ = static_cast<long>(::syscall(SYS_gettid));
        started.set_value();
        ioc_.run();
    });
    fut.wait();
}

double Runner::cpu_seconds() const {
    clockid_t clock{};
    timespec ts{};
    auto self = const_cast<std::thread&>(thread_).native_handle();
    if (pthread_getcpuclockid(self, &clock) != 0 || clock_gettime(clock, &ts) != 0) return -1;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::future<void> Runner::connect_all(std::size_t concurrency) {
    auto fut = connected_.get_future();
    net::post(ioc_, [this, concurrency] {
        if (conns_.empty()) return connected_.set_value();
        for (std::size_t i = 0; i < concurrency && next_connect_ < conns_.size(); ++i) connect_next();
    });
    return fut;
}

void Runner::connect_next() {
    auto& c = *conns_[next_connect_++];
    c.start([this](bool) {
        if (++finished_connects_ == conns_.size()) return connected_.set_value();
        if (next_connect_ < conns_.size()) connect_next();
    });
}

void Runner::set_typing(bool on) {
    call([this, on] {
        shared_.typing = on;
        if (on) {
            for (auto& c : conns_) c->start_typing();
            lag_due_ = Clock::now() + lag_period;
            probe_lag();
        } else {
            lag_timer_.cancel();
        }
        return 0;
    });
}

// Fires every lag_period; how late it runs is how long the loop was busy (or the thread not scheduled).
void Runner::probe_lag() {
    lag_timer_.expires_at(lag_due_);
    lag_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !shared_.typing) return;
        const auto now = Clock::now();
        lag_us_.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(now - lag_due_).count()));
        lag_due_ += lag_period;
        if (lag_due_ < now) lag_due_ = now + lag_period;
        probe_lag();
    });
}

std::vector<ClientView> Runner::views() {
    return call([this] {
        std::vector<ClientView> out;
        out.reserve(conns_.size());
        for (auto& c : conns_)
            out.push_back(ClientView{c->doc_id(), c->role(), c->healthy(), c->idle(), c->revision(),
                                     c->state().length(), c->state().text(), c->problem()});
        return out;
    });
}

void Runner::stop(std::chrono::milliseconds grace) {
    call([this] {
        shared_.typing = false;
        shared_.closing = true;
        lag_timer_.cancel();
        for (auto& c : conns_) c->close();
        return 0;
    });
    guard_.reset();
    // The closes finish on their own; whatever is still open after `grace` is abandoned.
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (!ioc_.stopped() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace kolabpad::load
