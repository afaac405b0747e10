#include "history/text_diff.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::history {
namespace {

using Seq = std::span<const std::uint32_t>;

enum class EditKind : std::uint8_t { equal, remove, insert };
struct Edit {
    EditKind kind;
    std::size_t n;
};

std::vector<std::uint32_t> decode(std::string_view s) {
    std::vector<std::uint32_t> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        std::uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

// Edit scripts of two sequences, written in order into `out`; every bisection pays its work from
// one shared budget of steps.
class Differ {
public:
    Differ(std::vector<Edit>& out, std::uint64_t& steps_left) : out_(out), steps_(steps_left) {}

    void diff(Seq a, Seq b) {
        const auto p = static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
        emit(EditKind::equal, p);
        a = a.subspan(p);
        b = b.subspan(p);
        const auto s = static_cast<std::size_t>(
            std::mismatch(a.rbegin(), a.rend(), b.rbegin(), b.rend()).first - a.rbegin());
        a = a.first(a.size() - s);
        b = b.first(b.size() - s);
        if (a.empty() || b.empty()) {
            emit(EditKind::remove, a.size());
            emit(EditKind::insert, b.size());
        } else {
            bisect(a, b);
        }
        emit(EditKind::equal, s);
    }

    void emit(EditKind k, std::size_t n) {
        if (n == 0) return;
        if (!out_.empty() && out_.back().kind == k) out_.back().n += n;
        else out_.push_back({k, n});
    }

private:
    // Finds the middle snake of the shortest edit script (forward and reverse searches meeting),
    // then diffs both halves; within the budget, or else replaces the region whole.
    void bisect(Seq a, Seq b) {
        const auto n = static_cast<std::int64_t>(a.size());
        const auto m = static_cast<std::int64_t>(b.size());
        const std::int64_t max_d = (n + m + 1) / 2;
        const auto affordable = static_cast<std::int64_t>(steps_ / static_cast<std::uint64_t>(n + m));
        const std::int64_t limit = std::min(max_d, affordable);
        const std::int64_t offset = limit + 1;
        const std::int64_t length = 2 * limit + 3;
        std::vector<std::int64_t> v1(static_cast<std::size_t>(length), -1), v2(v1);
        v1[static_cast<std::size_t>(offset + 1)] = 0;
        v2[static_cast<std::size_t>(offset + 1)] = 0;
        const std::int64_t delta = n - m;
        const bool front = delta % 2 != 0;  // which search detects the overlap
        std::int64_t k1start = 0, k1end = 0, k2start = 0, k2end = 0;
        const auto at = [](std::vector<std::int64_t>& v, std::int64_t i) -> std::int64_t& {
            return v[static_cast<std::size_t>(i)];
        };
        for (std::int64_t d = 0; d < limit; ++d) {
            steps_ -= std::min<std::uint64_t>(steps_, static_cast<std::uint64_t>(n + m));
            for (std::int64_t k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
                const std::int64_t i1 = offset + k1;
                std::int64_t x1 = (k1 == -d || (k1 != d && at(v1, i1 - 1) < at(v1, i1 + 1))) ? at(v1, i1 + 1)
                                                                                              : at(v1, i1 - 1) + 1;
                std::int64_t y1 = x1 - k1;
                while (x1 < n && y1 < m && a[static_cast<std::size_t>(x1)] == b[static_cast<std::size_t>(y1)]) ++x1, ++y1;
                at(v1, i1) = x1;
                if (x1 > n) {
                    k1end += 2;
                } else if (y1 > m) {
                    k1start += 2;
                } else if (front) {
                    const std::int64_t i2 = offset + delta - k1;
                    if (i2 >= 0 && i2 < length && at(v2, i2) != -1 && x1 >= n - at(v2, i2)) return split(a, b, x1, y1);
                }
            }
            for (std::int64_t k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
                const std::int64_t i2 = offset + k2;
                std::int64_t x2 = (k2 == -d || (k2 != d && at(v2, i2 - 1) < at(v2, i2 + 1))) ? at(v2, i2 + 1)
                                                                                              : at(v2, i2 - 1) + 1;
                std::int64_t y2 = x2 - k2;
                while (x2 < n && y2 < m &&
                       a[static_cast<std::size_t>(n - x2 - 1)] == b[static_cast<std::size_t>(m - y2 - 1)]) {
                    ++x2, ++y2;
                }
                at(v2, i2) = x2;
                if (x2 > n) {
                    k2end += 2;
                } else if (y2 > m) {
                    k2start += 2;
                } else if (!front) {
                    const std::int64_t i1 = offset + delta - k2;
                    if (i1 >= 0 && i1 < length && at(v1, i1) != -1) {
                        const std::int64_t x1 = at(v1, i1);
                        const std::int64_t y1 = offset + x1 - i1;
                        if (x1 >= n - x2) return split(a, b, x1, y1);
                    }
                }
            }
        }
        emit(EditKind::remove, a.size());  // over budget: exact, not minimal
        emit(EditKind::insert, b.size());
    }

    void split(Seq a, Seq b, std::int64_t x, std::int64_t y) {
        const auto xs = static_cast<std::size_t>(x), ys = static_cast<std::size_t>(y);
        diff(a.first(xs), b.first(ys));
        diff(a.subspan(xs), b.subspan(ys));
    }

    std::vector<Edit>& out_;
    std::uint64_t& steps_;
};

// Diffs by lines (each line one symbol), then the changed lines by code points.
std::vector<Edit> diff_lines(Seq a, Seq b, std::uint64_t& steps) {
    std::unordered_map<std::u32string_view, std::uint32_t> ids;
    const auto lines = [&](Seq s, std::vector<std::uint32_t>& id, std::vector<std::size_t>& len) {
        for (std::size_t i = 0; i < s.size();) {
            std::size_t j = i;
            while (j < s.size() && s[j] != '\n') ++j;
            if (j < s.size()) ++j;
            const std::u32string_view line(reinterpret_cast<const char32_t*>(s.data() + i), j - i);
            id.push_back(ids.try_emplace(line, static_cast<std::uint32_t>(ids.size())).first->second);
            len.push_back(j - i);
            i = j;
        }
    };
    std::vector<std::uint32_t> ia, ib;
    std::vector<std::size_t> la, lb;
    lines(a, ia, la);
    lines(b, ib, lb);
    std::vector<Edit> by_line;
    Differ(by_line, steps).diff(ia, ib);

    std::vector<Edit> out;
    Differ chars(out, steps);
    std::size_t line_a = 0, line_b = 0, pos_a = 0, pos_b = 0;
    const auto span_of = [](const std::vector<std::size_t>& len, std::size_t& line, std::size_t n) {
        std::size_t total = 0;
        for (std::size_t k = 0; k < n; ++k) total += len[line++];
        return total;
    };
    for (std::size_t i = 0; i < by_line.size();) {
        if (by_line[i].kind == EditKind::equal) {
            const std::size_t n = span_of(la, line_a, by_line[i].n);
            line_b += by_line[i].n;
            chars.emit(EditKind::equal, n);
            pos_a += n;
            pos_b += n;
            ++i;
            continue;
        }
        std::size_t na = 0, nb = 0;  // a run of removed and inserted lines between two equal ones
        for (; i < by_line.size() && by_line[i].kind != EditKind::equal; ++i) {
            if (by_line[i].kind == EditKind::remove) na += span_of(la, line_a, by_line[i].n);
            else nb += span_of(lb, line_b, by_line[i].n);
        }
        const Seq ha = a.subspan(pos_a, na), hb = b.subspan(pos_b, nb);
        if (na + nb <= line_mode_above) {
            chars.diff(ha, hb);
        } else {
            chars.emit(EditKind::remove, na);
            chars.emit(EditKind::insert, nb);
        }
        pos_a += na;
        pos_b += nb;
    }
    return out;
}

// Appends to `op` the edit script turning `a` into `b` (b's code points are inserted).
void append_edits(ot::Operation& op, const std::vector<Edit>& edits, Seq b) {
    std::size_t pos_b = 0;
    std::string text;
    for (const Edit& e : edits) {
        switch (e.kind) {
            case EditKind::equal:
                op.retain(e.n);
                pos_b += e.n;
                break;
            case EditKind::remove: op.remove(e.n); break;
            case EditKind::insert:
                text.clear();
                for (std::size_t k = 0; k < e.n; ++k) ot::utf8::append(text, static_cast<char32_t>(b[pos_b + k]));
                op.insert(text, e.n);
                pos_b += e.n;
                break;
        }
    }
}

void diff_into(ot::Operation& op, Seq a, Seq b, std::uint64_t& steps) {
    std::vector<Edit> edits;
    Differ top(edits, steps);
    const auto p = static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
    const auto s = static_cast<std::size_t>(
        std::mismatch(a.rbegin(), a.rend() - static_cast<std::ptrdiff_t>(p), b.rbegin(),
                      b.rend() - static_cast<std::ptrdiff_t>(p)).first - a.rbegin());
    const Seq ma = a.subspan(p, a.size() - p - s), mb = b.subspan(p, b.size() - p - s);
    top.emit(EditKind::equal, p);
    if (ma.size() + mb.size() > line_mode_above) {
        for (const Edit& e : diff_lines(ma, mb, steps)) top.emit(e.kind, e.n);
    } else {
        top.diff(ma, mb);
    }
    top.emit(EditKind::equal, s);
    append_edits(op, edits, b);
}

}  // namespace

ot::Operation text_diff(std::string_view from, std::string_view to, std::uint64_t max_steps) {
    const std::vector<std::uint32_t> a = decode(from), b = decode(to);
    ot::Operation op;
    diff_into(op, a, b, max_steps);
    return op;
}

ot::Operation narrow(const ot::Operation& op, std::string_view base, std::uint64_t max_steps) {
    ot::Operation out;
    std::size_t byte = 0;  // in base
    const auto& cs = op.components();
    for (std::size_t i = 0; i < cs.size(); ++i) {
        const ot::Component& c = cs[i];
        if (c.kind == ot::Kind::retain) {
            out.retain(c.n);
            byte = ot::utf8::advance(base, byte, c.n);
        } else if (c.kind == ot::Kind::insert && i + 1 < cs.size() && cs[i + 1].kind == ot::Kind::remove) {
            // Canonical form puts an insert before the delete it replaces: diff the two.
            const std::size_t end = ot::utf8::advance(base, byte, cs[i + 1].n);
            diff_into(out, decode(base.substr(byte, end - byte)), decode(c.text), max_steps);
            byte = end;
            ++i;
        } else if (c.kind == ot::Kind::insert) {
            out.insert(c.text, c.n);
        } else {
            out.remove(c.n);
            byte = ot::utf8::advance(base, byte, c.n);
        }
    }
    return out;
}

}  // namespace kolabpad::server::history
