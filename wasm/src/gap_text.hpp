#pragma once
// A text as valid UTF-8 in a gap buffer (the bytes before the gap, the gap, the bytes after it),
// so an edit near the last one moves only the bytes in between. Positions are places in the
// text's content (the gap is invisible); a walk to a code point starts from the nearest place
// known: the start, the gap, the end, one the caller has, or one of the last few found.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kolabpad::wasm {

// A place in a text: bytes, UTF-16 units and code points before it.
struct Place {
    std::size_t byte = 0;
    std::size_t unit = 0;
    std::uint64_t cp = 0;
};

// The text; empty when new.
class GapText {
public:
    // Empties the text and returns room for n bytes at its start, for the caller to write into.
    char* reserve(std::size_t n);
    // Takes the first len bytes written after reserve() as the text, a JS string of `units` UTF-16
    // units; false (text left empty) unless they are valid UTF-8.
    bool fill(std::size_t len, std::size_t units);
    // Empties the text (keeps the memory).
    void clear();

    // Size in bytes, length in code points, length in UTF-16 units.
    std::size_t size() const { return end_.byte; }
    std::uint64_t length() const { return end_.cp; }
    std::size_t units() const { return end_.unit; }
    // The place after the whole text.
    const Place& end() const { return end_; }

    // The place of code point cp (cp <= length()), walking from the nearest known place (`hint`
    // must be a place of the current content).
    Place place(std::uint64_t cp, const Place& hint) const;
    // The bytes between two places as one view: in place when the gap is not between them,
    // otherwise copied into `scratch`.
    std::string_view between(const Place& from, const Place& to, std::string& scratch) const;
    // Replaces the content between two places with `bytes`, of cps code points and units UTF-16
    // units (valid UTF-8), moving the gap there first.
    void replace(const Place& from, const Place& to, std::string_view bytes, std::uint64_t cps, std::size_t units);
    // The whole text as one view (moves the gap to the end).
    std::string_view whole();

    // Exchanges the contents of two texts.
    void swap(GapText& other) noexcept;

private:
    // Moves the gap to content byte b.
    void move_gap(std::size_t b);

    // Remembers a place found (fingers_ is a small ring of recent places of the current content).
    void remember(const Place& p) const;

    static constexpr unsigned kFingers = 8;

    std::unique_ptr<char[]> data_;
    std::size_t capacity_ = 0;
    std::size_t gap_end_ = 0;  // physical end of the gap; the gap starts at gap_.byte
    Place gap_;
    Place end_;
    mutable Place fingers_[kFingers];  // the start until replaced by places found
    mutable unsigned next_finger_ = 0;
};

}  // namespace kolabpad::wasm
