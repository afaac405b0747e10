// Parsing kolabpad-load's command line: every option names its value, bad values are errors.
#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace kolabpad::load {

namespace {

const char* usage =
    "kolabpad-load: many simulated users against a Kolabpad server: authors running the OT client\n"
    "state machine over kolabpad::ot, and thin readers that only count and timestamp what they get.\n"
    "  --url URL               server (ws://127.0.0.1:3030)\n"
    "  --docs N                documents (1)\n"
    "  --clients-per-doc N     authors per document (10)\n"
    "  --text-authors K        of those, how many keep and check the whole text; the others keep\n"
    "                          only its length (default: all)\n"
    "  --readers N             thin readers per document (0)\n"
    "  --rate R                keystrokes per second per author (2)\n"
    "  --flat-out              each author sends its next edit as soon as the last is acknowledged\n"
    "  --idle                  connect and hold, no typing (memory per connection)\n"
    "  --duration S            seconds of typing or holding (10)\n"
    "  --threads N             io_context threads; every document's clients are dealt round-robin (1)\n"
    "  --server-pid PID        report the server's RSS, CPU time and context switches from /proc\n"
    "  --doc-size N            code points the documents hover around (500)\n"
    "  --connect-concurrency N handshakes in progress at once (256)\n"
    "  --drain-timeout S       seconds to wait for every client to settle after typing (30)\n"
    "  --seed N                random seed (0: random)\n"
    "  --doc-prefix S          document ids are S-<run id>-<n> (load)\n"
    "  --json FILE             also write the JSON report to FILE\n"
    "  --max-thread-cpu F      the run is INVALID when a tool thread used more than F of a core (0.5)\n"
    "  --max-loop-lag-ms M     the run is INVALID when a tool event loop's p99 lag exceeds M ms (10)\n"
    "  --metrics-interval S    seconds between /api/metrics samples during the window (1; 0 = off)\n"
    "  --probe-dir DIR         first measure 4 KiB write + fdatasync in DIR and the loopback round\n"
    "                          trip, and print the disk-bound limit of a flat-out run\n"
    "  --probe-samples N       samples per probe (1000)\n"
    "  --probe-only            only the probes\n"
    "  --inject-divergence     alter one client's text before the check (proves the check can fail)\n"
    "Exit status: 0 ok, 1 a client diverged from the server, 2 errors/closes happened,\n"
    "3 clients did not settle within --drain-timeout, 4 INVALID (the tool saturated), 64 bad usage.\n";

bool number(std::string_view s, double lo, double hi, double& out) {
    std::string tmp(s);
    char* end = nullptr;
    out = std::strtod(tmp.c_str(), &end);
    return !tmp.empty() && end && *end == '\0' && out >= lo && out <= hi;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options o;
    auto bad = [&](const std::string& msg) {
        std::fprintf(stderr, "kolabpad-load: %s\n%s", msg.c_str(), usage);
        exit_code = 64;
        return std::nullopt;
    };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage, stderr);
            exit_code = 0;
            return std::nullopt;
        }
        if (a == "--flat-out") { o.mode = Mode::flat_out; continue; }
        if (a == "--idle") { o.mode = Mode::idle; continue; }
        if (a == "--inject-divergence") { o.inject_divergence = true; continue; }
        if (a == "--probe-only") { o.probe_only = true; continue; }
        if (i + 1 >= argc) return bad(std::string(a) + " needs a value (or is unknown)");
        std::string_view v = argv[++i];
        double d = 0;
        auto num = [&](double lo, double hi) { return number(v, lo, hi, d); };
        if (a == "--url") o.url = v;
        else if (a == "--json") o.json_file = v;
        else if (a == "--doc-prefix") o.doc_prefix = v;
        else if (a == "--probe-dir") o.probe_dir = v;
        else if (a == "--docs" && num(1, 1e6)) o.docs = static_cast<int>(d);
        else if (a == "--clients-per-doc" && num(0, 1e6)) o.clients_per_doc = static_cast<int>(d);
        else if (a == "--text-authors" && num(0, 1e6)) o.text_authors = static_cast<int>(d);
        else if (a == "--readers" && num(0, 1e6)) o.readers = static_cast<int>(d);
        else if (a == "--rate" && num(0.001, 1e6)) o.rate = d;
        else if (a == "--duration" && num(0, 86400)) o.duration = d;
        else if (a == "--threads" && num(1, 64)) o.threads = static_cast<int>(d);
        else if (a == "--server-pid" && num(1, 1e9)) o.server_pid = static_cast<long>(d);
        else if (a == "--doc-size" && num(1, 1e7)) o.doc_size = static_cast<std::uint64_t>(d);
        else if (a == "--connect-concurrency" && num(1, 1e6)) o.connect_concurrency = static_cast<std::size_t>(d);
        else if (a == "--drain-timeout" && num(0, 3600)) o.drain_timeout = d;
        else if (a == "--seed" && num(0, 1e18)) o.seed = static_cast<std::uint64_t>(d);
        else if (a == "--max-thread-cpu" && num(0.01, 64)) o.max_thread_cpu = d;
        else if (a == "--max-loop-lag-ms" && num(0.01, 1e6)) o.max_loop_lag_ms = d;
        else if (a == "--metrics-interval" && num(0, 3600)) o.metrics_interval = d;
        else if (a == "--probe-samples" && num(10, 1e6)) o.probe_samples = static_cast<int>(d);
        else return bad("bad option or value: " + std::string(a) + " " + std::string(v));
    }
    if (o.clients_per_doc + o.readers < 1) return bad("--clients-per-doc and --readers are both 0");
    if (o.text_authors < 0 || o.text_authors > o.clients_per_doc) o.text_authors = o.clients_per_doc;
    return o;
}

}  // namespace kolabpad::load
