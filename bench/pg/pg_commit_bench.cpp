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
    constexpr int n_modes = 4;
    // All four at once, measured in turn round by round, so that the disk's and the machine's
    // moods over the run weigh on every mode alike.
    std::vector<std::unique_ptr<PgStorage>> stores;
    std::vector<std::uint64_t> revs(n_modes, 0);
    for (int m = 0; m < n_modes; ++m) {
        PgOptions o;
        o.instance_id = "bench";
        o.pipeline = modes[m].pipeline;
        o.multi_row = modes[m].multi_row;
        auto opened = PgStorage::open(url, o);
        if (!opened) {
            std::fprintf(stderr, "%s\n", opened.error().c_str());
            return 1;
        }
        stores.push_back(std::move(opened).value());
        batches(*stores[m], 10, 1, 10, revs[m], "m" + std::to_string(m) + "-warm-");  // connections warm, statements planned
    }
    std::printf("Rounds per cell: %d, the four modes measured in turn each round. Latency: release of a held writer "
                "to the last callback of the batch (COMMIT answered).\n\n", rounds);
    std::printf("| batch | documents | mode | p50 ms | p99 ms | ops/s at p50 |\n|---:|---:|---|---:|---:|---:|\n");
    const std::pair<std::size_t, std::size_t> cells[] = {{1, 1}, {10, 1}, {10, 10}, {100, 1}, {100, 100}};
    for (const auto& [size, docs] : cells) {
        std::vector<std::vector<double>> lat(n_modes);
        for (int round = 0; round < rounds; ++round) {
            for (int m = 0; m < n_modes; ++m) {
                const std::string prefix = "m" + std::to_string(m) + "-" + std::to_string(size) + "x" + std::to_string(docs) + "-";
                auto one = batches(*stores[m], size, docs, 1, revs[m], prefix);
                lat[m].push_back(one[0]);
            }
        }
        for (int m = 0; m < n_modes; ++m) {
            const double p50 = percentile(lat[m], 0.5), p99 = percentile(lat[m], 0.99);
            std::printf("| %zu | %zu | %s | %.2f | %.2f | %.0f |\n", size, docs, modes[m].name, p50, p99,
                        static_cast<double>(size) / (p50 / 1000.0));
        }
    }
    // Throughput with the writer's own batching: everything submitted at once, five times per mode
    // (in turn), the median reported.
    constexpr std::size_t total = 20000, load_docs = 100;
    constexpr int repeats = 5;
    std::vector<std::vector<double>> rate(n_modes);
    std::vector<double> batches_seen(n_modes, 0);
    for (int r = 0; r < repeats; ++r) {
        for (int m = 0; m < n_modes; ++m) {
            PgStorage& st = *stores[m];
            const double before = static_cast<double>(st.commit_batch_sizes().count());
            std::atomic<std::size_t> ok{0};
            const std::string prefix = "m" + std::to_string(m) + "-load" + std::to_string(r) + "-";
            const auto t0 = Clock::now();
            for (std::size_t i = 0; i < total; ++i) {
                st.submit(append(prefix + std::to_string(i % load_docs), i / load_docs), 1, [&](bool c) { ok += c; });
            }
            st.flush();
            const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
            rate[m].push_back(static_cast<double>(ok.load()) / secs);
            batches_seen[m] += static_cast<double>(st.commit_batch_sizes().count()) - before;
        }
    }
    std::printf("\nSaturated: %zu appends over %zu documents submitted at once, the writer batching by itself "
                "(at most %zu per batch); median of %d runs per mode:\n\n| mode | ops/s | ops per batch |\n|---|---:|---:|\n",
                total, load_docs, PgStorage::max_batch, repeats);
    for (int m = 0; m < n_modes; ++m) {
        std::printf("| %s | %.0f | %.0f |\n", modes[m].name, percentile(rate[m], 0.5),
                    static_cast<double>(total * repeats) / std::max(1.0, batches_seen[m]));
    }
    for (auto& st : stores) st->close();
    admin.exec("DROP SCHEMA " + schema + " CASCADE");
    return 0;
}
