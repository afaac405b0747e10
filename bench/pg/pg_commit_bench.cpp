// kolabpad-pg-bench: commit latency and throughput of PgStorage against a real PostgreSQL, for
// batches of 1, 10 and 100 operations, in each write mode (libpq pipeline or one statement at a
// time; the operations of a batch in one multi-row statement or one statement each).
//
//   kolabpad-pg-bench URL [--rounds N]   (bench/pg/run.sh starts a private cluster and runs it)
//
// A batch of exactly N writes is made by holding the writer in the callback of a previous write
// while the N are queued; the latency is from releasing it to the N-th callback (its COMMIT
// answered). Throughput under load: 20,000 appends over 100 documents submitted at once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "storage/pg_connection.hpp"
#include "storage/pg_storage.hpp"

using namespace kolabpad::server::storage;
using Clock = std::chrono::steady_clock;

namespace {

struct Mode {
    const char* name;
    bool pipeline;
    bool multi_row;
};

AppendOp append(const std::string& doc, std::uint64_t revision) {
    OpRecord r;
    r.revision = revision;
    r.operation_json = "[";
    if (revision > 0) r.operation_json += std::to_string(revision) + ",";
    r.operation_json += "\"x\"]";
    r.client = "bench-client";
    r.seq = revision + 1;
    r.author = 7;
    r.time_ms = 1700000000000;
    return AppendOp{doc, r};
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Latencies (ms) of `rounds` batches of `size` writes spread over `docs` documents.
std::vector<double> batches(PgStorage& st, std::size_t size, std::size_t docs, int rounds, std::uint64_t& next_rev,
                            const std::string& prefix) {
    std::vector<double> out;
    for (int round = 0; round < rounds; ++round) {
        std::promise<void> entered, release;
        auto release_f = release.get_future().share();
        st.submit(append(prefix + "hold", next_rev), 1, [&, release_f](bool) {
            entered.set_value();
            release_f.wait();
        });
        entered.get_future().wait();
        std::atomic<std::size_t> done{0};
        std::promise<void> all;
        for (std::size_t i = 0; i < size; ++i) {
            st.submit(append(prefix + std::to_string(i % docs), next_rev + i / docs), 1, [&](bool ok) {
                if (!ok) std::fprintf(stderr, "a write failed\n");
                if (++done == size) all.set_value();
            });
        }
        const auto t0 = Clock::now();
        release.set_value();
        all.get_future().wait();
        out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        next_rev += (size + docs - 1) / docs + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: kolabpad-pg-bench URL [--rounds N]\n");
        return 2;
    }
    const std::string base = argv[1];
    int rounds = 100;
    for (int i = 2; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[i + 1]));
    }
    std::random_device rd;
    const std::string schema = "kp_bench_" + std::to_string(rd());
    PgConnection admin;
    if (auto r = admin.open(base, "kolabpad bench", std::chrono::seconds(10)); !r) {
        std::fprintf(stderr, "%s\n", r.error().c_str());
        return 1;
    }
    if (auto r = admin.exec("CREATE SCHEMA " + schema); !r.ok()) {
        std::fprintf(stderr, "%s\n", r.error().c_str());
        return 1;
    }
    const std::string url = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
    const Mode modes[] = {{"pipeline, multi-row", true, true},
                          {"pipeline, one INSERT per op", true, false},
                          {"one statement at a time, multi-row", false, true},
                          {"one statement at a time, one INSERT per op", false, false}};
    std::printf("Rounds per cell: %d. Latency: release of a held writer to the last callback of the batch (COMMIT answered).\n\n", rounds);
    std::printf("| mode | batch | documents | p50 ms | p99 ms | ops/s at p50 |\n|---|---:|---:|---:|---:|---:|\n");
    std::vector<std::pair<std::string, double>> saturated;
    int m = 0;
    for (const Mode& mode : modes) {
        PgOptions o;
        o.instance_id = "bench";
        o.pipeline = mode.pipeline;
        o.multi_row = mode.multi_row;
        auto opened = PgStorage::open(url, o);
        if (!opened) {
            std::fprintf(stderr, "%s\n", opened.error().c_str());
            return 1;
        }
        PgStorage& st = *opened.value();
        const std::string prefix = "m" + std::to_string(m++) + "-";
        std::uint64_t rev = 0;
        batches(st, 10, 1, 10, rev, prefix + "warm-");  // connections warm, statements planned
        bool lat_done_single = false;
        for (std::size_t size : {1, 10, 100}) {
            for (std::size_t docs : {std::size_t(1), size}) {
                if (size == 1 && docs == 1 && lat_done_single) continue;
                lat_done_single = size == 1;
                auto lat = batches(st, size, docs, rounds, rev, prefix + std::to_string(size) + "x" + std::to_string(docs) + "-");
                const double p50 = percentile(lat, 0.5), p99 = percentile(lat, 0.99);
                std::printf("| %s | %zu | %zu | %.2f | %.2f | %.0f |\n", mode.name, size, docs, p50, p99,
                            static_cast<double>(size) / (p50 / 1000.0));
            }
        }
        // Throughput with the writer's own batching: everything submitted at once.
        const std::size_t total = 20000, docs = 100;
        const double batches_before = st.commit_batch_sizes().count();
        std::atomic<std::size_t> ok{0};
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < total; ++i) {
            st.submit(append(prefix + "load" + std::to_string(i % docs), i / docs), 1, [&](bool c) { ok += c; });
        }
        st.flush();
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        const double n_batches = static_cast<double>(st.commit_batch_sizes().count()) - batches_before;
        char line[256];
        std::snprintf(line, sizeof line, "%.0f ops/s (%zu ops in %.2f s, %.0f batches, %.0f ops per batch on average)",
                      static_cast<double>(ok.load()) / secs, ok.load(), secs, n_batches,
                      static_cast<double>(total) / std::max(1.0, n_batches));
        saturated.push_back({std::string(mode.name) + ": " + line, secs});
        st.close();
    }
    std::printf("\nSaturated (20,000 appends over 100 documents submitted at once, the writer batching by itself, at most %zu per batch):\n\n",
                PgStorage::max_batch);
    for (const auto& [s, _] : saturated) std::printf("- %s\n", s.c_str());
    admin.exec("DROP SCHEMA " + schema + " CASCADE");
    return 0;
}
