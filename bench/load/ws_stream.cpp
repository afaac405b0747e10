// The client side of RFC 6455 over a raw Asio socket: upgrade handshake, frame parsing in place,
// masked writes coalesced while one write is in flight.
#include "ws_stream.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace kolabpad::load {

namespace {
// Reads go into the free space of a per-connection buffer that starts at 8 KiB; a read that fills all
// of it doubles the buffer (up to 256 KiB), so a connection receiving big merged frames needs one
// read per frame, not several plus a speculative one that finds nothing.
constexpr std::size_t initial_buffer = 8192;
constexpr std::size_t max_read_buffer = 256u << 10;
constexpr std::size_t max_handshake = 16384;
constexpr std::size_t min_free = 4096;

std::uint64_t next_random(std::uint64_t& s) {  // xorshift64*: masks need not be secret for a load tool
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545f4914f6cdd1dull;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// True when the response head has a header `name: value` (case-insensitive, value as a prefix).
bool has_header(std::string_view head, std::string_view name, std::string_view value) {
    std::size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
        pos += 2;
        std::string_view line = head.substr(pos, head.find("\r\n", pos) - pos);
        if (!iequals_prefix(line, name) || line.size() <= name.size() || line[name.size()] != ':') continue;
        std::string_view v = line.substr(name.size() + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        if (iequals_prefix(v, value)) return true;
    }
    return false;
}

std::string base64(const unsigned char* p, std::size_t n) {
    static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < n; i += 3) {
        std::uint32_t v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out += a[v >> 18 & 63];
        out += a[v >> 12 & 63];
        out += i + 1 < n ? a[v >> 6 & 63] : '=';
        out += i + 2 < n ? a[v & 63] : '=';
    }
    return out;
}
}  // namespace

WsStream::WsStream(net::io_context& ioc)
    : socket_(ioc), timer_(ioc),
      mask_state_(reinterpret_cast<std::uintptr_t>(this) ^
                  static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()) ^ 0x9e3779b97f4a7c15ull) {
    if (mask_state_ == 0) mask_state_ = 1;
}

void WsStream::open(const tcp::endpoint& endpoint, const std::string& host, const std::string& target,
                    std::function<void(const std::string&)> done) {
    done_ = std::move(done);
    timer_.expires_after(std::chrono::seconds(30));
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && done_) socket_.close();  // the pending connect, write or read fails and reports
    });
    socket_.async_connect(endpoint, [this, host, target](const boost::system::error_code& ec) {
        if (ec) return end(0, "connect: " + ec.message());
        socket_.set_option(tcp::no_delay(true));
        unsigned char key[16];
        for (int i = 0; i < 16; i += 8) {
            std::uint64_t r = next_random(mask_state_);
            std::memcpy(key + i, &r, 8);
        }
        out_ = "GET " + target + " HTTP/1.1\r\nHost: " + host +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + base64(key, 16) +
               "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        net::async_write(socket_, net::buffer(out_), [this](const boost::system::error_code& ec2, std::size_t) {
            out_.clear();
            if (ec2) return end(0, "handshake write: " + ec2.message());
            cap_ = initial_buffer;
            buf_.reset(new char[cap_]);
            socket_.async_read_some(net::buffer(buf_.get(), cap_),
                                    [this](const boost::system::error_code& ec3, std::size_t n) {
                                        if (ec3) return end(0, "handshake read: " + ec3.message());
                                        on_handshake_read(n);
                                    });
        });
    });
}

