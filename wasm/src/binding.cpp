// The C ABI that wasm/js/ calls: one thin export per library call, handles are pointers, text is
// UTF-8 in linear memory. No OT rule lives here; every export forwards to kolabpad::ot.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kolabpad/ot.hpp"
#include "text_slots.hpp"

namespace ot = kolabpad::ot;

namespace {

// Input bytes (one string at a time, written by JS) and the last JSON result (read by JS).
std::string g_in;
std::string g_out;

// The first len bytes of the input buffer (never past what kp_in_reserve provided).
std::string_view input(std::size_t len) { return std::string_view(g_in.data(), std::min(len, g_in.size())); }

// Counts arrive as doubles (JS numbers); anything but an integer in [0, 2^53) is refused.
bool count_ok(double n) {
    return n >= 0 && n <= 9007199254740991.0 && n == static_cast<double>(static_cast<std::uint64_t>(n));
}

// The operation moved to the heap (owned by a JS object from now on), or null on failure.
ot::Operation* boxed(ot::Result<ot::Operation>&& r) {
    return r.ok() ? new ot::Operation(std::move(r).value()) : nullptr;
}

// The texts of OpSeq.apply/invert on JS strings (js/text_slots.js mirrors what each slot holds),
// and what the last kp_slot_apply reported (read by JS as four u32).
kolabpad::wasm::TextSlots g_slots;
std::uint32_t g_applied[4];

// A text held in wasm memory, so repeated applies need not cross the boundary.
struct Text {
    std::string utf8;
    std::uint64_t length = 0;  // in code points
};

}  // namespace

extern "C" {

// Pointer to an input buffer of at least n bytes (valid until the next kp_in_reserve).
EMSCRIPTEN_KEEPALIVE char* kp_in_reserve(std::size_t n) {
    if (g_in.size() < n) g_in.resize(n);
    return g_in.data();
}

// Pointer to the bytes of the last text result.
EMSCRIPTEN_KEEPALIVE const char* kp_out_data() { return g_out.data(); }

// A new empty operation, reserving room for n components.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_op_new(std::size_t n) {
    auto* op = new ot::Operation();
    if (n > 0) op->reserve(n);
    return op;
}

// Destroys an operation.
EMSCRIPTEN_KEEPALIVE void kp_op_free(ot::Operation* op) { delete op; }

// Appends retain(n); false when n is not a valid count.
EMSCRIPTEN_KEEPALIVE bool kp_op_retain(ot::Operation* op, double n) {
    if (!count_ok(n)) return false;
    op->retain(static_cast<std::uint64_t>(n));
    return true;
}

// Appends a delete of n; false when n is not a valid count.
EMSCRIPTEN_KEEPALIVE bool kp_op_remove(ot::Operation* op, double n) {
    if (!count_ok(n)) return false;
    op->remove(static_cast<std::uint64_t>(n));
    return true;
}

// Appends insert(the len input bytes); false unless they are valid UTF-8.
EMSCRIPTEN_KEEPALIVE bool kp_op_insert(ot::Operation* op, std::size_t len) {
    const std::string_view s = input(len);
    if (!ot::utf8::is_valid(s)) return false;
    op->insert(s);
    return true;
}

// Parses the JSON form from the len input bytes; null when invalid.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_op_from_json(std::size_t len) { return boxed(ot::from_json(input(len))); }

// Writes the JSON form to the output; returns its size in bytes.
EMSCRIPTEN_KEEPALIVE double kp_op_to_json(const ot::Operation* op) {
    g_out.clear();
    ot::append_json(g_out, *op);
    return static_cast<double>(g_out.size());
}

// Copy of an operation.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_op_clone(const ot::Operation* op) { return new ot::Operation(*op); }

// Length of the text the operation applies to.
EMSCRIPTEN_KEEPALIVE double kp_op_base_len(const ot::Operation* op) { return static_cast<double>(op->base_len()); }

// Length of the text the operation produces.
EMSCRIPTEN_KEEPALIVE double kp_op_target_len(const ot::Operation* op) { return static_cast<double>(op->target_len()); }

// True when applying the operation changes nothing.
EMSCRIPTEN_KEEPALIVE bool kp_op_is_noop(const ot::Operation* op) { return op->is_noop(); }

