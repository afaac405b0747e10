// libFuzzer target: two operations parsed from the input, then every algebra call (and the attribution)
// checked on them; a single line is also read as a stored attribution.
// Input layout: "<json a>\n<json b>\n<text>"; anything else is fed to the parser alone.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kolabpad/ot.hpp"

namespace ot = kolabpad::ot;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

// Checks every property that must hold for `a` on `text`, and for `b` against it where lengths allow.
void exercise(const ot::Operation& a, const ot::Operation& b, std::string_view text) {
    check(ot::from_json(ot::to_json(a)).ok() && *ot::from_json(ot::to_json(a)) == a);
    if (!ot::utf8::is_valid(text)) return;
    const auto len = ot::utf8::count(text);
    auto after = ot::apply(a, text);
    check(after.ok() == (len == a.base_len()));
    if (after.ok()) {
        check(ot::utf8::count(*after) == a.target_len());
        auto inv = ot::invert(a, text);
        check(inv.ok() && ot::apply(*inv, *after).value() == text);
        for (std::uint64_t p = 0; p <= len && p < 64; ++p) (void)ot::transform_index(a, p);
        // The attribution moves like the text and its serialized form round-trips.
        ot::Attribution attr;
        for (std::uint64_t k = 0; k < len; k += 3) attr.append(std::min<std::uint64_t>(3, len - k), k % 2);
        auto moved = ot::apply(a, attr, 7);
        check(moved.ok() && moved->length() == a.target_len());
        auto back = ot::attribution_from_json(ot::to_json(*moved), moved->length());
        check(back.ok() && *back == *moved);
    }
    auto ab = ot::compose(a, b);
    check(ab.ok() == (a.target_len() == b.base_len()));
    if (ab.ok() && after.ok()) {
        check(ot::apply(*ab, text).value() == ot::apply(b, *after).value());
    }
    auto t = ot::transform(a, b);
    check(t.ok() == (a.base_len() == b.base_len()));
    if (t.ok() && after.ok()) {
        const auto via_a = ot::apply(t->second, *after).value();
        const auto via_b = ot::apply(t->first, ot::apply(b, text).value()).value();
        check(via_a == via_b);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    const auto nl1 = in.find('\n');
    if (nl1 == std::string_view::npos) {
        auto r = ot::from_json(in);
        if (r.ok()) exercise(*r, *r, "");
        // The same bytes as a stored attribution: refused or read back exactly, never a crash.
        for (std::uint64_t expected : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1} << 40}) {
            auto a = ot::attribution_from_json(in, expected);
            if (a.ok()) check(a->length() == expected && *ot::attribution_from_json(ot::to_json(*a), expected) == *a);
        }
        return 0;
    }
    const auto nl2 = in.find('\n', nl1 + 1);
    auto a = ot::from_json(in.substr(0, nl1));
    auto b = ot::from_json(in.substr(nl1 + 1, nl2 == std::string_view::npos ? std::string_view::npos : nl2 - nl1 - 1));
    const std::string_view text = nl2 == std::string_view::npos ? std::string_view() : in.substr(nl2 + 1);
    if (a.ok() && b.ok()) exercise(*a, *b, text);
    return 0;
}