void WsStream::on_handshake_read(std::size_t n) {
    end_ += n;
    bytes_read_ += n;
    std::string_view got(buf_.get(), end_);
    const auto head_end = got.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
        if (end_ >= max_handshake) return end(0, "handshake: response head too large");
        ensure_room(end_ + min_free);
        socket_.async_read_some(net::buffer(buf_.get() + end_, cap_ - end_),
                                [this](const boost::system::error_code& ec, std::size_t m) {
                                    if (ec) return end(0, "handshake read: " + ec.message());
                                    on_handshake_read(m);
                                });
        return;
    }
    std::string_view head = got.substr(0, head_end + 2);
    if (!head.starts_with("HTTP/1.1 101") || !has_header(head, "upgrade", "websocket")) {
        const auto line = head.substr(0, head.find("\r\n"));
        return end(0, "handshake: " + std::string(line));
    }
    begin_ = head_end + 4;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);  // read_some must say would_block, not wait
    open_ = true;
    auto done = std::move(done_);
    done_ = nullptr;
    done("");
}

void WsStream::read(WsListener& listener) {
    listener_ = &listener;
    if (!open_) return;
    if (drain(Clock::now())) read_more();
}

// Waits for readability, then reads once without blocking. Asio's async_read_some would try the
// next read at once after every successful one and find nothing (one EAGAIN syscall per frame); with
// one thread per io_context a wait re-armed inside the handler cannot miss an edge: any data that
// arrives later is reported by the next epoll_wait, which runs after this handler.
void WsStream::read_more() {
    socket_.async_wait(tcp::socket::wait_read, [this](const boost::system::error_code& ec) {
        if (ended_) return;
        if (ec) return on_read(ec, 0);
        while (true) {
            const std::size_t want = std::max(min_free, read_free_);
            if (cap_ - end_ < want) ensure_room(end_ - begin_ + want);
            const std::size_t free = cap_ - end_;
            boost::system::error_code rec;
            const std::size_t n = socket_.read_some(net::buffer(buf_.get() + end_, free), rec);
            if (rec == net::error::would_block) return read_more();
            if (rec) return on_read(rec, 0);
            if (n == free && cap_ < max_read_buffer) read_free_ = std::min(max_read_buffer, 2 * free);
            end_ += n;
            bytes_read_ += n;
            if (!drain(Clock::now())) return;
            if (n < free) return read_more();  // drained the socket: wait for the next edge
        }
    });
}

void WsStream::on_read(const boost::system::error_code& ec, std::size_t) {
    if (ended_) return;
    if (close_sent_) return end(peer_close_, "");  // we asked to close; the server hung up
    return end(0, ec == net::error::eof ? "connection closed without a close frame" : ec.message());
}

bool WsStream::drain(Clock::time_point now) {
    while (!ended_) {
        const std::size_t avail = end_ - begin_;
        if (avail < 2) break;
        const auto* p = reinterpret_cast<const unsigned char*>(buf_.get() + begin_);
        const bool fin = p[0] & 0x80;
        const unsigned opcode = p[0] & 0x0f;
        if ((p[0] & 0x70) || (p[1] & 0x80)) return end(1002, "protocol: reserved bits or a masked server frame"), false;
        std::uint64_t len = p[1] & 0x7f;
        std::size_t header = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
            header = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int i = 2; i < 10; ++i) len = len << 8 | p[i];
            header = 10;
        }
        if (len > max_message) return end(1009, "protocol: frame larger than the limit"), false;
        if (opcode >= 8 && (!fin || len > 125)) return end(1002, "protocol: bad control frame"), false;
        if (avail < header + len) {
            ensure_room(header + len);
            break;
        }
        std::string_view payload(buf_.get() + begin_ + header, len);
        begin_ += header + len;
        switch (opcode) {
        case 0x1:
        case 0x2:
            if (fragmented_) return end(1002, "protocol: new message inside a fragmented one"), false;
            if (fin) {
                listener_->on_message(payload, opcode == 0x1, now);
            } else {
                fragmented_ = true;
                fragments_text_ = opcode == 0x1;
                fragments_.assign(payload);
            }
            break;
        case 0x0:
            if (!fragmented_) return end(1002, "protocol: continuation without a message"), false;
            if (fragments_.size() + payload.size() > max_message)
                return end(1009, "protocol: message larger than the limit"), false;
            fragments_.append(payload);
            if (fin) {
                fragmented_ = false;
                listener_->on_message(fragments_, fragments_text_, now);
                fragments_.clear();
            }
            break;
        case 0x8: {
            peer_close_ = len >= 2 ? static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                                                 static_cast<unsigned char>(payload[1]))
                                   : 1005;
            if (!close_sent_) {
                close_sent_ = true;
                write_frame(0x8, payload.substr(0, std::min<std::size_t>(len, 2)));
            }
            end(peer_close_, "");
            return false;
        }
        case 0x9:
            write_frame(0xA, payload);
            break;
        case 0xA:
            break;
        default:
            return end(1002, "protocol: unknown opcode"), false;
        }
    }
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (cap_ > (1u << 20)) {  // after a huge message, give the memory back
            cap_ = initial_buffer;
            buf_.reset(new char[cap_]);
        }
    }
    return !ended_;
}

