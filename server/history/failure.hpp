#pragma once
// Failure and Answer<T>: how the history's requests fail, with a code that maps to an HTTP status.

#include <optional>
#include <string>
#include <utility>

namespace kolabpad::server::history {

// Why a history request failed.
struct Failure {
    enum class Code {
        bad_request,  // 400: parameters out of range (from > to, limit outside 1..HISTORY_PAGE_MAX)
        not_found,    // 404: a revision past the document's current one
        gone,         // 410: a revision whose operations retention dropped (and no version kept it)
        corrupt,      // 500: stored records that contradict each other or do not parse
        unavailable,  // 503: storage could not be read
    };
    Code code = Code::bad_request;
    std::string message;
};

// The HTTP status for a failure code.
int http_status(Failure::Code code);
// The JSON error code for a failure code: "bad_request", "not_found", "gone", "corrupt", "unavailable".
const char* failure_name(Failure::Code code);

// Holds either a T or a Failure; never throws, never both.
template <class T>
class Answer {
public:
    // A successful answer holding `value`.
    Answer(T value) : value_(std::move(value)) {}
    // A failed answer.
    Answer(Failure failure) : failure_(std::move(failure)) {}

    // True when a value is held.
    bool ok() const { return value_.has_value(); }
    // Same as ok().
    explicit operator bool() const { return ok(); }
    // The held value; precondition: ok().
    T& value() & { return *value_; }
    // The held value; precondition: ok().
    const T& value() const& { return *value_; }
    // The held value, moved out; precondition: ok().
    T&& value() && { return std::move(*value_); }
    // The held value; precondition: ok().
    T& operator*() & { return *value_; }
    // The held value; precondition: ok().
    const T& operator*() const& { return *value_; }
    // Member access to the held value; precondition: ok().
    T* operator->() { return &*value_; }
    // Member access to the held value; precondition: ok().
    const T* operator->() const { return &*value_; }
    // The failure; meaningful only when !ok().
    const Failure& failure() const { return failure_; }

private:
    std::optional<T> value_;
    Failure failure_;
};

}  // namespace kolabpad::server::history
