#pragma once
// Command-line options of kolabpad-load.

#include <cstdint>
#include <optional>
#include <string>

#include "connection.hpp"

namespace kolabpad::load {

// Everything the command line sets; defaults in the member initializers.
struct Options {
    std::string url = "ws://127.0.0.1:3030";  // server base URL (ws:// or http://)
    int docs = 1;                             // documents
    int clients_per_doc = 10;                 // authors per document
    int text_authors = -1;                    // of those, how many keep the text (-1: all)
    int readers = 0;                          // thin readers per document
    double rate = 2;                          // keystrokes per second per author (rate mode)
    Mode mode = Mode::rate;                   // rate, --flat-out or --idle
    double duration = 10;                     // seconds of typing (or holding, with --idle)
    int threads = 1;                          // io_context threads, clients dealt round-robin
    long server_pid = 0;                      // read the server's RSS and CPU time from /proc when > 0
    std::uint64_t doc_size = 500;             // code points the typing hovers around
    std::size_t connect_concurrency = 256;    // handshakes in progress at once
    double drain_timeout = 30;                // seconds to wait for quiescence after typing stops
    std::uint64_t seed = 0;                   // 0: random
    std::string doc_prefix = "load";          // documents are <prefix>-<run id>-<n>
    std::string json_file;                    // write the JSON report here too
    bool inject_divergence = false;           // corrupt one client's text before the check (tests the check)
    double max_thread_cpu = 0.5;              // a tool thread busier than this fraction of a core: INVALID
    double max_loop_lag_ms = 10;              // a tool event loop later than this at p99: INVALID
    double metrics_interval = 1;              // seconds between /api/metrics samples in the window (0: off)
    std::string probe_dir;                    // measure fdatasync here and the loopback round trip first
    int probe_samples = 1000;                 // samples of each probe
    bool probe_only = false;                  // only the probes, no load
};

// Parses argv; on --help or an error, prints to stderr and returns nullopt with `exit_code` set.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace kolabpad::load
