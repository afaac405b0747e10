#include "net/server.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "document/retention_runner.hpp"
#include "log/log.hpp"
#include "net/beast.hpp"
#include "net/context.hpp"
#include "net/connection_limit.hpp"
#include "net/http_session.hpp"
#include "net/cors.hpp"
#include "net/security_headers.hpp"
#include "cluster/cluster.hpp"

namespace kolabpad::server::net {
namespace {

using Seconds = std::chrono::duration<double>;

std::chrono::steady_clock::duration to_duration(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(Seconds(s));
}

// Lets a repeating event be logged at most once per interval, counting the occurrences in between.
class LogThrottle {
public:
    explicit LogThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}
    // True when this occurrence should be logged; `suppressed` is then how many were not since.
    bool allow(std::uint64_t& suppressed) {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_) {
            ++suppressed_;
            return false;
        }
        next_ = now + interval_;
        suppressed = suppressed_;
        suppressed_ = 0;
        return true;
    }
    // Occurrences not logged since the last logged one.
    std::uint64_t pending() const { return suppressed_; }

private:
    const std::chrono::steady_clock::duration interval_;
    std::chrono::steady_clock::time_point next_{};
    std::uint64_t suppressed_ = 0;
};

// Accept errors that mean "out of descriptors or memory": retrying at once would spin.
bool resource_exhausted(const beast::error_code& ec) {
    if (ec.category() != boost::system::system_category()) return false;
    const int v = ec.value();
    return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

constexpr auto accept_backoff_first = std::chrono::milliseconds(20);
constexpr auto accept_backoff_max = std::chrono::seconds(1);
constexpr auto log_interval = std::chrono::seconds(1);

// Accepts connections and deals them out over the network threads' io_contexts, round robin;
// counts each against MAX_CONNECTIONS and refuses those past it. When accepting fails for want of
// descriptors, waits (20 ms, doubling to 1 s, back to 20 ms after a success) instead of spinning.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(std::vector<asio::io_context*> contexts, tcp::acceptor acceptor, Context& ctx)
        : contexts_(std::move(contexts)),
          acceptor_(std::move(acceptor)),
          ctx_(ctx),
          retry_(acceptor_.get_executor()) {}

    void accept() {
        asio::io_context& target = *contexts_[next_++ % contexts_.size()];
        acceptor_.async_accept(target.get_executor(), [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
            if (!ec) {
                self->accepted(std::move(s));
                self->accept();
                return;
            }
            self->ctx_.connection_limit.count_accept_error();
            std::uint64_t suppressed = 0;
            if (!resource_exhausted(ec)) {
                // A connection that failed on its own (reset before accept...): the next one may work.
                if (self->error_log_.allow(suppressed)) {
                    log::warn("accept failed", {{"error", ec.message()}, {"suppressed", std::to_string(suppressed)}});
                }
                self->accept();
                return;
            }
            auto& backoff = self->backoff_;
            backoff = backoff.count() == 0 ? accept_backoff_first
                                           : std::min(backoff * 2, std::chrono::milliseconds(accept_backoff_max));
            if (self->error_log_.allow(suppressed)) {
                log::warn("accept failed; retrying later",
                          {{"error", ec.message()}, {"retry_ms", std::to_string(backoff.count())},
                           {"suppressed", std::to_string(suppressed)},
                           {"open_connections", std::to_string(self->ctx_.connection_limit.open())}});
            }
            self->retry_.expires_after(self->backoff_);
            self->retry_.async_wait([self](beast::error_code e) {
                if (!e && self->acceptor_.is_open()) self->accept();
            });
        });
    }

    void stop() {
        beast::error_code ignored;
        acceptor_.close(ignored);
        retry_.cancel();
    }

private:
    void accepted(tcp::socket s) {
        if (backoff_.count() != 0) {
            backoff_ = {};
            log::info("accepting again", {{"failed_accepts_not_logged", std::to_string(error_log_.pending())}});
        }
        beast::error_code ignored;
        s.set_option(tcp::no_delay(true), ignored);  // frames go out at once, not after a delayed ACK
        auto& limit = ctx_.connection_limit;
        if (auto slot = limit.try_open()) {
            start_http(std::move(s), ctx_, std::move(*slot));
            return;
        }
        std::uint64_t suppressed = 0;
        if (refusal_log_.allow(suppressed)) {
            log::warn("connection refused: MAX_CONNECTIONS reached",
                      {{"max_connections", std::to_string(limit.max())}, {"suppressed", std::to_string(suppressed)}});
        }
        if (auto slot = limit.try_refuse()) {
            refuse_http(std::move(s), ctx_, std::move(*slot));
            return;
        }
        s.close(ignored);  // more refusals under way than max_refusing: no answer
    }

    std::vector<asio::io_context*> contexts_;
    std::size_t next_ = 0;
    tcp::acceptor acceptor_;
    Context& ctx_;
    asio::steady_timer retry_;
    std::chrono::milliseconds backoff_{0};  // 0 while accepting works
    LogThrottle error_log_{log_interval};
    LogThrottle refusal_log_{log_interval};
};