void WsStream::ensure_room(std::size_t need) {
    if (begin_ > 0) {
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (cap_ >= need && cap_ - end_ >= std::min(need, min_free)) return;
    std::size_t cap = std::max({need, cap_ * 2, initial_buffer});
    std::unique_ptr<char[]> grown(new char[cap]);
    std::memcpy(grown.get(), buf_.get(), end_);
    buf_ = std::move(grown);
    cap_ = cap;
}

void WsStream::send_text(std::string_view payload) {
    if (!open_ || close_sent_) return;
    write_frame(0x1, payload);
    ++frames_queued_;
}

void WsStream::close(std::uint16_t code) {
    if (!open_) {
        if (!ended_) socket_.close();  // still connecting: abandon
        return;
    }
    if (close_sent_) return;
    close_sent_ = true;
    const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    write_frame(0x8, std::string_view(body, 2));
}

void WsStream::write_frame(std::uint8_t opcode, std::string_view payload) {
    const std::size_t n = payload.size();
    out_.push_back(static_cast<char>(0x80 | opcode));
    if (n < 126) {
        out_.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        out_.push_back(static_cast<char>(0x80 | 126));
        out_.push_back(static_cast<char>(n >> 8));
        out_.push_back(static_cast<char>(n & 0xff));
    } else {
        out_.push_back(static_cast<char>(0x80 | 127));
        for (int i = 7; i >= 0; --i) out_.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
    }
    const std::uint32_t key = static_cast<std::uint32_t>(next_random(mask_state_) >> 32);
    unsigned char mask[4];
    std::memcpy(mask, &key, 4);
    out_.append(reinterpret_cast<const char*>(mask), 4);
    const std::size_t start = out_.size();
    out_.append(payload);
    for (std::size_t i = 0; i < n; ++i) out_[start + i] = static_cast<char>(out_[start + i] ^ mask[i & 3]);
    flush();
}

void WsStream::flush() {
    if (writing_ || out_.empty() || !socket_.is_open()) return;
    writing_ = true;
    std::swap(out_, writing_buf_);
    frames_in_flight_ = frames_queued_;
    net::async_write(socket_, net::buffer(writing_buf_), [this](const boost::system::error_code& ec, std::size_t n) {
        writing_ = false;
        writing_buf_.clear();
        bytes_written_ += n;
        if (ec) {
            if (!ended_) end(0, "write: " + ec.message());
            return;
        }
        frames_written_ = frames_in_flight_;
        if (ended_ && out_.empty()) {
            boost::system::error_code ignored;
            socket_.shutdown(tcp::socket::shutdown_both, ignored);
            socket_.close(ignored);
            return;
        }
        flush();
    });
}

void WsStream::end(std::uint16_t code, const std::string& error) {
    if (ended_) return;
    ended_ = true;
    open_ = false;
    timer_.cancel();
    if (!writing_) {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }
    if (done_) {  // the open failed
        auto done = std::move(done_);
        done_ = nullptr;
        done(error.empty() ? "closed during the handshake" : error);
        return;
    }
    if (listener_) listener_->on_end(code, error);
}

}  // namespace kolabpad::load
