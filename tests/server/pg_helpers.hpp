#pragma once
// PostgreSQL test helpers: a fresh schema per test in the run's cluster (KOLABPAD_TEST_DATABASE_URL,
// started by scripts/test.sh or scripts/services/run.sh), and a private cluster for tests that stop
// and restart PostgreSQL. A missing service fails the test, saying why; nothing is skipped.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "storage/pg_connection.hpp"

#ifndef KOLABPAD_SCRIPTS_DIR
#error "KOLABPAD_SCRIPTS_DIR must name the repository's scripts folder"
#endif

namespace kolabpad::server::testing {

// Polls `pred` until it holds or `limit` passes; returns its last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

inline std::string random_name(const char* prefix) {
    std::random_device rd;
    return prefix + std::to_string(rd()) + "_" + std::to_string(rd());
}

// `url` whose sessions use `schema` first (libpq's options parameter).
inline std::string with_search_path(const std::string& url, const std::string& schema) {
    if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
        return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
    }
    return url + " options='-csearch_path=" + schema + "'";
}

// The run's PostgreSQL, or a failed test that says how to get one.
inline std::string test_database_url() {
    const char* url = std::getenv("KOLABPAD_TEST_DATABASE_URL");
    if (!url || !*url) {
        FAIL("KOLABPAD_TEST_DATABASE_URL is not set: run the PostgreSQL tests through npm test, or "
             "bash scripts/services/run.sh ctest --test-dir build -R '^pg:'");
    }
    return url;
}

// An admin connection to `url`, or a failed test.
inline void connect(storage::PgConnection& c, const std::string& url) {
    auto r = c.open(url, "kolabpad test", std::chrono::seconds(10));
    INFO(r.error());
    REQUIRE(r.ok());
}

// A schema of its own in the run's cluster; dropped with everything in it at scope end.
class PgSchema {
public:
    PgSchema() : base_(test_database_url()), name_(random_name("kp_test_")) {
        connect(admin_, base_);
        auto r = admin_.exec("CREATE SCHEMA " + name_);  // a generated identifier, not input
        INFO(r.error());
        REQUIRE(r.ok());
        url_ = with_search_path(base_, name_);
    }
    ~PgSchema() {
        if (!admin_.is_open()) admin_.open(base_, "kolabpad test", std::chrono::seconds(10));
        admin_.exec("DROP SCHEMA " + name_ + " CASCADE");
    }
    // A connection string whose sessions use this schema.
    const std::string& url() const { return url_; }
    // A connection to the cluster (search_path not set).
    storage::PgConnection& admin() { return admin_; }
    const std::string& name() const { return name_; }

private:
    std::string base_;
    std::string name_;
    std::string url_;
    storage::PgConnection admin_;
};

// Runs `command`; returns its standard output, or fails the test with it.
inline std::string run(const std::string& command) {
    std::string out;
    FILE* p = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = ::pclose(p);
    INFO(command << ":\n" << out);
    REQUIRE(status == 0);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// A PostgreSQL cluster of the test's own (scripts/services/postgres.sh), which it may stop and
// start again on the same data and port. Lives under $KOLABPAD_SERVICES_DIR when set, so that the
// run's clean-up stops it even if the test dies.
class PrivateCluster {
public:
    PrivateCluster() {
        const char* services = std::getenv("KOLABPAD_SERVICES_DIR");
        dir_ = std::string(services && *services ? services : "/tmp") + "/" + random_name("pg-private-");
        url_ = run("bash " KOLABPAD_SCRIPTS_DIR "/services/postgres.sh start " + dir_);
    }
    ~PrivateCluster() {
        std::system(("bash " KOLABPAD_SCRIPTS_DIR "/services/postgres.sh stop " + dir_ + " immediate >/dev/null 2>&1; rm -rf " + dir_).c_str());
    }
    const std::string& url() const { return url_; }
    // Stops the server: "fast" (clients are disconnected, then it shuts down) or "immediate" (a crash).
    void stop(const char* mode = "fast") { run("bash " KOLABPAD_SCRIPTS_DIR "/services/postgres.sh stop " + dir_ + " " + mode); }
    // Starts it again on the same data directory and port.
    void start() { run("bash " KOLABPAD_SCRIPTS_DIR "/services/postgres.sh start " + dir_); }

private:
    std::string dir_;
    std::string url_;
};

}  // namespace kolabpad::server::testing
