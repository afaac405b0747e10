#pragma once
// Result<T>: a value or an error message; how every fallible call of the OT library reports failure.

#include <optional>
#include <string>
#include <utility>

namespace kolabpad::ot {

// An error message, the failure side of Result<T>.
struct Error {
    std::string message;
};

// Holds either a T or an Error; never throws, never both.
template <class T>
class Result {
public:
    // A successful result holding `value`.
    Result(T value) : value_(std::move(value)) {}
    // A failed result holding `error`.
    Result(Error error) : error_(std::move(error.message)) {}

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
    // The error message; empty when ok().
    const std::string& error() const { return error_; }

private:
    std::optional<T> value_;
    std::string error_;
};

}  // namespace kolabpad::ot
