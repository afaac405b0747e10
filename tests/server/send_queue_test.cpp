// Merging a connection's History backlog (net/send_queue.hpp).
#include "helpers.hpp"
#include "net/send_queue.hpp"
#include "protocol/messages.hpp"

using namespace kolabpad::server;
using kolabpad::server::testing::op;

namespace {

// A History frame of `entries` starting at `start`, as the document builds it.
net::QueuedFrame history(std::uint64_t start, const std::vector<std::string>& entries) {
    std::vector<const std::string*> list;
    for (const auto& e : entries) list.push_back(&e);
    return {kolabpad::server::document::make_frame(protocol::history(start, list)), {}, start, entries.size()};
}

net::QueuedFrame other(const std::string& text) { return {kolabpad::server::document::make_frame(text), {}, 0, 0}; }

std::string entry(std::uint64_t author, const char* json) {
    return protocol::history_entry(author, op(json), std::string("c\"]}}"), 7);
}

}  // namespace

TEST_CASE("contiguous History frames at the front merge into the frame the document would have built") {
    const std::vector<std::string> e = {entry(1, R"(["a"])"), entry(2, R"([1,"👨‍👨‍👦‍👦"])"), entry(1, "[8,-1]"),
                                        entry(3, R"(["]}}"])")};
    std::deque<net::QueuedFrame> q = {history(4, {e[0]}), history(5, {e[1], e[2]}), history(7, {e[3]}),
                                      other(R"({"UserCursor":{}})")};
    std::int64_t bytes = 0;
    std::size_t before = 0;
    for (std::size_t i = 0; i < 3; ++i) before += q[i].frame->size();
    CHECK(net::merge_history_front(q, bytes) == 2);
    REQUIRE(q.size() == 2);
    CHECK(q[0].frame->payload() == history(4, e).frame->payload());
    CHECK(q[0].start == 4);
    CHECK(q[0].count == 4);
    CHECK(bytes == static_cast<std::int64_t>(q[0].frame->size()) - static_cast<std::int64_t>(before));
    CHECK(q[1].frame->payload() == R"({"UserCursor":{}})");
}

TEST_CASE("History frames are not merged across other frames, gaps, or when alone") {
    const std::vector<std::string> e = {entry(1, R"(["a"])"), entry(1, R"([1,"b"])"), entry(1, R"([2,"c"])")};
    std::int64_t bytes = 0;
    std::deque<net::QueuedFrame> apart = {history(0, {e[0]}), other("{}"), history(1, {e[1]})};
    CHECK(net::merge_history_front(apart, bytes) == 0);
    CHECK(apart.size() == 3);
    std::deque<net::QueuedFrame> gap = {history(0, {e[0]}), history(2, {e[2]})};
    CHECK(net::merge_history_front(gap, bytes) == 0);
    std::deque<net::QueuedFrame> front_other = {other("{}"), history(0, {e[0]}), history(1, {e[1]})};
    CHECK(net::merge_history_front(front_other, bytes) == 0);
    std::deque<net::QueuedFrame> alone = {history(0, {e[0]})};
    CHECK(net::merge_history_front(alone, bytes) == 0);
    std::deque<net::QueuedFrame> empty;
    CHECK(net::merge_history_front(empty, bytes) == 0);
    CHECK(bytes == 0);
}

TEST_CASE("the inbox asks for one wake-up per burst and remembers urgency", "[send_queue]") {
    net::Inbox inbox;
    CHECK(inbox.push(other("a"), false));
    CHECK_FALSE(inbox.push(other("b"), true));
    CHECK_FALSE(inbox.push(other("c"), false));
    bool urgent = false;
    auto items = inbox.take(urgent);
    REQUIRE(items.size() == 3);
    CHECK(items[0].frame->payload() == "a");
    CHECK(items[2].frame->payload() == "c");
    CHECK(urgent);
    CHECK(inbox.take(urgent).empty());
    CHECK_FALSE(urgent);
    CHECK(inbox.push(other("d"), false));  // empty again: the next frame wakes the strand
}

TEST_CASE("every run of continuing History frames merges, also behind other frames, and nothing is reordered") {
    const std::vector<std::string> e = {entry(1, R"(["a"])"), entry(2, R"([1,"b"])"), entry(1, R"([2,"c"])"),
                                        entry(3, R"([3,"d"])")};
    std::deque<net::QueuedFrame> q = {other(R"({"UserCursor":{}})"), history(0, {e[0]}), history(1, {e[1]}),
                                      other(R"({"UserInfo":{}})"), history(2, {e[2]}), history(3, {e[3]})};
    std::int64_t bytes = 0;
    CHECK(net::merge_history_runs(q, bytes) == 2);
    REQUIRE(q.size() == 4);
    CHECK(q[0].frame->payload() == R"({"UserCursor":{}})");
    CHECK(q[1].frame->payload() == history(0, {e[0], e[1]}).frame->payload());
    CHECK(q[2].frame->payload() == R"({"UserInfo":{}})");
    CHECK(q[3].frame->payload() == history(2, {e[2], e[3]}).frame->payload());
    CHECK(q[3].start == 2);
    CHECK(q[3].count == 2);
}
