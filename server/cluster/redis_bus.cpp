#include "cluster/redis_bus.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log/log.hpp"

namespace kolabpad::server::cluster {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}
std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

timeval to_timeval(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
    return tv;
}

// Sends one command and reads its reply on a blocking context; the reply or null (error set).
redisReply* command(redisContext* c, const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    return static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()));
}

bool append(redisContext* c, const std::vector<std::string>& argv) {
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& a : argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
    }
    return redisAppendCommandArgv(c, static_cast<int>(args.size()), args.data(), lens.data()) == REDIS_OK;
}

bool flush_writes(redisContext* c) {
    int done = 0;
    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK) return false;
    }
    return true;
}

std::string_view str(const redisReply* r) {
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) ? std::string_view(r->str, r->len)
                                                                              : std::string_view();
}

}  // namespace

RedisBus::RedisBus(RedisAddress address, RedisBusOptions options) : address_(std::move(address)), options_(std::move(options)) {
    if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
    sub_thread_ = std::thread([this] { run_subscriber(); });
    pub_thread_ = std::thread([this] { run_publisher(); });
}

RedisBus::~RedisBus() {
    stop();
    if (wake_pipe_[0] >= 0) ::close(wake_pipe_[0]);
    if (wake_pipe_[1] >= 0) ::close(wake_pipe_[1]);
}

void RedisBus::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    wake();
    pub_cv_.notify_all();
    if (sub_thread_.joinable()) sub_thread_.join();
    if (pub_thread_.joinable()) pub_thread_.join();
}

void RedisBus::wake() {
    if (wake_pipe_[1] >= 0) {
        const char b = 1;
        [[maybe_unused]] auto n = ::write(wake_pipe_[1], &b, 1);
    }
}

void RedisBus::publish(std::string channel, std::string payload) {
    {
        std::lock_guard lock(pub_mu_);
        if (queue_.size() >= options_.max_queue) {
            queue_.pop_front();
            dropped_.fetch_add(1, std::memory_order_relaxed);
        }
        queue_.emplace_back(std::move(channel), std::move(payload));
    }
    pub_cv_.notify_one();
}

void RedisBus::subscribe(const std::string& channel, Handler handler, std::function<void()> ready) {
    {
        std::lock_guard lock(sub_mu_);
        auto& s = subs_[channel];
        const bool fresh = !s.handler;
        s.handler = std::move(handler);
        if (ready) {
            if (s.confirmed) {
                // Already confirmed: run it on the bus's thread, after what is queued.
                s.ready.push_back(std::move(ready));
                changes_.push_back(Change{true, channel});
            } else {
                s.ready.push_back(std::move(ready));
            }
        }
        if (fresh) changes_.push_back(Change{true, channel});
    }
    wake();
}

void RedisBus::unsubscribe(const std::string& channel) {
    {
        std::lock_guard lock(sub_mu_);
        if (subs_.erase(channel) == 0) return;
        changes_.push_back(Change{false, channel});
    }
    wake();
}

void RedisBus::on_reconnect(std::function<void()> f) {
    std::lock_guard lock(sub_mu_);
    reconnect_handlers_.push_back(std::move(f));
}

BusStats RedisBus::stats() const {
    BusStats s;
    const bool pong_fresh = now_ms() - last_pong_ms_.load() < 2 * options_.ping_interval.count() + options_.timeout.count();
    s.healthy = sub_up_.load() && pub_up_.load() && pong_fresh;
    const auto rtt = rtt_us_.load();
    s.round_trip_ms = rtt < 0 ? -1.0 : static_cast<double>(rtt) / 1000.0;
    s.published = published_.load();
    s.received = received_.load();
    s.dropped = dropped_.load();
    s.reconnects = reconnects_.load();
    {
        std::lock_guard lock(pub_mu_);
        s.queued = queue_.size();
    }
    {
        std::lock_guard lock(sub_mu_);
        s.channels = subs_.size();
    }
    return s;
}

bool RedisBus::drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(pub_mu_);
    return drained_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !publishing_batch_; });
}

bool RedisBus::wait_ready(std::chrono::milliseconds timeout) {
    std::unique_lock lock(sub_mu_);
    return ready_cv_.wait_for(lock, timeout, [&] {
        if (!sub_up_.load() || !pub_up_.load()) return false;
        for (const auto& [ch, s] : subs_) {
            if (!s.confirmed) return false;
        }
        return true;
    });
}

