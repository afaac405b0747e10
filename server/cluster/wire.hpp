#pragma once
// The messages instances exchange over the bus, and their binary encoding (length-prefixed
// fields; frames travel as they are, without re-escaping). Decoding bounds every length by the
// bytes that remain and every count by max_wire_items, so a corrupt message is refused whole.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::cluster {

// Most items (and recipients of one item) a message may carry.
inline constexpr std::size_t max_wire_items = 1u << 16;

// What a message is.
enum class WireType : std::uint8_t {
    join = 1,      // relay -> owner: user joins (or joins again) with `resume`
    leave = 2,     // relay -> owner: user left
    client = 3,    // relay -> owner: one client frame of `user` (text)
    frames = 4,    // owner -> relay instance: frames for local users (items)
    verdict = 5,   // owner -> relay instance: what became of a forwarded message (code, message, close_code, seq)
    announce = 6,  // owner -> everyone: `instance` owns the document at `epoch`
    release = 7,   // owner -> everyone: the lease was released, to `successor` if any
    alive = 8,     // every instance, every second: `instance` is running
};

// What one frames item is.
enum class ItemKind : std::uint8_t {
    frame = 1,       // deliver `text`
    history = 2,     // deliver History `text` holding entries [start, start + count)
    close = 3,       // close with close_code and reason `text`
    join_reply = 4,  // the connect sequence of join `join_id` ends here; `text` is the error, if any
};

// One item of a frames message: the same thing for every user in `users`.
struct WireItem {
    ItemKind kind = ItemKind::frame;
    std::vector<std::uint64_t> users;
    std::string text;
    std::uint64_t start = 0;
    std::uint64_t count = 0;
    std::uint64_t close_code = 0;
    std::uint64_t join_id = 0;
};

// One bus message; fields not used by its type stay empty.
struct WireMessage {
    WireType type = WireType::alive;
    std::string doc;
    std::uint64_t epoch = 0;
    std::string instance;           // the sender's instance id
    std::uint64_t user = 0;
    std::uint64_t join_id = 0;
    std::optional<std::uint64_t> resume;
    std::string text;               // client frame, verdict message
    std::uint64_t seq = 0;          // verdict: the seq of the edit it is about
    std::string code;               // verdict: "applied" is never sent; see Owner
    std::uint64_t close_code = 0;
    std::string successor;
    std::int64_t sent_ms = 0;       // sender's wall clock (relay lag)
    bool read_only = false;         // join: the user's connection is a viewer's
    std::string via;                // join: how it was let in (net::admission_name)
    std::vector<WireItem> items;
};

// The encoded form.
std::string encode(const WireMessage& m);
// Decodes; fails on anything truncated, oversized or of an unknown type.
ot::Result<WireMessage> decode(std::string_view bytes);

// Channel names.
std::string doc_channel(std::string_view doc);            // to the owner of `doc`
std::string owner_channel(std::string_view doc);          // announcements about `doc`'s owner
std::string instance_channel(std::string_view instance);  // to an instance's relays
inline constexpr std::string_view alive_channel = "kp:alive";

}  // namespace kolabpad::server::cluster
