#pragma once
// The texts that OpSeq.apply and OpSeq.invert work on: two slots of UTF-8 (js/text_slots.js
// knows which JS string each holds). apply reads one slot and leaves its result in the other as
// a pending edit of the first (the part that changed, and where), so applying many operations to
// one text copies nothing, and a chain (each result the next input) edits the text in place.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "gap_text.hpp"
#include "kolabpad/ot.hpp"

namespace kolabpad::wasm {

// What apply reports: the result is the input's first prefix_units UTF-16 units, then the
// UTF-8 bytes [middle, middle + middle_size), then the input's last suffix_units units.
struct Applied {
    const char* middle = nullptr;
    std::size_t middle_size = 0;
    std::size_t prefix_units = 0;
    std::size_t suffix_units = 0;
};

// Two slots, 0 and 1. A slot is empty, holds a text, or holds a pending result: an edit of the
// text in the other slot.
class TextSlots {
public:
    // Room for n bytes in slot k for the caller to write a text into; a pending result in the
    // other slot that is based on k is completed first (which empties nothing the caller knows
    // of: the other slot keeps its text).
    char* reserve(unsigned k, std::size_t n);
    // Slot k takes the first len bytes written, the UTF-8 of a JS string of `units` units; false
    // (slot empty) unless they are valid UTF-8.
    bool fill(unsigned k, std::size_t len, std::size_t units);

    // apply(op, text of slot in) into slot out (in != out). When `in` held a pending result it is
    // completed first, which empties `out`. With `whole`, the result is completed at once (which
    // empties `in`) and reported whole (prefix and suffix 0). Fails, leaving `in` as it was (but
    // `out` empty when `in` was pending), unless the text has op.base_len() code points.
    ot::Result<Applied> apply(const ot::Operation& op, unsigned in, unsigned out, bool whole);
    // invert(op, text of slot k); completes a pending result in k first (emptying the other slot).
    ot::Result<ot::Operation> invert(const ot::Operation& op, unsigned k);

private:
    struct Slot {
        GapText text;        // the text, unless pending
        bool pending = false;
        Place from;          // pending: the other slot's text with [from, to) replaced by `middle`
        Place to;
        std::string middle;
        std::uint64_t middle_cps = 0;
        std::size_t middle_units = 0;
    };
    // Turns slot k's pending result into its text, taking the other slot's memory (which ends
    // empty) and editing it in place.
    void complete(unsigned k);

    Slot slots_[2];
    std::string scratch_;   // the middle of a text when it spans the gap
    ot::Operation inner_;   // the middle of the operation being applied
};

}  // namespace kolabpad::wasm
