#pragma once
// A TCP proxy on 127.0.0.1 for tests: forwards every connection to a target port, and on request
// cuts the connection at the moment the server's answer to a COMMIT passes through it (so the
// server has committed, but the client never hears so).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace kolabpad::server::testing {

class TcpProxy {
public:
    explicit TcpProxy(std::uint16_t target) : target_(target) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_, 64) != 0) return;
        socklen_t len = sizeof a;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { run(); });
    }
    ~TcpProxy() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        ::close(listener_);
    }
    // The port clients connect to (0 when the proxy could not listen).
    std::uint16_t port() const { return port_; }
    // The next server message completing a COMMIT is dropped together with the connection.
    void cut_at_next_commit() { cut_ = true; }
    // Connections cut so far.
    int cuts() const { return cuts_.load(); }

private:
    struct Pair {
        int client;
        int server;
    };

    static int connect_to(std::uint16_t port) {
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            ::close(s);
            return -1;
        }
        return s;
    }

    void run() {
        std::vector<Pair> pairs;
        while (!stop_) {
            std::vector<pollfd> fds{{listener_, POLLIN, 0}};
            for (const Pair& p : pairs) {
                fds.push_back({p.client, POLLIN, 0});
                fds.push_back({p.server, POLLIN, 0});
            }
            if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
            if (fds[0].revents & POLLIN) {
                int c = ::accept(listener_, nullptr, nullptr);
                int s = c >= 0 ? connect_to(target_) : -1;
                if (s >= 0) pairs.push_back({c, s});
                else if (c >= 0) ::close(c);
            }
            std::vector<Pair> kept;
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                const Pair p = pairs[i];
                bool alive = true;
                if (i * 2 + 1 < fds.size() && (fds[i * 2 + 1].revents & (POLLIN | POLLHUP | POLLERR))) alive = pump(p.client, p.server, false);
                if (alive && i * 2 + 2 < fds.size() && (fds[i * 2 + 2].revents & (POLLIN | POLLHUP | POLLERR))) alive = pump(p.server, p.client, true);
                if (alive) {
                    kept.push_back(p);
                } else {
                    ::close(p.client);
                    ::close(p.server);
                }
            }
            pairs = std::move(kept);
        }
        for (const Pair& p : pairs) {
            ::close(p.client);
            ::close(p.server);
        }
    }

    // Moves what `from` has to `to`; false when the pair is done (closed, failed, or cut).
    bool pump(int from, int to, bool from_server) {
        char buf[65536];
        const ssize_t n = ::read(from, buf, sizeof buf);
        if (n <= 0) return false;
        // CommandComplete ('C', length 11, "COMMIT\0"): the transaction is committed on the server.
        static const char commit[] = {'C', 0, 0, 0, 11, 'C', 'O', 'M', 'M', 'I', 'T', 0};
        if (from_server && cut_ && std::search(buf, buf + n, commit, commit + sizeof commit) != buf + n) {
            cut_ = false;
            ++cuts_;
            return false;
        }
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = ::write(to, buf + off, static_cast<std::size_t>(n - off));
            if (w <= 0) return false;
            off += w;
        }
        return true;
    }

    std::uint16_t target_;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<bool> cut_{false};
    std::atomic<int> cuts_{0};
    std::thread thread_;
};

}  // namespace kolabpad::server::testing
