#pragma once
// Room: what a WebSocket session and the frame handler talk to. Either the Document itself (one
// instance) or, in distributed mode, the instance's Relay for the document (cluster/relay.hpp),
// which forwards to whichever instance owns it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "document/peer.hpp"
#include "kolabpad/ot/result.hpp"
#include "protocol/messages.hpp"

namespace kolabpad::server::document {

enum class EditStatus;
struct EditResult;

// The calls a connection makes on its document.
class Room {
public:
    virtual ~Room() = default;
    // Registers `peer` as a new user and returns its id; the connect sequence is queued on the
    // peer (at once, or later through a relay). Errors: "bad_revision", "storage_failure",
    // "evicted" (load again). A relay reports a later refusal through Peer::refuse.
    virtual ot::Result<std::uint64_t> join(std::shared_ptr<Peer> peer, std::optional<std::uint64_t> resume) = 0;
    // Removes a user.
    virtual void leave(std::uint64_t user) = 0;
    // Sequences (or forwards) an edit; see Document::edit.
    virtual EditResult edit(std::uint64_t user, protocol::Edit edit) = 0;
    // Sets the document's language.
    virtual void set_language(std::uint64_t user, std::string language) = 0;
    // Sets a user's name and hue.
    virtual void set_user_info(std::uint64_t user, protocol::UserInfo info) = 0;
    // Sets a user's cursors.
    virtual void set_cursor(std::uint64_t user, protocol::CursorData data) = 0;
    // Creates (true) or removes (false) the access token.
    virtual void set_otp(std::uint64_t user, bool enable) = 0;
    // Makes a new read-only link token (revoking the old one); see Document::create_view_link.
    virtual void create_view_link(std::uint64_t user) = 0;
    // Names the current revision for everyone (Version); see Document::save_version.
    virtual void save_version(std::uint64_t user, std::string name) = 0;
    // Makes the text equal to revision `revision` again as a new edit by `user`; see Document::restore.
    virtual void restore(std::uint64_t user, std::uint64_t revision) = 0;
    // Relays a Signal payload to user `to`.
    virtual void signal(std::uint64_t from, std::uint64_t to, const std::string& data_json) = 0;
};

}  // namespace kolabpad::server::document
