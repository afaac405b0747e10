// kill -9 at any moment loses no acknowledged edit: a child process edits as fast as it can, reports
// every acknowledgement (a History frame) through a pipe and is killed mid-write; the parent reopens
// the file and finds every acknowledged edit.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "document/registry.hpp"
#include "helpers.hpp"
#include "storage/sqlite_storage.hpp"

using namespace kolabpad::server;
namespace ot = kolabpad::ot;
using kolabpad::server::testing::TempDir;

namespace {

// Writes the acknowledged revision of every History frame to a pipe.
class PipePeer : public document::Peer {
public:
    explicit PipePeer(int fd) : fd_(fd) {}
    void deliver(document::Frame f) override {
        const std::string& s = f->payload();
        if (s.rfind("{\"History\":{\"start\":", 0) != 0) return;
        std::uint64_t start = std::strtoull(s.c_str() + 20, nullptr, 10);
        std::uint64_t n = 0;
        for (std::size_t p = s.find("{\"id\":"); p != std::string::npos; p = s.find("{\"id\":", p + 1)) ++n;
        const std::uint64_t acked = start + n;
        if (::write(fd_, &acked, sizeof acked) != sizeof acked) _exit(3);
    }
    void close(std::uint16_t, std::string_view) override {}

private:
    int fd_;
};

[[noreturn]] void child(const std::string& path, int fd, storage::SqliteOptions options) {
    auto store = storage::SqliteStorage::open(path, options);
    if (!store) _exit(4);
    document::Registry registry(*store.value(), document::Limits{1u << 20, 50, 100});
    auto doc = registry.get("crash").value();
    auto user = doc->join(std::make_shared<PipePeer>(fd), std::nullopt).value();
    for (std::uint64_t i = 0;; ++i) {
        // Each edit appends one "x" at the end, made against the latest revision.
        protocol::Edit e{i, ot::Operation().retain(i).insert("x"), std::string("child"), i + 1};
        if (doc->edit(user, std::move(e)).status != document::EditStatus::applied) _exit(5);
    }
}

}  // namespace

TEST_CASE("a process killed mid-write keeps every acknowledged edit") {
    // Both durability modes survive the process being killed (NORMAL only gives up power loss).
    const bool sync_full = GENERATE(true, false);
    INFO("synchronous=" << (sync_full ? "FULL" : "NORMAL"));
    TempDir dir;
    const std::string path = dir.file("crash.db");
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        child(path, fds[1], storage::SqliteOptions{std::chrono::milliseconds(20), sync_full});
    }
    ::close(fds[1]);
    std::uint64_t acked = 0, value = 0;
    while (acked < 400 && read(fds[0], &value, sizeof value) == sizeof value) acked = std::max(acked, value);
    kill(pid, SIGKILL);
    // Acknowledgements already in the pipe were sent before the kill: they count too.
    while (read(fds[0], &value, sizeof value) == sizeof value) acked = std::max(acked, value);
    int status = 0;
    waitpid(pid, &status, 0);
    ::close(fds[0]);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(acked >= 400);

    auto store = storage::SqliteStorage::open(path);
    REQUIRE(store.ok());
    document::Registry registry(*store.value(), document::Limits{1u << 20, 50, 100});
    auto doc = registry.get("crash");
    REQUIRE(doc.ok());
    INFO("acknowledged " << acked << ", recovered " << doc.value()->revision());
    CHECK(doc.value()->revision() >= acked);
    CHECK(doc.value()->text() == std::string(doc.value()->revision(), 'x'));
    // The recovered document keeps sequencing where it left off, with de-duplication intact.
    auto peer = std::make_shared<kolabpad::server::testing::RecordingPeer>();
    auto user = doc.value()->join(peer, std::nullopt).value();
    const std::uint64_t r = doc.value()->revision();
    protocol::Edit again{r - 1, ot::Operation().retain(r - 1).insert("x"), std::string("child"), r};
    CHECK(doc.value()->edit(user, std::move(again)).status == document::EditStatus::duplicate);
}
