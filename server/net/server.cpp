#include "net/server.hpp"

#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "log/log.hpp"
#include "net/beast.hpp"
#include "net/context.hpp"
#include "net/http_session.hpp"
#include "cluster/cluster.hpp"

namespace kolabpad::server::net {
namespace {

using Seconds = std::chrono::duration<double>;

std::chrono::steady_clock::duration to_duration(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(Seconds(s));
}

// Accepts connections and deals them out over the network threads' io_contexts, round robin.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(std::vector<asio::io_context*> contexts, tcp::acceptor acceptor, Context& ctx)
        : contexts_(std::move(contexts)), acceptor_(std::move(acceptor)), ctx_(ctx) {}

    void accept() {
        asio::io_context& target = *contexts_[next_++ % contexts_.size()];
        acceptor_.async_accept(asio::make_strand(target), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
            if (!ec) {
                beast::error_code ignored;
                s.set_option(tcp::no_delay(true), ignored);  // frames go out at once, not after a delayed ACK
                start_http(std::move(s), self->ctx_);
            }
            else log::warn("accept failed", {{"error", ec.message()}});
            self->accept();
        });
    }

    void stop() {
        beast::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    std::vector<asio::io_context*> contexts_;
    std::size_t next_ = 0;
    tcp::acceptor acceptor_;
    Context& ctx_;
};

// Runs eviction every CLEANUP_INTERVAL_HOURS.
void schedule_cleanup(asio::steady_timer& timer, Context& ctx) {
    timer.expires_after(to_duration(ctx.config.cleanup_interval_seconds));
    timer.async_wait([&timer, &ctx](beast::error_code ec) {
        if (ec || ctx.shutting_down) return;
        const std::size_t n = ctx.registry.evict_idle(Seconds(ctx.config.expiry_seconds));
        if (n) log::info("evicted idle documents", {{"count", std::to_string(n)}});
        schedule_cleanup(timer, ctx);
    });
}

// Every MEMORY_CHECK_INTERVAL_SECONDS, evicts idle documents while their memory exceeds MAX_MEMORY_MB.
void schedule_memory_check(asio::steady_timer& timer, Context& ctx) {
    if (ctx.config.max_memory_mb == 0) return;
    timer.expires_after(to_duration(ctx.config.memory_check_interval_seconds));
    timer.async_wait([&timer, &ctx](beast::error_code ec) {
        if (ec || ctx.shutting_down) return;
        const std::uint64_t limit = ctx.config.max_memory_mb * 1024 * 1024;
        if (const std::size_t n = ctx.registry.enforce_memory(limit)) {
            log::info("evicted documents over MAX_MEMORY_MB",
                      {{"count", std::to_string(n)}, {"documents_bytes", std::to_string(ctx.registry.memory_bytes())},
                       {"limit_bytes", std::to_string(limit)}});
        }
        schedule_memory_check(timer, ctx);
    });
}

std::chrono::milliseconds to_duration_ms(double s) { return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000)); }

}  // namespace

int run_server(const Config& config, document::Registry& registry, storage::Storage& storage, Telemetry& telemetry,
               simulate::Simulator& simulator, cluster::Cluster* cluster) {
    Context ctx{config, registry, storage, telemetry, simulator};
    ctx.cluster = cluster;
    ctx.start_time = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    // By default half the cores: the storage writer and the kernel's TCP work need the rest.
    const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency() / 2);
    // One io_context per network thread, each connection on one of them: a connection's handlers
    // then never wake a second thread (one shared io_context for N threads does, per event).
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    std::vector<asio::io_context*> context_ptrs;
    for (unsigned i = 0; i < threads; ++i) {
        contexts.push_back(std::make_unique<asio::io_context>(1));
        context_ptrs.push_back(contexts.back().get());
    }
    asio::io_context& ioc = *contexts.front();  // also runs the listener, timers and signals
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (unsigned i = 1; i < threads; ++i) keep_running.push_back(asio::make_work_guard(*contexts[i]));
    auto stop_all = [&] {
        keep_running.clear();
        for (auto& c : contexts) c->stop();
    };

    beast::error_code ec;
    const auto address = asio::ip::make_address(config.host, ec);
    if (ec) {
        std::fprintf(stderr, "HOST: cannot use \"%s\": %s\n", config.host.c_str(), ec.message().c_str());
        return 2;
    }
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint endpoint(address, config.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        log::error("cannot listen", {{"host", config.host}, {"port", std::to_string(config.port)}, {"error", ec.message()}});
        return 1;
    }
    const auto port = acceptor.local_endpoint().port();
    auto listener = std::make_shared<Listener>(context_ptrs, std::move(acceptor), ctx);
    listener->accept();

    asio::steady_timer cleanup(ioc);
    schedule_cleanup(cleanup, ctx);
    asio::steady_timer memory_check(ioc);
    schedule_memory_check(memory_check, ctx);

    asio::steady_timer drain(ioc);
    const auto deadline = std::chrono::steady_clock::now() + to_duration(config.shutdown_timeout_seconds * 0.8);
    std::function<void()> wait_drained = [&] {
        if (ctx.metrics.connections.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
            stop_all();
            return;
        }
        drain.expires_after(std::chrono::milliseconds(20));
        drain.async_wait([&](beast::error_code) { wait_drained(); });
    };

    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code e, int sig) {
        if (e) return;
        log::info("shutting down", {{"signal", std::to_string(sig)}});
        ctx.shutting_down = true;
        listener->stop();
        cleanup.cancel();
        memory_check.cancel();
        // Whatever happens below, the process ends within SHUTDOWN_TIMEOUT_SECONDS.
        std::thread([limit = config.shutdown_timeout_seconds] {
            std::this_thread::sleep_for(to_duration(limit));
            log::error("shutdown timed out; exiting");
            std::_Exit(1);
        }).detach();
        simulator.stop();  // simulated users leave first, then every document is flushed and closed
        if (cluster) cluster->shutdown(to_duration_ms(config.shutdown_timeout_seconds * 0.6));
        registry.shutdown();
        wait_drained();
    });

    log::info("listening on http://" + config.host + ":" + std::to_string(port),
              {{"threads", std::to_string(threads)}, {"storage", config.storage_label()},
               {"synchronous", config.sqlite_sync_full ? "full" : "normal"},
               {"commit_window_ms", std::to_string(config.storage_commit_window_ms)}});

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([c = contexts[i].get()] { c->run(); });
    ioc.run();
    for (auto& t : pool) t.join();
    storage.flush();
    log::info("stopped");
    return 0;
}

}  // namespace kolabpad::server::net
