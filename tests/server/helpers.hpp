#pragma once
// Test helpers: temporary folders, a Peer that records what a document sends, operation parsing.

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "document/peer.hpp"
#include "kolabpad/ot.hpp"

namespace kolabpad::server::testing {

// A fresh folder under the system temp dir, removed with everything in it at scope end.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("kolabpad-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    // The folder.
    const std::filesystem::path& path() const { return path_; }
    // A file name inside it.
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// Records every frame delivered and the close request, as a connection would receive them.
class RecordingPeer : public document::Peer {
public:
    void deliver(document::Frame frame) override {
        std::lock_guard lock(mu_);
        frames_.push_back(frame->payload());
    }
    void close(std::uint16_t code, std::string_view) override { close_code = code; }

    // A copy of the frames so far.
    std::vector<std::string> frames() const {
        std::lock_guard lock(mu_);
        return frames_;
    }
    // Frames so far that contain `needle`.
    std::vector<std::string> frames_with(const std::string& needle) const {
        std::vector<std::string> out;
        for (auto& f : frames()) {
            if (f.find(needle) != std::string::npos) out.push_back(f);
        }
        return out;
    }
    // Forgets the frames so far.
    void clear() {
        std::lock_guard lock(mu_);
        frames_.clear();
    }

    std::atomic<int> close_code{0};

private:
    mutable std::mutex mu_;
    std::vector<std::string> frames_;
};

// The operation written in JSON form; fails the test if it does not parse.
inline ot::Operation op(const std::string& json) {
    auto r = ot::from_json(json);
    INFO(json << ": " << r.error());
    REQUIRE(r.ok());
    return std::move(r).value();
}

}  // namespace kolabpad::server::testing
