#pragma once
// RegistryFixture: a document registry over a real SQLite file in a temporary folder.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "document/registry.hpp"
#include "helpers.hpp"
#include "metrics/telemetry.hpp"
#include "storage/sqlite_storage.hpp"

namespace kolabpad::server::testing {

// A registry with its storage and telemetry; open() reopens both on the same file (a restart).
struct RegistryFixture {
    explicit RegistryFixture(document::Limits limits = {}, std::string path = {},
                             std::chrono::microseconds commit_window = {})
        : limits(limits), commit_window(commit_window) {
        file = path.empty() ? dir.file("db.sqlite") : path;
        open();
    }
    // Drops the registry and storage, then opens them again on `file`.
    void open() {
        registry.reset();
        store.reset();
        auto s = storage::SqliteStorage::open(file, storage::SqliteOptions{commit_window});
        REQUIRE(s.ok());
        store = std::move(s).value();
        registry = std::make_unique<document::Registry>(*store, limits, &telemetry);
    }
    // The document `id`, loaded or created; fails the test if it cannot be.
    std::shared_ptr<document::Document> doc(const std::string& id = "doc") {
        auto d = registry->get(id);
        REQUIRE(d.ok());
        return d.value();
    }
    // A recording peer joined to `d`, and its user id.
    std::pair<std::shared_ptr<RecordingPeer>, std::uint64_t> join(const std::shared_ptr<document::Document>& d,
                                                                  std::optional<std::uint64_t> resume = {}) {
        auto p = std::make_shared<RecordingPeer>();
        auto id = d->join(p, resume);
        REQUIRE(id.ok());
        return {p, id.value()};
    }
    // `user` appends `text` at the end of `d`, as an up-to-date edit that must be applied.
    void type(const std::shared_ptr<document::Document>& d, std::uint64_t user, const std::string& text) {
        const auto [rev, len] = d->head();
        kolabpad::ot::Operation o;
        o.retain(len).insert(text);
        REQUIRE(d->edit(user, protocol::Edit{rev, o, std::nullopt, std::nullopt}).status ==
                document::EditStatus::applied);
    }

    TempDir dir;
    std::string file;
    document::Limits limits;
    std::chrono::microseconds commit_window;
    Telemetry telemetry{100};
    std::unique_ptr<storage::SqliteStorage> store;
    std::unique_ptr<document::Registry> registry;
};

}  // namespace kolabpad::server::testing
