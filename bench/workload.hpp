#pragma once
// The seeded benchmark workload: documents of 1 KiB, 64 KiB and 256 KiB and typing-like edits on them,
// shared (as JSON) with the wasm and ot.js benchmarks.

#include <cstdint>
#include <string>
#include <vector>

#include "kolabpad/ot.hpp"

namespace kolabpad::bench {

// One document of the workload.
struct Doc {
    std::string name;  // "1KiB", "64KiB", "256KiB"
    std::string text;
};

// An operation on a named document.
struct ApplyCase {
    std::size_t doc;
    ot::Operation op;
};

// Two operations: for compose, b follows a; for transform, both apply to the document.
struct PairCase {
    std::size_t doc;
    ot::Operation a, b;
};

// A stale edit and the k newer operations the server transforms it over.
struct ReplayCase {
    std::size_t doc;
    std::size_t k;
    std::vector<ot::Operation> history;
    ot::Operation edit;
};

// The whole workload.
struct Workload {
    std::uint64_t seed;
    std::vector<Doc> docs;
    std::vector<ApplyCase> apply;
    std::vector<PairCase> compose, transform;
    std::vector<ReplayCase> replay;
};

// Builds the workload from `seed` (same seed, same workload, on every machine).
Workload make_workload(std::uint64_t seed);

// The workload as JSON: {"seed", "docs": {name: text}, "apply": [{doc, op}], "compose": [{doc, a, b}]
// (b follows a), "transform": [{doc, a, b}] (same base), "replay": [{doc, k, history: [op...], edit}]}
// (history[0] applies to the doc, each next one to the previous result; edit applies to the doc).
std::string to_json(const Workload& w);

}  // namespace kolabpad::bench
