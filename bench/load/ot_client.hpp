#pragma once
// OtClient: the ot.js client state machine (synchronized / awaiting ack / awaiting with buffer) over
// kolabpad::ot. No I/O: the caller sends what it is told to send. Every OT rule comes from ot/.
//
// A client either keeps the text (and applies every operation to it) or keeps only its length in
// code points. The second is still an exact client of its own edits: its edits are built from the
// length, its in-flight edit and buffer are transformed over every concurrent entry with
// ot::transform as in the first, and every operation's base length is checked against the length;
// only the text, which nothing it sends depends on, is not materialized.

#include <cstdint>
#include <optional>
#include <string>

#include "kolabpad/ot.hpp"

namespace kolabpad::load {

// One client's view of a document: its text (or just its length), the server revision it builds on,
// and its unacknowledged work.
class OtClient {
public:
    // A client that keeps the text (`keep_text`) or only its length.
    explicit OtClient(bool keep_text = true) : keep_text_(keep_text) {}

    // Replaces the state with `text` at `revision` (a Snapshot); precondition: nothing outstanding.
    void reset(std::string text, std::uint64_t revision);

    // Applies a local edit. Returns true in `send_now` when it must be sent now (nothing was in
    // flight); otherwise it is composed into the buffer. Returns an error message on a base-length mismatch.
    std::optional<std::string> local(const ot::Operation& op, bool& send_now);

    // Our in-flight edit was acknowledged. Returns true when the buffer became the new in-flight edit,
    // which the caller must send now.
    bool ack();

    // A remote entry of the log: transforms the in-flight edit and buffer over it and applies it.
    // Returns an error message when the operation does not fit.
    std::optional<std::string> remote(const ot::Operation& op);

    // `count` remote entries at once, given as their composition; only while synchronized (nothing in
    // flight, so nothing to transform). Returns an error message when it does not fit.
    std::optional<std::string> remote_composed(const ot::Operation& composed, std::uint64_t count);

    // `count` consecutive remote entries while synchronized, for a client that keeps only the length:
    // the first applies to `base_len` code points, the last leaves `target_len`.
    std::optional<std::string> remote_lengths(std::uint64_t base_len, std::uint64_t target_len, std::uint64_t count);

    // True when the client keeps the text.
    bool keeps_text() const { return keep_text_; }
    // The edit in flight; precondition: has_outstanding().
    const ot::Operation& outstanding() const { return *outstanding_; }
    // True while an edit waits for its acknowledgement.
    bool has_outstanding() const { return outstanding_.has_value(); }
    // True while local edits wait behind the in-flight one.
    bool has_buffer() const { return buffer_.has_value(); }
    // Number of log entries this client has seen (what it sends as `revision`).
    std::uint64_t revision() const { return revision_; }
    // The local text (UTF-8); empty for a client that keeps only the length.
    const std::string& text() const { return text_; }
    // The local text's length in code points.
    std::uint64_t length() const { return length_; }

private:
    std::optional<std::string> apply(const ot::Operation& op, const char* what);

    bool keep_text_;
    std::string text_;
    std::uint64_t length_ = 0;
    std::uint64_t revision_ = 0;
    std::optional<ot::Operation> outstanding_;
    std::optional<ot::Operation> buffer_;
};

}  // namespace kolabpad::load