redisContext* RedisBus::connect_once(std::string& error) {
    redisContext* c = redisConnectWithTimeout(address_.host.c_str(), address_.port, to_timeval(options_.timeout));
    if (!c || c->err) {
        error = c ? c->errstr : "cannot allocate a context";
        if (c) redisFree(c);
        return nullptr;
    }
    redisSetTimeout(c, to_timeval(options_.timeout));
    redisEnableKeepAlive(c);
    auto check = [&](std::vector<std::string> argv) {
        redisReply* r = command(c, argv);
        const bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (!ok) error = r ? std::string(r->str, r->len) : std::string(c->errstr);
        if (r) freeReplyObject(r);
        return ok;
    };
    if (!address_.password.empty()) {
        const bool ok = address_.user.empty() ? check({"AUTH", address_.password})
                                              : check({"AUTH", address_.user, address_.password});
        if (!ok) {
            redisFree(c);
            return nullptr;
        }
    }
    if (!check({"CLIENT", "SETNAME", options_.client_name})) {
        redisFree(c);
        return nullptr;
    }
    return c;
}

void RedisBus::sleep_backoff(std::chrono::milliseconds& backoff) {
    const auto until = Clock::now() + backoff;
    while (!stopping_ && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
}

void RedisBus::run_publisher() {
    redisContext* c = nullptr;
    auto backoff = std::chrono::milliseconds(20);
    bool was_up = false;
    std::vector<std::pair<std::string, std::string>> batch;
    while (!stopping_) {
        {
            std::unique_lock lock(pub_mu_);
            pub_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) break;
        }
        if (!c) {
            std::string error;
            c = connect_once(error);
            if (!c) {
                if (pub_up_.exchange(false) || !was_up) log::warn("redis publisher cannot connect", {{"redis", address_.label()}, {"error", error}});
                sleep_backoff(backoff);
                continue;
            }
            backoff = std::chrono::milliseconds(20);
            if (was_up) {
                reconnects_.fetch_add(1);
                log::info("redis publisher reconnected", {{"redis", address_.label()}});
                std::vector<std::function<void()>> handlers;
                {
                    std::lock_guard lock(sub_mu_);
                    handlers = reconnect_handlers_;
                }
                for (auto& h : handlers) h();
            }
            was_up = true;
            pub_up_ = true;
            ready_cv_.notify_all();
        }
        {
            std::lock_guard lock(pub_mu_);
            while (!queue_.empty() && batch.size() < 1024) {
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            publishing_batch_ = !batch.empty();
        }
        if (batch.empty()) continue;
        bool ok = true;
        for (const auto& [ch, payload] : batch) ok = ok && append(c, {"PUBLISH", ch, payload});
        ok = ok && flush_writes(c);
        std::size_t answered = 0;
        while (ok && answered < batch.size()) {
            void* reply = nullptr;
            if (redisGetReply(c, &reply) != REDIS_OK || !reply) {
                ok = false;
                break;
            }
            freeReplyObject(reply);
            ++answered;
        }
        published_.fetch_add(answered);
        if (!ok) {
            // What was sent and not answered may or may not have been published: counted as dropped.
            dropped_.fetch_add(batch.size() - answered);
            log::warn("redis publisher lost its connection", {{"redis", address_.label()}, {"error", c->errstr}});
            redisFree(c);
            c = nullptr;
            pub_up_ = false;
        }
        batch.clear();
        {
            std::lock_guard lock(pub_mu_);
            publishing_batch_ = false;
        }
        drained_cv_.notify_all();
    }
    if (c) redisFree(c);
}

bool RedisBus::sub_send(redisContext* c, const std::vector<std::string>& argv) {
    return append(c, argv) && flush_writes(c);
}

void RedisBus::sub_handle(redisContext* c, void* raw, bool& first_confirmations_done) {
    (void)c;
    auto* r = static_cast<redisReply*>(raw);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return;
    const std::string_view kind = str(r->element[0]);
    if (kind == "message" && r->elements == 3) {
        received_.fetch_add(1, std::memory_order_relaxed);
        Handler h;
        {
            std::lock_guard lock(sub_mu_);
            auto it = subs_.find(std::string(str(r->element[1])));
            if (it != subs_.end()) h = it->second.handler;
        }
        if (h) h(str(r->element[2]));
    } else if (kind == "subscribe") {
        std::vector<std::function<void()>> ready;
        bool all = true;
        {
            std::lock_guard lock(sub_mu_);
            auto it = subs_.find(std::string(str(r->element[1])));
            if (it != subs_.end()) {
                it->second.confirmed = true;
                ready.swap(it->second.ready);
            }
            for (const auto& [ch, s] : subs_) all = all && s.confirmed;
        }
        for (auto& f : ready) f();
        if (all) ready_cv_.notify_all();
        (void)first_confirmations_done;
    } else if (kind == "pong") {
        const std::string_view sent = str(r->element[1]);
        std::int64_t t = 0;
        for (char ch : sent) t = t * 10 + (ch - '0');
        if (t > 0) rtt_us_ = now_us() - t;
        last_pong_ms_ = now_ms();
    }
}

void RedisBus::run_subscriber() {
    redisContext* c = nullptr;
    auto backoff = std::chrono::milliseconds(20);
    bool was_up = false;
    bool resubscribed = true;  // every confirmation after a reconnect arrived and the handlers ran
    std::int64_t ping_sent_ms = 0, next_ping_ms = 0;
    bool ping_outstanding = false;
    auto lose = [&](const char* why) {
        log::warn("redis subscriber lost its connection", {{"redis", address_.label()}, {"error", why}});
        redisFree(c);
        c = nullptr;
        sub_up_ = false;
        std::lock_guard lock(sub_mu_);
        for (auto& [ch, s] : subs_) s.confirmed = false;
    };
    while (!stopping_) {
        if (!c) {
            std::string error;
            c = connect_once(error);
            if (!c) {
                if (sub_up_.exchange(false) || !was_up) log::warn("redis subscriber cannot connect", {{"redis", address_.label()}, {"error", error}});
                sleep_backoff(backoff);
                continue;
            }
            backoff = std::chrono::milliseconds(20);
            std::vector<std::string> argv{"SUBSCRIBE"};
            {
                std::lock_guard lock(sub_mu_);
                changes_.clear();  // everything is subscribed afresh below
                for (auto& [ch, s] : subs_) {
                    s.confirmed = false;
                    argv.push_back(ch);
                }
            }
            if (argv.size() > 1 && !sub_send(c, argv)) {
                lose("cannot subscribe");
                continue;
            }
            if (was_up) {
                reconnects_.fetch_add(1);
                resubscribed = false;
                log::info("redis subscriber reconnected", {{"redis", address_.label()}, {"channels", std::to_string(argv.size() - 1)}});
            }
            was_up = true;
            sub_up_ = true;
            ping_outstanding = false;
            next_ping_ms = now_ms();
            last_pong_ms_ = now_ms();
            ready_cv_.notify_all();
        }
        // Subscription changes asked for by other threads.
        std::vector<std::string> sub{"SUBSCRIBE"}, unsub{"UNSUBSCRIBE"};
        {
            std::lock_guard lock(sub_mu_);
            for (auto& ch : changes_) {
                if (ch.subscribe) sub.push_back(ch.channel);
                else unsub.push_back(ch.channel);
            }
            changes_.clear();
        }
        if ((sub.size() > 1 && !sub_send(c, sub)) || (unsub.size() > 1 && !sub_send(c, unsub))) {
            lose("cannot change subscriptions");
            continue;
        }
        const std::int64_t now = now_ms();
        if (ping_outstanding && now - ping_sent_ms > options_.timeout.count()) {
            lose("ping unanswered");
            continue;
        }
        if (!ping_outstanding && now >= next_ping_ms) {
            if (!sub_send(c, {"PING", std::to_string(now_us())})) {
                lose("cannot ping");
                continue;
            }
            ping_outstanding = true;
            ping_sent_ms = now;
            next_ping_ms = now + options_.ping_interval.count();
        }
        pollfd fds[2] = {{c->fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        const int wait = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(100, next_ping_ms - now)));
        const int n = ::poll(fds, wake_pipe_[0] >= 0 ? 2 : 1, wait);
        if (n < 0) continue;
        if (fds[1].revents & POLLIN) {
            char buf[64];
            while (::read(wake_pipe_[0], buf, sizeof buf) > 0) {
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (redisBufferRead(c) != REDIS_OK) {
                lose(c->errstr);
                continue;
            }
            void* reply = nullptr;
            bool broken = false;
            while (true) {
                if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
                    broken = true;
                    break;
                }
                if (!reply) break;
                auto* r = static_cast<redisReply*>(reply);
                if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && str(r->element[0]) == "pong") ping_outstanding = false;
                bool unused = false;
                sub_handle(c, reply, unused);
                freeReplyObject(reply);
            }
            if (broken) {
                lose("protocol error");
                continue;
            }
        }
        if (!resubscribed) {
            bool all = true;
            std::vector<std::function<void()>> handlers;
            {
                std::lock_guard lock(sub_mu_);
                for (const auto& [ch, s] : subs_) all = all && s.confirmed;
                if (all) handlers = reconnect_handlers_;
            }
            if (all) {
                resubscribed = true;
                for (auto& h : handlers) h();
            }
        }
    }
    if (c) redisFree(c);
}

}  // namespace kolabpad::server::cluster
