#pragma once
// Test helpers: parse an operation from its JSON form or fail the test.

#include <catch2/catch.hpp>

#include <string>

#include "kolabpad/ot.hpp"

namespace kolabpad::ot::testing {

// The operation written in JSON form; fails the current test if it does not parse.
inline Operation op(const std::string& json) {
    auto r = from_json(json);
    INFO(json << ": " << r.error());
    REQUIRE(r.ok());
    return std::move(r).value();
}

// The JSON form of an operation, for readable comparisons.
inline std::string js(const Operation& o) { return to_json(o); }

}  // namespace kolabpad::ot::testing
