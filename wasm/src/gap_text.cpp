#include "gap_text.hpp"

#include <cstring>
#include <utility>

#include "kolabpad/ot/utf8.hpp"
#include "utf8_walk.hpp"

namespace kolabpad::wasm {
namespace {

// A little slack, so typing into a held text does not reallocate on every key.
std::size_t grown(std::size_t n) { return n + n / 8 + 64; }

// Dist(a, b) in code points.
std::uint64_t dist(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

// Walks `s` (a run of whole sequences whose start is place `base`) from known place `from` to
// code point cp, both within the run.
Place walk(std::string_view s, const Place& base, const Place& from, std::uint64_t cp) {
    const Spot local{from.byte - base.byte, from.unit - base.unit};
    const Spot to = cp >= from.cp ? walk_forward(s, local, cp - from.cp) : walk_backward(s, local, from.cp - cp);
    return Place{base.byte + to.byte, base.unit + to.unit, cp};
}

}  // namespace

char* GapText::reserve(std::size_t n) {
    clear();
    if (capacity_ < n) {
        data_.reset(new char[grown(n)]);
        capacity_ = grown(n);
    }
    return data_.get();
}

bool GapText::fill(std::size_t len, std::size_t units) {
    const std::string_view s(data_.get(), std::min(len, capacity_));
    if (!ot::utf8::is_valid(s)) {
        clear();
        return false;
    }
    end_ = Place{s.size(), units, ot::utf8::count(s)};
    gap_ = end_;
    gap_end_ = capacity_;
    return true;
}

void GapText::clear() {
    gap_ = Place{};
    end_ = Place{};
    gap_end_ = capacity_;
    for (Place& f : fingers_) f = Place{};
}

void GapText::remember(const Place& p) const {
    fingers_[next_finger_] = p;
    next_finger_ = (next_finger_ + 1) % kFingers;
}

Place GapText::place(std::uint64_t cp, const Place& hint) const {
    // Walk within the run on cp's side of the gap (a walk never crosses it), from the nearest
    // known place on that side.
    const bool before = cp <= gap_.cp;
    Place from = before ? (cp <= gap_.cp - cp ? Place{} : gap_) : (cp - gap_.cp <= end_.cp - cp ? gap_ : end_);
    std::uint64_t best = dist(from.cp, cp);
    const auto consider = [&](const Place& p) {
        if ((before ? p.cp <= gap_.cp : p.cp >= gap_.cp) && dist(p.cp, cp) < best) {
            from = p;
            best = dist(p.cp, cp);
        }
    };
    consider(hint);
    // A hint a few code points away (the end of an edit from its start) needs no other place.
    if (best > 32) {
        for (const Place& f : fingers_) consider(f);
    }
    if (best == 0) return from;
    const Place found = before ? walk(std::string_view(data_.get(), gap_.byte), Place{}, from, cp)
                               : walk(std::string_view(data_.get() + gap_end_, end_.byte - gap_.byte), gap_, from, cp);
    if (best > 32) remember(found);
    return found;
}

std::string_view GapText::between(const Place& from, const Place& to, std::string& scratch) const {
    const char* d = data_.get();
    const std::size_t gap = gap_end_ - gap_.byte;
    if (to.byte <= gap_.byte) return std::string_view(d + from.byte, to.byte - from.byte);
    if (from.byte >= gap_.byte) return std::string_view(d + gap + from.byte, to.byte - from.byte);
    scratch.assign(d + from.byte, gap_.byte - from.byte);
    scratch.append(d + gap_end_, to.byte - gap_.byte);
    return scratch;
}

void GapText::move_gap(std::size_t b) {
    char* d = data_.get();
    if (b < gap_.byte) {
        const std::size_t n = gap_.byte - b;
        std::memmove(d + gap_end_ - n, d + b, n);
        gap_end_ -= n;
    } else if (b > gap_.byte) {
        const std::size_t n = b - gap_.byte;
        std::memmove(d + gap_.byte, d + gap_end_, n);
        gap_end_ += n;
    }
    gap_.byte = b;
}

void GapText::replace(const Place& from, const Place& to, std::string_view bytes, std::uint64_t cps,
                      std::size_t units) {
    move_gap(from.byte);
    gap_end_ += to.byte - from.byte;  // the replaced bytes join the gap
    const std::size_t size = end_.byte - (to.byte - from.byte) + bytes.size();
    if (gap_end_ - from.byte < bytes.size()) {
        // Grow: the bytes before the gap, a gap with room for the new ones, the bytes after it.
        const std::size_t cap = grown(size);
        std::unique_ptr<char[]> bigger(new char[cap]);
        const std::size_t after = capacity_ - gap_end_;
        std::memcpy(bigger.get(), data_.get(), from.byte);
        std::memcpy(bigger.get() + cap - after, data_.get() + gap_end_, after);
        data_ = std::move(bigger);
        gap_end_ = cap - after;
        capacity_ = cap;
    }
    std::memcpy(data_.get() + from.byte, bytes.data(), bytes.size());
    gap_ = Place{from.byte + bytes.size(), from.unit + units, from.cp + cps};
    end_ = Place{size, end_.unit - (to.unit - from.unit) + units, end_.cp - (to.cp - from.cp) + cps};
    // Places before the edit stay; places after it move with the text; places inside it are gone.
    for (Place& f : fingers_) {
        if (f.byte <= from.byte) continue;
        if (f.byte < to.byte) {
            f = Place{};
            continue;
        }
        f = Place{f.byte - (to.byte - from.byte) + bytes.size(), f.unit - (to.unit - from.unit) + units,
                  f.cp - (to.cp - from.cp) + cps};
    }
}

std::string_view GapText::whole() {
    move_gap(end_.byte);
    gap_ = end_;
    return std::string_view(data_.get(), end_.byte);
}

void GapText::swap(GapText& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(capacity_, other.capacity_);
    std::swap(gap_end_, other.gap_end_);
    std::swap(gap_, other.gap_);
    std::swap(end_, other.end_);
    std::swap(fingers_, other.fingers_);
    std::swap(next_finger_, other.next_finger_);
}

}  // namespace kolabpad::wasm