// True when both operations have equal canonical forms.
EMSCRIPTEN_KEEPALIVE bool kp_op_equals(const ot::Operation* a, const ot::Operation* b) { return *a == *b; }

// compose(a, b), or null on a length mismatch.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_op_compose(const ot::Operation* a, const ot::Operation* b) {
    return boxed(ot::compose(*a, *b));
}

// transform(a, b): writes a' and b' to out[0], out[1]; false on a length mismatch.
EMSCRIPTEN_KEEPALIVE bool kp_op_transform(const ot::Operation* a, const ot::Operation* b, ot::Operation** out) {
    auto r = ot::transform(*a, *b);
    if (!r.ok()) return false;
    out[0] = new ot::Operation(std::move(r->first));
    out[1] = new ot::Operation(std::move(r->second));
    return true;
}

// Pointer to room for n bytes in slot k (0 or 1) for JS to write a text into (see TextSlots::reserve).
EMSCRIPTEN_KEEPALIVE char* kp_slot_reserve(unsigned k, std::size_t n) { return g_slots.reserve(k & 1, n); }

// Slot k takes the first len bytes JS wrote, the UTF-8 of a JS string of `units` UTF-16 units;
// false (slot empty) unless they are valid UTF-8.
EMSCRIPTEN_KEEPALIVE bool kp_slot_fill(unsigned k, std::size_t len, std::size_t units) {
    return g_slots.fill(k & 1, len, units);
}

// apply(op, slot in) into slot out (see TextSlots::apply). Returns false on a length mismatch;
// otherwise kp_slot_applied() holds the result as [middle pointer, middle bytes, prefix units,
// suffix units]: the input's first prefix units, the decoded middle, the input's last suffix units.
EMSCRIPTEN_KEEPALIVE bool kp_slot_apply(const ot::Operation* op, unsigned in, unsigned out, bool whole) {
    if ((in & 1) == (out & 1)) return false;
    const auto r = g_slots.apply(*op, in & 1, out & 1, whole);
    if (!r.ok()) return false;
    g_applied[0] = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(r->middle));
    g_applied[1] = static_cast<std::uint32_t>(r->middle_size);
    g_applied[2] = static_cast<std::uint32_t>(r->prefix_units);
    g_applied[3] = static_cast<std::uint32_t>(r->suffix_units);
    return true;
}

// Pointer to the four words kp_slot_apply reports.
EMSCRIPTEN_KEEPALIVE const std::uint32_t* kp_slot_applied() { return g_applied; }

// invert(op, slot k) (see TextSlots::invert), or null when its length differs.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_slot_invert(const ot::Operation* op, unsigned k) {
    return boxed(g_slots.invert(*op, k & 1));
}

// transform_index(op, p); p must be a valid count (the JS layer checks).
EMSCRIPTEN_KEEPALIVE double kp_op_transform_index(const ot::Operation* op, double p) {
    return static_cast<double>(ot::transform_index(*op, static_cast<std::uint64_t>(p)));
}

// A new empty history (a list of operations, each applying to the result of the previous one).
EMSCRIPTEN_KEEPALIVE std::vector<ot::Operation>* kp_history_new() { return new std::vector<ot::Operation>(); }

// Destroys a history.
EMSCRIPTEN_KEEPALIVE void kp_history_free(std::vector<ot::Operation>* h) { delete h; }

// Appends a copy of op to the history.
EMSCRIPTEN_KEEPALIVE void kp_history_push(std::vector<ot::Operation>* h, const ot::Operation* op) { h->push_back(*op); }

// Number of operations in the history.
EMSCRIPTEN_KEEPALIVE double kp_history_size(const std::vector<ot::Operation>* h) { return static_cast<double>(h->size()); }

// transform_over(edit, history[from..]), or null on a mismatch or from > size.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_history_transform_over(const std::vector<ot::Operation>* h,
                                                              const ot::Operation* edit, double from) {
    if (!count_ok(from) || from > static_cast<double>(h->size())) return nullptr;
    const std::span<const ot::Operation> newer(h->data() + static_cast<std::size_t>(from), h->data() + h->size());
    return boxed(ot::transform_over(*edit, newer));
}

// A text in wasm memory from the len input bytes; null unless valid UTF-8.
EMSCRIPTEN_KEEPALIVE Text* kp_text_new(std::size_t len) {
    const std::string_view s = input(len);
    if (!ot::utf8::is_valid(s)) return nullptr;
    return new Text{std::string(s), ot::utf8::count(s)};
}

