#include "workload.hpp"

#include <random>

namespace kolabpad::bench {
namespace {

class Gen {
public:
    explicit Gen(std::uint64_t seed) : rng_(seed) {}

    std::uint64_t between(std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng_);
    }

    // Code-like text of about `bytes` bytes, with an emoji or an accented word now and then.
    std::string code(std::size_t bytes) {
        static const char* const words[] = {"let", "x", "=", "fn", "return", "value", "(", ")", "{", "}",
                                            ";", "if", "else", "for", "i", "+", "1", "\"str\"", "// note"};
        static const char* const rare[] = {"🎉", "café", "👨‍👩‍👧", "naïve", "世界"};
        std::string s;
        while (s.size() < bytes) {
            if (between(0, 11) == 0) s += '\n';
            s += between(0, 60) == 0 ? rare[between(0, 4)] : words[between(0, 18)];
            s += ' ';
        }
        return s;
    }

    // A typing-sized edit on a text of `len` code points: one character typed or deleted, rarely a paste.
    ot::Operation typing(std::uint64_t len) {
        ot::Operation op;
        const std::uint64_t at = between(0, len);
        op.retain(at);
        const auto kind = between(0, 99);
        if (kind < 70 || at == len) {
            op.insert(between(0, 30) == 0 ? "é" : std::string(1, static_cast<char>('a' + between(0, 25))));
            op.retain(len - at);
        } else if (kind < 97) {
            op.remove(1);
            op.retain(len - at - 1);
        } else {
            op.insert(code(between(100, 2000)));
            op.retain(len - at);
        }
        return op;
    }

private:
    std::mt19937_64 rng_;
};

}  // namespace

Workload make_workload(std::uint64_t seed) {
    Gen g(seed);
    Workload w{seed, {}, {}, {}, {}, {}};
    for (auto [name, bytes] : {std::pair{"1KiB", 1024}, {"64KiB", 64 * 1024}, {"256KiB", 256 * 1024}}) {
        w.docs.push_back({name, g.code(bytes)});
    }
    for (std::size_t d = 0; d < w.docs.size(); ++d) {
        const std::uint64_t len = ot::utf8::count(w.docs[d].text);
        for (int i = 0; i < 100; ++i) w.apply.push_back({d, g.typing(len)});
        for (int i = 0; i < 100; ++i) {
            ot::Operation a = g.typing(len);
            ot::Operation b = g.typing(a.target_len());
            w.compose.push_back({d, std::move(a), std::move(b)});
            w.transform.push_back({d, g.typing(len), g.typing(len)});
        }
        for (std::size_t k : {1, 10, 100}) {
            for (int i = 0; i < 10; ++i) {
                ReplayCase r{d, k, {}, g.typing(len)};
                std::uint64_t cur = len;
                for (std::size_t j = 0; j < k; ++j) {
                    r.history.push_back(g.typing(cur));
                    cur = r.history.back().target_len();
                }
                w.replay.push_back(std::move(r));
            }
        }
    }
    return w;
}

std::string to_json(const Workload& w) {
    std::string out = "{\n\"seed\": " + std::to_string(w.seed) + ",\n\"docs\": {";
    for (std::size_t d = 0; d < w.docs.size(); ++d) {
        out += d ? ",\n" : "\n";
        ot::append_json_string(out, w.docs[d].name);
        out += ": ";
        ot::append_json_string(out, w.docs[d].text);
    }
    const auto doc = [&](std::size_t d) {
        std::string s = "{\"doc\":";
        ot::append_json_string(s, w.docs[d].name);
        return s;
    };
    out += "},\n\"apply\": [";
    for (std::size_t i = 0; i < w.apply.size(); ++i) {
        out += (i ? ",\n" : "\n") + doc(w.apply[i].doc) + ",\"op\":";
        ot::append_json(out, w.apply[i].op);
        out += '}';
    }
    for (auto [name, cases] : {std::pair{"compose", &w.compose}, {"transform", &w.transform}}) {
        out += "],\n\"" + std::string(name) + "\": [";
        for (std::size_t i = 0; i < cases->size(); ++i) {
            const PairCase& c = (*cases)[i];
            out += (i ? ",\n" : "\n") + doc(c.doc) + ",\"a\":";
            ot::append_json(out, c.a);
            out += ",\"b\":";
            ot::append_json(out, c.b);
            out += '}';
        }
    }
    out += "],\n\"replay\": [";
    for (std::size_t i = 0; i < w.replay.size(); ++i) {
        const ReplayCase& r = w.replay[i];
        out += (i ? ",\n" : "\n") + doc(r.doc) + ",\"k\":" + std::to_string(r.k) + ",\"history\":[";
        for (std::size_t j = 0; j < r.history.size(); ++j) {
            if (j) out += ',';
            ot::append_json(out, r.history[j]);
        }
        out += "],\"edit\":";
        ot::append_json(out, r.edit);
        out += '}';
    }
    out += "]\n}\n";
    return out;
}

}  // namespace kolabpad::bench
