#pragma once
// Runner: one thread's io_context with the connections assigned to it (and its view of their
// documents), and a probe of its own event loop's lag. The main thread drives it through call(),
// which runs a function on the runner's thread and waits for its result.

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection.hpp"
#include "doc_local.hpp"

namespace kolabpad::load {

// A snapshot of one client, taken on its thread for the convergence check.
struct ClientView {
    std::string doc;
    Role role = Role::reader;
    bool healthy = false;
    bool idle = false;
    std::uint64_t revision = 0;
    std::uint64_t length = 0;  // authors: the text's length in code points
    std::string text;          // text authors only
    std::string problem;
};

// One load thread: its connections, its views of their documents and its counters.
class Runner {
public:
    // How often the lag probe fires while typing is on.
    static constexpr std::chrono::milliseconds lag_period{5};

    // Load thread number `thread`, whose connections share `shared` (endpoint, mode, rate; rng seeded
    // by the caller).
    Runner(Shared shared, int thread);
    ~Runner();

    // Adds a connection to `doc` in `role`, sending `client` with its edits; before start().
    void add_client(DocGroup& doc, Role role, const std::string& client);
    // Starts the thread.
    void start();
    // The thread's kernel id (after start()).
    long tid() const { return tid_.load(); }
    // CPU seconds the thread has used (user + kernel, nanosecond clock); callable from any thread.
    double cpu_seconds() const;
    // Opens every connection, at most `concurrency` handshakes at a time; the future is ready when
    // every connection is open or failed.
    std::future<void> connect_all(std::size_t concurrency);
    // Turns typing on or off for every connection, and the lag probe with it.
    void set_typing(bool on);
    // Views of every connection (text, revision, health).
    std::vector<ClientView> views();
    // Closes every connection, waits up to `grace` for the closes, then stops the thread.
    void stop(std::chrono::milliseconds grace);
    // The counters, after stop().
    Counters& stats() { return shared_.stats; }
    // Rate-mode ticks that fired late, after stop().
    std::uint64_t ticks_late() const { return shared_.ticks_late; }
    // How late each lag probe fired while typing was on (microseconds), after stop().
    std::vector<std::uint32_t>& lag_us() { return lag_us_; }

    // Runs `f` on the runner's thread and returns its result.
    template <class F>
    auto call(F f) -> decltype(f()) {
        std::packaged_task<decltype(f())()> task(std::move(f));
        auto fut = task.get_future();
        net::post(ioc_, [&task] { task(); });
        return fut.get();
    }

private:
    void connect_next();
    void probe_lag();

    net::io_context ioc_{1};
    net::executor_work_guard<net::io_context::executor_type> guard_;
    Shared shared_;
    int number_;
    std::unordered_map<const DocGroup*, std::unique_ptr<DocLocal>> docs_;
    std::vector<std::unique_ptr<Connection>> conns_;
    std::thread thread_;
    std::atomic<long> tid_{0};
    std::size_t next_connect_ = 0, finished_connects_ = 0;
    std::promise<void> connected_;
    net::steady_timer lag_timer_{ioc_};
    Clock::time_point lag_due_{};
    std::vector<std::uint32_t> lag_us_;
};

}  // namespace kolabpad::load
