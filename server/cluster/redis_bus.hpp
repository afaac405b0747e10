#pragma once
// RedisBus: the Bus over Redis pub/sub with hiredis's blocking API on two dedicated threads: a
// subscriber thread that owns the subscriber connection (poll() on its socket and a wake-up pipe,
// replies taken from hiredis's reader, subscriptions changed only from that thread) and a
// publisher thread that pipelines PUBLISH from a bounded queue. Both reconnect with backoff; the
// subscriber subscribes every channel again and then calls the on_reconnect handlers.
// Why threads and not hiredis's async API: docs/distributed.md, "Bus".

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/bus.hpp"
#include "cluster/redis_url.hpp"

struct redisContext;

namespace kolabpad::server::cluster {

// How the bus connects and how much it holds.
struct RedisBusOptions {
    std::chrono::milliseconds timeout{2000};       // connecting, one reply, an unanswered ping
    std::chrono::milliseconds ping_interval{500};  // subscriber-connection liveness and round trip
    std::size_t max_queue = 100000;                // REDIS_PUBLISH_QUEUE_LIMIT: messages waiting to be published
    std::string client_name = "kolabpad";          // CLIENT SETNAME (visible in CLIENT LIST)
};

// The bus over one Redis server.
class RedisBus final : public Bus {
public:
    // Starts both threads; they connect in the background (stats().healthy tells when they are up).
    RedisBus(RedisAddress address, RedisBusOptions options);
    ~RedisBus() override;

    void publish(std::string channel, std::string payload) override;
    void subscribe(const std::string& channel, Handler handler, std::function<void()> ready = {}) override;
    void unsubscribe(const std::string& channel) override;
    void on_reconnect(std::function<void()> f) override;
    BusStats stats() const override;
    bool drain(std::chrono::milliseconds timeout) override;
    // Stops both threads (what is still queued is dropped).
    void stop();
    // Blocks until both connections are up and the subscriptions made so far are confirmed, or
    // `timeout` passed; true when up.
    bool wait_ready(std::chrono::milliseconds timeout);

private:
    struct Subscription {
        Handler handler;
        std::vector<std::function<void()>> ready;  // waiting for Redis's confirmation
        bool confirmed = false;
    };
    struct Change {
        bool subscribe;
        std::string channel;
    };

    void run_subscriber();
    void run_publisher();
    redisContext* connect_once(std::string& error);
    bool sub_send(redisContext* c, const std::vector<std::string>& argv);
    void sub_handle(redisContext* c, void* reply, bool& first_confirmations_done);
    void wake();
    void sleep_backoff(std::chrono::milliseconds& backoff);

    const RedisAddress address_;
    const RedisBusOptions options_;
    std::atomic<bool> stopping_{false};
    int wake_pipe_[2] = {-1, -1};

    mutable std::mutex sub_mu_;
    std::map<std::string, Subscription> subs_;
    std::deque<Change> changes_;  // for the subscriber thread
    std::vector<std::function<void()>> reconnect_handlers_;
    std::condition_variable ready_cv_;

    mutable std::mutex pub_mu_;
    std::condition_variable pub_cv_;
    std::condition_variable drained_cv_;
    std::deque<std::pair<std::string, std::string>> queue_;
    bool publishing_batch_ = false;

    std::atomic<bool> sub_up_{false};
    std::atomic<bool> pub_up_{false};
    std::atomic<std::int64_t> rtt_us_{-1};
    std::atomic<std::uint64_t> published_{0}, received_{0}, dropped_{0}, reconnects_{0};
    std::atomic<std::int64_t> last_pong_ms_{0};
    std::thread sub_thread_;
    std::thread pub_thread_;
};

}  // namespace kolabpad::server::cluster
