// The metrics registry: histograms, per-code counters, the message rate and the Prometheus text.
#include <catch2/catch.hpp>

#include "metrics/server_metrics.hpp"

using namespace kolabpad::server::metrics;

TEST_CASE("a histogram's +Inf bucket equals its count and buckets are cumulative") {
    Histogram h;
    h.observe(0.00001);
    h.observe(0.003);
    h.observe(0.003);
    h.observe(50.0);  // past the last bound
    std::string out;
    h.append_prometheus(out, "t_seconds", "test");
    CHECK(out.find("t_seconds_bucket{le=\"5e-05\"} 1\n") != std::string::npos);
    CHECK(out.find("t_seconds_bucket{le=\"0.005\"} 3\n") != std::string::npos);
    CHECK(out.find("t_seconds_bucket{le=\"10\"} 3\n") != std::string::npos);
    CHECK(out.find("t_seconds_bucket{le=\"+Inf\"} 4\n") != std::string::npos);
    CHECK(out.find("t_seconds_count 4\n") != std::string::npos);
    CHECK(h.count() == 4);
    CHECK(h.sum() == Approx(50.00601));
}

TEST_CASE("quantiles interpolate inside the bucket holding the rank") {
    Histogram h({1, 2, 4, 8});
    CHECK(h.quantile(0.5) == 0);  // empty
    for (int i = 0; i < 10; ++i) h.observe(1.5);  // all in (1, 2]
    CHECK(h.quantile(0.5) == Approx(1.5));
    CHECK(h.quantile(1.0) == Approx(2.0));
    for (int i = 0; i < 10; ++i) h.observe(6.0);  // (4, 8]
    CHECK(h.quantile(0.5) == Approx(2.0));
    CHECK(h.quantile(0.95) == Approx(4.0 + 4.0 * 0.9));
    h.observe(100);  // overflow: reported as the largest bound
    CHECK(h.quantile(1.0) == Approx(8.0));
}

TEST_CASE("count histograms use powers of two up to 4096") {
    Histogram h(Histogram::count_bounds());
    h.observe(3);
    h.observe(2048);
    std::string out;
    h.append_prometheus(out, "b", "batch");
    CHECK(out.find("b_bucket{le=\"2\"} 0\n") != std::string::npos);
    CHECK(out.find("b_bucket{le=\"4\"} 1\n") != std::string::npos);
    CHECK(out.find("b_bucket{le=\"4096\"} 2\n") != std::string::npos);
}

TEST_CASE("labeled counters count per label and in total") {
    LabeledCounter c;
    c.add("bad_message");
    c.add("bad_message");
    c.add("rate_limited", 3);
    CHECK(c.get("bad_message") == 2);
    CHECK(c.get("nothing") == 0);
    CHECK(c.total() == 5);
    CHECK(c.values() == std::map<std::string, std::uint64_t>{{"bad_message", 2}, {"rate_limited", 3}});
}

TEST_CASE("the message rate averages the last ten whole seconds and forgets older ones") {
    RateMeter r;
    for (int i = 0; i < 30; ++i) r.tick(1000);
    for (int i = 0; i < 10; ++i) r.tick(1005);
    r.tick(1010);  // the current second is not counted yet
    CHECK(r.rate(1010) == Approx(4.0));
    CHECK(r.rate(1011) == Approx(1.1));  // 1000 fell out of the window
    CHECK(r.rate(1030) == 0);
    for (int i = 0; i < 5; ++i) r.tick(1016);  // reuses the slot of 1000
    CHECK(r.rate(1017) == Approx(0.5 + 0.1));  // 1016 and 1010; 1005 is out of the window
}

TEST_CASE("server metrics render every family in Prometheus text, errors by code") {
    ServerMetrics m;
    m.message_received(100, 5);
    m.errors.add("bad_revision");
    m.rejected.add("document_too_large");
    m.evictions.add("memory", 2);
    m.edit_ack_latency.observe(0.002);
    std::string out;
    m.append_prometheus(out);
    for (const char* s : {"kolabpad_messages_total 1\n", "kolabpad_received_bytes_total 100\n",
                          "kolabpad_errors_total{code=\"bad_revision\"} 1\n", "kolabpad_protocol_errors_total 1\n",
                          "kolabpad_rejected_by_code_total{code=\"document_too_large\"} 1\n",
                          "kolabpad_evictions_total{reason=\"memory\"} 2\n", "kolabpad_edit_ack_seconds_count 1\n",
                          "# TYPE kolabpad_fanout_seconds histogram\n", "# TYPE kolabpad_connections gauge\n"}) {
        INFO(s);
        CHECK(out.find(s) != std::string::npos);
    }
}
