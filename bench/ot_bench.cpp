// kolabpad-bench: times apply, compose, transform and the server's replay on the seeded workload.
//   kolabpad-bench                          print the results table (markdown)
//   kolabpad-bench --write-workload FILE    also write the workload as JSON for the JS benchmarks
//   kolabpad-bench --quick                  shorter runs (for a smoke test)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "workload.hpp"

namespace ot = kolabpad::ot;
using kolabpad::bench::Workload;

namespace {

double min_seconds = 0.3;
std::size_t sink = 0;

// Runs `once(i)` over indices 0..n-1 repeatedly for at least min_seconds; returns nanoseconds per call.
double time_per_call(std::size_t n, const std::function<void(std::size_t)>& once) {
    using clock = std::chrono::steady_clock;
    std::size_t calls = 0;
    const auto start = clock::now();
    double elapsed = 0;
    do {
        for (std::size_t i = 0; i < n; ++i) once(i);
        calls += n;
        elapsed = std::chrono::duration<double>(clock::now() - start).count();
    } while (elapsed < min_seconds);
    return elapsed * 1e9 / static_cast<double>(calls);
}

void row(const std::string& what, const std::string& doc, double ns) {
    std::printf("| %-38s | %-6s | %12.0f | %14.0f |\n", what.c_str(), doc.c_str(), ns, 1e9 / ns);
}

template <class Case>
std::vector<const Case*> on_doc(const std::vector<Case>& all, std::size_t d, std::size_t k = 0) {
    std::vector<const Case*> out;
    for (const Case& c : all) {
        if constexpr (requires { c.k; }) {
            if (c.k != k) continue;
        }
        if (c.doc == d) out.push_back(&c);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const char* workload_file = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--write-workload") && i + 1 < argc) workload_file = argv[++i];
        else if (!std::strcmp(argv[i], "--quick")) min_seconds = 0.02;
        else {
            std::fprintf(stderr, "usage: kolabpad-bench [--quick] [--write-workload FILE]\n");
            return 2;
        }
    }
    const Workload w = kolabpad::bench::make_workload(1);
    if (workload_file) {
        std::ofstream(workload_file) << kolabpad::bench::to_json(w);
        std::fprintf(stderr, "wrote %s\n", workload_file);
    }

    std::printf("| operation (seed %llu)                    | doc    |   ns per op  |     ops per s  |\n",
                static_cast<unsigned long long>(w.seed));
    std::printf("|----------------------------------------|--------|-------------:|---------------:|\n");
    for (std::size_t d = 0; d < w.docs.size(); ++d) {
        const std::string& text = w.docs[d].text;
        const std::string& name = w.docs[d].name;

        auto applies = on_doc(w.apply, d);
        row("apply (typing, 3% paste)", name, time_per_call(applies.size(), [&](std::size_t i) {
                sink += ot::apply(applies[i]->op, text)->size();
            }));
        ot::Operation one;
        one.retain(ot::utf8::count(text) / 2).insert("x").retain(ot::utf8::count(text) - ot::utf8::count(text) / 2);
        row("apply one-character insert", name, time_per_call(1, [&](std::size_t) {
                sink += ot::apply(one, text)->size();
            }));

        auto composes = on_doc(w.compose, d);
        row("compose (typing-sized)", name, time_per_call(composes.size(), [&](std::size_t i) {
                sink += ot::compose(composes[i]->a, composes[i]->b)->components().size();
            }));
        auto transforms = on_doc(w.transform, d);
        row("transform (typing-sized)", name, time_per_call(transforms.size(), [&](std::size_t i) {
                sink += ot::transform(transforms[i]->a, transforms[i]->b)->first.components().size();
            }));

        for (std::size_t k : {1, 10, 100}) {
            auto replays = on_doc(w.replay, d, k);
            std::vector<std::string> after;
            for (const auto* r : replays) {
                std::string t = text;
                for (const auto& h : r->history) t = ot::apply(h, t).value();
                after.push_back(std::move(t));
            }
            row("server replay k=" + std::to_string(k) + " (transform+apply)", name,
                time_per_call(replays.size(), [&](std::size_t i) {
                    auto rebased = ot::transform_over(replays[i]->edit, replays[i]->history);
                    sink += ot::apply(*rebased, after[i])->size();
                }));
        }
    }
    std::fprintf(stderr, "(checksum %zu)\n", sink);
    return 0;
}
