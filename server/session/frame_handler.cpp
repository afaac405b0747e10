#include "session/frame_handler.hpp"

#include <utility>
#include <variant>

#include "kolabpad/ot/utf8.hpp"

namespace kolabpad::server::session {
namespace {

// The document call for each message kind.
struct Dispatch {
    document::Room& doc;
    std::uint64_t user;
    const Permissions& permissions;

    FrameOutcome operator()(protocol::Edit& m) const { return {{}, doc.edit(user, std::move(m)), {}, {}}; }
    FrameOutcome operator()(protocol::SetLanguage& m) const {
        doc.set_language(user, std::move(m.language));
        return {};
    }
    FrameOutcome operator()(protocol::ClientInfo& m) const {
        if (permissions.name) m.info.name = *permissions.name;  // no renaming past the token
        doc.set_user_info(user, std::move(m.info));
        return {};
    }
    FrameOutcome operator()(protocol::Cursor& m) const {
        doc.set_cursor(user, std::move(m.data));
        return {};
    }
    FrameOutcome operator()(protocol::SetOtp& m) const {
        doc.set_otp(user, m.enable);
        return {};
    }
    FrameOutcome operator()(protocol::SignalTo& m) const {
        doc.signal(user, m.to, m.data_json);
        return {};
    }
    FrameOutcome operator()(protocol::CreateViewLink&) const {
        doc.create_view_link(user);
        return {};
    }
    FrameOutcome operator()(protocol::SaveVersion& m) const {
        doc.save_version(user, std::move(m.name));
        return {};
    }
    FrameOutcome operator()(protocol::Restore& m) const {
        doc.restore(user, m.revision);
        return {};
    }
};

FrameOutcome refused(const protocol::ClientMessage& msg, std::string code, std::string_view message) {
    std::optional<std::uint64_t> seq;
    if (const auto* e = std::get_if<protocol::Edit>(&msg)) seq = e->seq;
    FrameOutcome out;
    out.reply = protocol::rejected(seq, code, message);
    out.rejected = std::move(code);
    return out;
}

// The refusal of a message `permissions` do not allow, decided by its kind alone.
std::optional<FrameOutcome> refusal(const protocol::ClientMessage& msg, const Permissions& permissions) {
    return std::visit(
        [&](const auto& m) -> std::optional<FrameOutcome> {
            using M = std::decay_t<decltype(m)>;
            if (permissions.read_only && !viewer_may_send<M>) {
                return refused(msg, "read_only", "this connection is read-only");
            }
            if (permissions.tokens_only && off_with_tokens<M>) {
                return refused(msg, "tokens_only", "this document opens with tokens only: no OTP, no read-only links");
            }
            return std::nullopt;
        },
        msg);
}

}  // namespace

FrameOutcome handle_frame(document::Room* doc, std::uint64_t user, std::string_view text,
                          const Permissions& permissions) {
    if (!ot::utf8::is_valid(text)) return {FrameError{"bad_message", "the text frame is not valid UTF-8"}, {}, {}, {}};
    auto msg = protocol::parse_client_message(text);
    if (!msg) return {FrameError{"bad_message", msg.error()}, {}, {}, {}};
    // Before anything reaches the document (or a relay to its owner).
    if (auto r = refusal(msg.value(), permissions)) return std::move(*r);
    if (!doc) return {};
    return std::visit(Dispatch{*doc, user, permissions}, msg.value());
}

}  // namespace kolabpad::server::session