// Runs eviction and a history retention pass (HISTORY_RETENTION_DAYS) every CLEANUP_INTERVAL_HOURS.
void schedule_cleanup(asio::steady_timer& timer, Context& ctx, document::RetentionRunner& retention) {
    timer.expires_after(to_duration(ctx.config.cleanup_interval_seconds));
    timer.async_wait([&timer, &ctx, &retention](beast::error_code ec) {
        if (ec || ctx.shutting_down) return;
        const std::size_t n = ctx.registry.evict_idle(Seconds(ctx.config.expiry_seconds));
        if (n) log::info("evicted idle documents", {{"count", std::to_string(n)}});
        using namespace std::chrono;
        retention.start(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
        schedule_cleanup(timer, ctx, retention);
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
    configure_security_headers(config.frame_ancestors);
    configure_cors(config.cors_origins);
    log::info("access", {{"auth_mode", std::string(auth::auth_mode_name(config.auth_mode))},
                         {"token_documents", std::to_string(config.token_documents.size())},
                         {"algorithm", config.tokens.verify_key ? std::string(auth::algorithm_name(config.tokens.verify_key->algorithm()))
                                                                : std::string("none")},
                         {"cors_origins", config.cors_origins.any() ? std::string("*")
                                                                    : std::to_string(config.cors_origins.origins().size())}});
    Context ctx{config, registry, storage, telemetry, simulator};
    ctx.cluster = cluster;
    // Every connection is a descriptor: use all the kernel allows, and cap connections below it.
    const DescriptorLimit fds = raise_descriptor_limit();
    const std::uint64_t max_connections = config.max_connections ? config.max_connections : default_max_connections(fds.soft);
    ctx.connection_limit.set_max(max_connections);
    log::info("descriptor limit", {{"soft_before", std::to_string(fds.soft_before)}, {"soft", std::to_string(fds.soft)},
                                   {"hard", std::to_string(fds.hard)}, {"max_connections", std::to_string(max_connections)}});
    if (max_connections + descriptor_reserve(fds.soft) / 2 > fds.soft) {
        log::warn("MAX_CONNECTIONS leaves too few descriptors for storage and files; accepts may fail with EMFILE",
                  {{"max_connections", std::to_string(max_connections)}, {"descriptor_limit", std::to_string(fds.soft)}});
    }
    ctx.start_time = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    // By default half the cores: the storage writer and the kernel's TCP work need the rest.
    const unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency() / 2);
    // One io_context per network thread, each connection on one of them: a connection's handlers
    // then never wake a second thread (one shared io_context for N threads does, per event), and
    // since exactly one thread runs each io_context, connections need no strand.
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

    document::RetentionRunner retention(storage, registry.job_runner(), config.history, config.max_document_code_points);
    asio::steady_timer cleanup(ioc);
    schedule_cleanup(cleanup, ctx, retention);
    asio::steady_timer memory_check(ioc);
    schedule_memory_check(memory_check, ctx);

    asio::steady_timer drain(ioc);
    std::chrono::steady_clock::time_point deadline{};  // set when the signal arrives
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
        // Counted from the signal: sessions get 80% of SHUTDOWN_TIMEOUT_SECONDS to drain.
        deadline = std::chrono::steady_clock::now() + to_duration(config.shutdown_timeout_seconds * 0.8);
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
    // While the io_contexts still exist: loads under way finish, queued ones fail, and their
    // callbacks (which hold sessions) are destroyed here rather than after the contexts.
    registry.stop_loading();
    storage.flush();
    log::info("stopped");
    return 0;
}

}  // namespace kolabpad::server::net