// Destroys a text.
EMSCRIPTEN_KEEPALIVE void kp_text_free(Text* t) { delete t; }

// Length of the text in code points.
EMSCRIPTEN_KEEPALIVE double kp_text_length(const Text* t) { return static_cast<double>(t->length); }

// Size of the text in UTF-8 bytes; its bytes are at kp_text_data.
EMSCRIPTEN_KEEPALIVE double kp_text_size(const Text* t) { return static_cast<double>(t->utf8.size()); }

// Pointer to the text's UTF-8 bytes (valid until the text changes).
EMSCRIPTEN_KEEPALIVE const char* kp_text_data(const Text* t) { return t->utf8.data(); }

// Applies op to the text in place; false (text unchanged) when the lengths differ.
EMSCRIPTEN_KEEPALIVE bool kp_text_apply(Text* t, const ot::Operation* op) {
    auto r = ot::apply(*op, t->utf8);
    if (!r.ok()) return false;
    t->utf8 = std::move(r).value();
    t->length = op->target_len();
    return true;
}

// The server's step in one call: edit' = transform_over(edit, history[from..]), then apply edit' to
// the text in place. Returns edit', or null (nothing changed) on any mismatch.
EMSCRIPTEN_KEEPALIVE ot::Operation* kp_history_replay(const std::vector<ot::Operation>* h, const ot::Operation* edit,
                                                      double from, Text* t) {
    ot::Operation* moved = kp_history_transform_over(h, edit, from);
    if (moved == nullptr) return nullptr;
    if (!kp_text_apply(t, moved)) {
        delete moved;
        return nullptr;
    }
    return moved;
}

}  // extern "C"

// Attributions (who wrote each code point): a thin layer over ot::Attribution. Author ids cross
// as doubles: -1 is unknown_author, others are integers in [0, 2^53).
namespace {

bool author_ok(double a) { return a == -1 || (count_ok(a) && a <= static_cast<double>(ot::max_author)); }
std::uint64_t author_of(double a) { return a == -1 ? ot::unknown_author : static_cast<std::uint64_t>(a); }

}  // namespace

extern "C" {

// Parses the serialized form [length, author, ...] from the len input bytes, covering exactly
// `expected` code points; null when invalid.
EMSCRIPTEN_KEEPALIVE ot::Attribution* kp_attr_from_json(std::size_t len, double expected) {
    if (!count_ok(expected)) return nullptr;
    auto r = ot::attribution_from_json(input(len), static_cast<std::uint64_t>(expected));
    return r.ok() ? new ot::Attribution(std::move(r).value()) : nullptr;
}

// `length` code points by `author`; null for a bad count or author.
EMSCRIPTEN_KEEPALIVE ot::Attribution* kp_attr_uniform(double length, double author) {
    if (!count_ok(length) || !author_ok(author)) return nullptr;
    return new ot::Attribution(ot::Attribution::uniform(static_cast<std::uint64_t>(length), author_of(author)));
}

// Destroys an attribution.
EMSCRIPTEN_KEEPALIVE void kp_attr_free(ot::Attribution* a) { delete a; }

// Copy of an attribution.
EMSCRIPTEN_KEEPALIVE ot::Attribution* kp_attr_clone(const ot::Attribution* a) { return new ot::Attribution(*a); }

// Code points covered.
EMSCRIPTEN_KEEPALIVE double kp_attr_length(const ot::Attribution* a) { return static_cast<double>(a->length()); }

// Moves the attribution through op applied by `author`, in place; false (unchanged) on a length
// mismatch or a bad author.
EMSCRIPTEN_KEEPALIVE bool kp_attr_apply(ot::Attribution* a, const ot::Operation* op, double author) {
    if (!author_ok(author)) return false;
    auto r = ot::apply(*op, *a, author_of(author));
    if (!r.ok()) return false;
    *a = std::move(r).value();
    return true;
}

// Writes the serialized form to the output; returns its size in bytes.
EMSCRIPTEN_KEEPALIVE double kp_attr_to_json(const ot::Attribution* a) {
    g_out.clear();
    ot::append_json(g_out, *a);
    return static_cast<double>(g_out.size());
}

}  // extern "C"
