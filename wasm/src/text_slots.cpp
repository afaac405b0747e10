#include "text_slots.hpp"

#include <utility>

#include "utf8_walk.hpp"

namespace kolabpad::wasm {

char* TextSlots::reserve(unsigned k, std::size_t n) {
    Slot& other = slots_[1 - k];
    if (other.pending) complete(1 - k);
    slots_[k].pending = false;
    return slots_[k].text.reserve(n);
}

bool TextSlots::fill(unsigned k, std::size_t len, std::size_t units) { return slots_[k].text.fill(len, units); }

void TextSlots::complete(unsigned k) {
    Slot& s = slots_[k];
    Slot& base = slots_[1 - k];
    s.text.swap(base.text);
    s.text.replace(s.from, s.to, s.middle, s.middle_cps, s.middle_units);
    s.pending = false;
    base.text.clear();
    base.pending = false;
}

ot::Result<Applied> TextSlots::apply(const ot::Operation& op, unsigned in, unsigned out, bool whole) {
    if (slots_[in].pending) complete(in);
    Slot& src = slots_[in];
    Slot& dst = slots_[out];
    dst.pending = false;
    GapText& text = src.text;
    if (op.base_len() != text.length()) return ot::Error{"apply: the text's length differs from the operation's base"};

    // apply(retain(a) M retain(b), x) = x[0, a) + apply(M, x[a, |x| - b)) + x[|x| - b, |x|): the
    // library applies the middle M to the middle of the text; the retained ends are kept.
    const auto& parts = op.components();
    std::size_t first = 0;
    std::size_t last = parts.size();
    std::uint64_t front = 0;
    std::uint64_t back = 0;
    if (first < last && parts[first].kind == ot::Kind::retain) front = parts[first++].n;
    if (first < last && parts[last - 1].kind == ot::Kind::retain) back = parts[--last].n;
    const Place from = text.place(front, Place{});
    const Place to = text.place(text.length() - back, from);

    // Assigning the empty operation keeps the scratch operation's memory (vector assignment).
    static const ot::Operation kEmpty;
    ot::Operation& inner = inner_;
    inner = kEmpty;
    for (std::size_t i = first; i < last; ++i) inner.push(parts[i]);
    auto changed = ot::apply(inner, text.between(from, to, scratch_));
    if (!changed.ok()) return ot::Error{changed.error()};

    dst.pending = true;
    dst.from = from;
    dst.to = to;
    dst.middle = std::move(changed).value();
    dst.middle_cps = inner.target_len();
    dst.middle_units = utf16_length(dst.middle);
    if (whole) {
        complete(out);
        const std::string_view all = dst.text.whole();
        return Applied{all.data(), all.size(), 0, 0};
    }
    return Applied{dst.middle.data(), dst.middle.size(), from.unit, text.units() - to.unit};
}

ot::Result<ot::Operation> TextSlots::invert(const ot::Operation& op, unsigned k) {
    if (slots_[k].pending) complete(k);
    return ot::invert(op, slots_[k].text.whole());
}

}  // namespace kolabpad::wasm
