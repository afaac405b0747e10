// fdatasync and loopback round-trip probes with plain POSIX calls, timed one sample at a time.
#include "probe.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kolabpad::load {

namespace {

using Clock = std::chrono::steady_clock;

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5))];
}

double us_since(Clock::time_point t) { return std::chrono::duration<double, std::micro>(Clock::now() - t).count(); }

bool full_io(int fd, char* p, std::size_t n, bool write) {
    while (n > 0) {
        const ssize_t r = write ? ::write(fd, p, n) : ::read(fd, p, n);
        if (r <= 0) return false;
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

// 4 KiB overwrites of a preallocated 1 MiB region, each followed by fdatasync: like a reused WAL.
std::optional<std::vector<double>> disk(const std::string& dir, int samples, std::string& error) {
    const std::string path = dir + "/kolabpad-probe-" + std::to_string(::getpid()) + ".tmp";
    const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) return error = "open " + path + ": " + std::strerror(errno), std::nullopt;
    std::vector<char> block(4096, 'k');
    constexpr int blocks = 256;
    bool ok = true;
    for (int i = 0; i < blocks && ok; ++i) ok = ::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) == 4096;
    ok = ok && ::fsync(fd) == 0;
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples && ok; ++i) {
        block[0] = static_cast<char>(i);
        const auto t = Clock::now();
        ok = ::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i % blocks) * 4096) == 4096 && ::fdatasync(fd) == 0;
        us.push_back(us_since(t));
    }
    if (!ok) error = "write/fdatasync " + path + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(path.c_str());
    if (!ok) return std::nullopt;
    return us;
}

// 64-byte ping-pong over 127.0.0.1 between this thread and an echo thread.
std::optional<std::vector<double>> loopback(int samples, std::string& error) {
    const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 1) != 0 ||
        ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        error = std::string("loopback listen: ") + std::strerror(errno);
        if (lfd >= 0) ::close(lfd);
        return std::nullopt;
    }
    constexpr std::size_t size = 64;
    const int total = samples + 100;  // the first 100 warm up
    std::thread echo([lfd, total] {
        const int fd = ::accept(lfd, nullptr, nullptr);
        if (fd < 0) return;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char buf[size];
        for (int i = 0; i < total; ++i)
            if (!full_io(fd, buf, size, false) || !full_io(fd, buf, size, true)) break;
        ::close(fd);
    });
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    std::vector<double> us;
    bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
              ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0;
    char buf[size] = {};
    for (int i = 0; i < total && ok; ++i) {
        const auto t = Clock::now();
        ok = full_io(fd, buf, size, true) && full_io(fd, buf, size, false);
        if (i >= 100) us.push_back(us_since(t));
    }
    if (!ok) error = std::string("loopback ping-pong: ") + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::shutdown(lfd, SHUT_RDWR);  // wakes an accept that never got its connection
    ::close(lfd);
    echo.join();
    if (!ok) return std::nullopt;
    return us;
}

}  // namespace

std::optional<Floors> measure_floors(const std::string& dir, int samples, std::string& error) {
    auto d = disk(dir, samples, error);
    if (!d) return std::nullopt;
    auto r = loopback(samples, error);
    if (!r) return std::nullopt;
    Floors f;
    f.samples = samples;
    f.fdatasync_p50_us = quantile(*d, 0.5);
    f.fdatasync_p90_us = quantile(*d, 0.9);
    f.rtt_p50_us = quantile(*r, 0.5);
    f.rtt_p90_us = quantile(*r, 0.9);
    return f;
}

nlohmann::json to_json(const Floors& f) {
    return {{"samples", f.samples}, {"fdatasync_p50_us", f.fdatasync_p50_us}, {"fdatasync_p90_us", f.fdatasync_p90_us},
            {"loopback_rtt_p50_us", f.rtt_p50_us}, {"loopback_rtt_p90_us", f.rtt_p90_us}};
}

}  // namespace kolabpad::load
