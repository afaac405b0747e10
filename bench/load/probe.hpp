#pragma once
// The machine's floors for a durable edit, measured in the same run as the load: how long the disk
// takes to make 4 KiB durable (write + fdatasync, the heart of a SQLite WAL commit with
// synchronous=FULL) and how long a loopback TCP round trip between two threads takes. A client with
// one edit in flight cannot do better than one edit per (fdatasync + round trip).

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace kolabpad::load {

// Medians and 90th percentiles of both floors, in microseconds.
struct Floors {
    int samples = 0;
    double fdatasync_p50_us = 0, fdatasync_p90_us = 0;
    double rtt_p50_us = 0, rtt_p90_us = 0;
};

// Measures both floors with `samples` samples each, the disk one in a scratch file in `dir` (removed
// afterwards); nullopt with `error` set when the file or the sockets fail.
std::optional<Floors> measure_floors(const std::string& dir, int samples, std::string& error);

// The JSON form.
nlohmann::json to_json(const Floors& f);

}  // namespace kolabpad::load
