// libFuzzer target for the frame handler: the input is raw text frames (one per line) that one
// connection sends, handed to session::handle_frame exactly as a WebSocket session hands them on,
// against a real Document from a real Registry over SqliteStorage on ":memory:". Another user typed
// first (so stale edits are transformed over history) and holds a cursor (so every edit moves it);
// small limits make snapshots, log trimming and document_too_large reachable in a few frames.
// Checks, besides no crash and no sanitizer report: a refused frame is bad_message, every frame the
// document sends is valid JSON, and the text stays valid UTF-8 of the length the document reports.
// The same input is first sent by a read-only connection (a viewer), which must leave the
// document's revision, text, OTP, read-only link and language exactly as they were.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "document/registry.hpp"
#include "kolabpad/ot/utf8.hpp"
#include "log/log.hpp"
#include "metrics/telemetry.hpp"
#include "session/frame_handler.hpp"
#include "storage/sqlite_storage.hpp"

namespace {

using namespace kolabpad::server;
namespace ot = kolabpad::ot;

void check(bool ok) {
    if (!ok) std::abort();
}

// What a connection would write to its socket: every frame, in order, and whether it was closed.
class Connection final : public document::Peer {
public:
    void deliver(document::Frame frame) override {
        std::lock_guard lock(mu_);
        frames_.push_back(std::move(frame));
    }
    void close(std::uint16_t, std::string_view) override {}

    // Every frame delivered so far is one JSON value (depth-bounded by nlohmann's iterative accept).
    void check_frames() const {
        std::lock_guard lock(mu_);
        for (const auto& f : frames_) check(nlohmann::json::accept(f->payload()));
    }

private:
    mutable std::mutex mu_;
    std::vector<document::Frame> frames_;
};

// Storage and registry, reopened now and then so that the in-memory database stays small.
struct Server {
    static constexpr std::uint64_t runs_per_database = 4096;

    void open() {
        registry.reset();
        storage.reset();
        auto s = storage::SqliteStorage::open(":memory:");
        check(s.ok());
        storage = std::move(s).value();
        registry = std::make_unique<document::Registry>(*storage, limits, &telemetry);
    }

    document::Limits limits{.max_code_points = 256, .snapshot_interval_ops = 4, .log_retention_ops = 4};
    Telemetry telemetry{16};
    std::unique_ptr<storage::SqliteStorage> storage;
    std::unique_ptr<document::Registry> registry;
    std::uint64_t runs = 0;
};

Server& server() {
    static Server s;
    return s;
}

// Sends `frame` from `user` as a session would; false when the session would now close.
bool send(document::Document& doc, std::uint64_t user, std::string_view frame) {
    auto r = session::handle_frame(&doc, user, frame);
    if (r.error) {
        check(r.error->code == "bad_message" && r.error->close_code == session::close_bad_data);
        return false;
    }
    if (!r.edit) return true;
    using document::EditStatus;
    const auto s = r.edit->status;
    return s == EditStatus::applied || s == EditStatus::duplicate || s == EditStatus::rejected;
}

// Sends `frame` from viewer `user`; false when the session would now close. Whatever the frame,
// it changes nothing stored: it is refused (Rejected read_only, to the viewer alone), bad_message,
// or one of the kinds a viewer may send.
bool send_as_viewer(document::Document& doc, std::uint64_t user, std::string_view frame) {
    session::Permissions viewer;
    viewer.read_only = true;
    auto r = session::handle_frame(&doc, user, frame, viewer);
    check(!r.edit);
    if (r.error) {
        check(r.error->code == "bad_message");
        return false;
    }
    check(r.rejected.has_value() == r.reply.has_value());
    if (r.rejected) {
        check(*r.rejected == "read_only" && nlohmann::json::accept(*r.reply) &&
              r.reply->find(R"("code":"read_only")") != std::string::npos);
    }
    return true;
}

// Frames of the user who typed before the fuzzed connection joined.
constexpr std::string_view typist_frames[] = {
    R"({"ClientInfo":{"name":"Typist","hue":120}})",
    R"({"Edit":{"revision":0,"operation":["héllo 🎉\n"],"client":"t","seq":1}})",
    R"({"Edit":{"revision":1,"operation":[8,"wörld"],"client":"t","seq":2}})",
    R"({"CursorData":{"cursors":[3,13],"selections":[[1,5]]}})",
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::configure(LogLevel::error, LogFormat::text);
    server().open();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Server& s = server();
    if (++s.runs % Server::runs_per_database == 0) s.open();
    auto got = s.registry->get("fuzz-" + std::to_string(s.runs));
    check(got.ok());
    document::Document& doc = *got.value();

    auto typist = std::make_shared<Connection>();
    auto typist_id = doc.join(typist, std::nullopt);
    check(typist_id.ok());
    for (std::string_view f : typist_frames) check(send(doc, typist_id.value(), f));

    // The input first from a viewer: the document must come out of it unchanged.
    s.storage->flush();
    const auto before = std::make_tuple(doc.revision(), doc.text(), doc.otp(), doc.view_token(), doc.info().language);
    auto viewer = std::make_shared<Connection>();
    auto viewer_id = doc.join(viewer, std::nullopt);
    check(viewer_id.ok());
    for (std::string_view in(reinterpret_cast<const char*>(data), size);;) {
        const auto nl = in.find('\n');
        if (!send_as_viewer(doc, viewer_id.value(), in.substr(0, nl)) || nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }
    s.storage->flush();
    check(before == std::make_tuple(doc.revision(), doc.text(), doc.otp(), doc.view_token(), doc.info().language));
    doc.leave(viewer_id.value());
    viewer->check_frames();

    auto fuzzed = std::make_shared<Connection>();
    auto fuzzed_id = doc.join(fuzzed, std::nullopt);
    check(fuzzed_id.ok());
    std::string_view in(reinterpret_cast<const char*>(data), size);
    for (;;) {
        const auto nl = in.find('\n');
        if (!send(doc, fuzzed_id.value(), in.substr(0, nl)) || nl == std::string_view::npos) break;
        in.remove_prefix(nl + 1);
    }

    s.storage->flush();  // commits, and with them the History broadcasts
    const std::string text = doc.text();
    check(ot::utf8::is_valid(text) && ot::utf8::count(text) == doc.head().second);
    doc.leave(fuzzed_id.value());
    doc.leave(typist_id.value());
    typist->check_frames();
    fuzzed->check_frames();
    check(s.registry->evict_idle(std::chrono::seconds(0)) == 1);
    s.storage->flush();  // the snapshot written at eviction
    return 0;
}
