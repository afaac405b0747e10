#include "cluster/wire.hpp"

namespace kolabpad::server::cluster {
namespace {

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}
void put_string(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

struct Reader {
    std::string_view in;
    bool ok = true;

    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (in.empty()) break;
            const auto b = static_cast<unsigned char>(in.front());
            in.remove_prefix(1);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        ok = false;
        return 0;
    }
    std::string string() {
        const std::uint64_t n = varint();
        if (!ok || n > in.size()) {
            ok = false;
            return {};
        }
        std::string s(in.substr(0, n));
        in.remove_prefix(n);
        return s;
    }
    std::uint64_t count() {
        const std::uint64_t n = varint();
        // Every element takes at least one byte: more than what remains cannot be right.
        if (!ok || n > max_wire_items || n > in.size()) ok = false;
        return ok ? n : 0;
    }
};

}  // namespace

std::string encode(const WireMessage& m) {
    std::string out;
    out.reserve(64 + m.text.size());
    out += static_cast<char>(m.type);
    put_string(out, m.doc);
    put_varint(out, m.epoch);
    put_string(out, m.instance);
    put_varint(out, m.user);
    put_varint(out, m.join_id);
    put_varint(out, m.resume ? *m.resume + 1 : 0);
    put_string(out, m.text);
    put_varint(out, m.seq);
    put_string(out, m.code);
    put_varint(out, m.close_code);
    put_string(out, m.successor);
    put_varint(out, static_cast<std::uint64_t>(m.sent_ms));
    put_varint(out, m.read_only ? 1u : 0u);
    put_string(out, m.via);
    put_varint(out, m.items.size());
    for (const auto& it : m.items) {
        out += static_cast<char>(it.kind);
        put_varint(out, it.users.size());
        for (auto u : it.users) put_varint(out, u);
        put_string(out, it.text);
        put_varint(out, it.start);
        put_varint(out, it.count);
        put_varint(out, it.close_code);
        put_varint(out, it.join_id);
    }
    return out;
}

ot::Result<WireMessage> decode(std::string_view bytes) {
    if (bytes.empty()) return ot::Error{"empty message"};
    WireMessage m;
    const auto type = static_cast<std::uint8_t>(bytes.front());
    if (type < 1 || type > 8) return ot::Error{"unknown message type"};
    m.type = static_cast<WireType>(type);
    Reader r{bytes.substr(1)};
    m.doc = r.string();
    m.epoch = r.varint();
    m.instance = r.string();
    m.user = r.varint();
    m.join_id = r.varint();
    if (const auto resume = r.varint(); resume > 0) m.resume = resume - 1;
    m.text = r.string();
    m.seq = r.varint();
    m.code = r.string();
    m.close_code = r.varint();
    m.successor = r.string();
    m.sent_ms = static_cast<std::int64_t>(r.varint());
    const std::uint64_t read_only = r.varint();
    if (read_only > 1) return ot::Error{"read_only is neither 0 nor 1"};
    m.read_only = read_only == 1;
    m.via = r.string();
    const std::uint64_t n = r.count();
    for (std::uint64_t i = 0; r.ok && i < n; ++i) {
        WireItem it;
        if (r.in.empty()) return ot::Error{"truncated message"};
        const auto kind = static_cast<std::uint8_t>(r.in.front());
        r.in.remove_prefix(1);
        if (kind < 1 || kind > 4) return ot::Error{"unknown item kind"};
        it.kind = static_cast<ItemKind>(kind);
        const std::uint64_t users = r.count();
        for (std::uint64_t k = 0; r.ok && k < users; ++k) it.users.push_back(r.varint());
        it.text = r.string();
        it.start = r.varint();
        it.count = r.varint();
        it.close_code = r.varint();
        it.join_id = r.varint();
        m.items.push_back(std::move(it));
    }
    if (!r.ok) return ot::Error{"truncated or oversized message"};
    if (!r.in.empty()) return ot::Error{"trailing bytes"};
    return m;
}

std::string doc_channel(std::string_view doc) { return "kp:doc:" + std::string(doc); }
std::string owner_channel(std::string_view doc) { return "kp:own:" + std::string(doc); }
std::string instance_channel(std::string_view instance) { return "kp:inst:" + std::string(instance); }

}  // namespace kolabpad::server::cluster
