#pragma once
// Peer: a connection as a document sees it. The document queues frames on it and may ask it to
// close; it never sees a socket.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "document/frame.hpp"
#include "protocol/messages.hpp"

namespace kolabpad::server::document {

// How a connection was let in (fixed at its upgrade): what the admin API shows, and whom a new
// read-only link cuts off.
struct PeerAccess {
    bool read_only = false;    // a viewer: its changes never reach the document
    bool view_link = false;    // admitted by the document's read-only link (?view=)
    const char* via = "open";  // "open", "view_link" or "token" (net::admission_name)
};

// One connected client. Both calls are non-blocking and may be made under a document's lock.
class Peer {
public:
    virtual ~Peer() = default;
    // Queues one text frame; frames are written in the order they were queued.
    virtual void deliver(Frame frame) = 0;
    // Closes the connection with `code` after the frames already queued.
    virtual void close(std::uint16_t code, std::string_view reason) = 0;
    // Queues a History frame holding log entries [start, start + count); a connection may merge
    // contiguous ones into one frame. `own` is true when the frame acknowledges one of this peer's
    // edits: a connection that delays writes to merge them (WS_FLUSH_INTERVAL_MS) writes it at once.
    // By default the same as deliver().
    virtual void deliver_history(Frame frame, std::uint64_t start, std::uint64_t count,
                                 bool own) {
        (void)start;
        (void)count;
        (void)own;
        deliver(std::move(frame));
    }
    // Fails the connection as if it had refused a message itself: Error{code, message}, then close
    // with `close_code`. For verdicts that arrive later than the message (an edit sequenced by
    // another instance). By default the same as delivering the Error and closing.
    virtual void refuse(std::string_view code, std::string_view message, std::uint16_t close_code) {
        deliver(make_frame(protocol::error(code, message)));
        close(close_code, code);
    }
    // True for a simulated user (admin API), which has no socket behind it.
    virtual bool simulated() const { return false; }
    // How this connection was let in; by default an editor on an open document.
    virtual PeerAccess access() const { return {}; }
};

}  // namespace kolabpad::server::document
