#include "session/frame_handler.hpp"

#include <utility>
#include <variant>

#include "kolabpad/ot/utf8.hpp"
#include "protocol/messages.hpp"

namespace kolabpad::server::session {
namespace {

// The document call for each message kind.
struct Dispatch {
    document::Document& doc;
    std::uint64_t user;

    FrameOutcome operator()(protocol::Edit& m) const { return {{}, doc.edit(user, std::move(m))}; }
    FrameOutcome operator()(protocol::SetLanguage& m) const {
        doc.set_language(user, std::move(m.language));
        return {};
    }
    FrameOutcome operator()(protocol::ClientInfo& m) const {
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
    FrameOutcome operator()(protocol::SaveVersion& m) const {
        doc.save_version(user, std::move(m.name));
        return {};
    }
    FrameOutcome operator()(protocol::Restore& m) const {
        doc.restore(user, m.revision);
        return {};
    }
};

}  // namespace

FrameOutcome handle_frame(document::Document* doc, std::uint64_t user, std::string_view text) {
    if (!ot::utf8::is_valid(text)) return {FrameError{"bad_message", "the text frame is not valid UTF-8"}, {}};
    auto msg = protocol::parse_client_message(text);
    if (!msg) return {FrameError{"bad_message", msg.error()}, {}};
    if (!doc) return {};
    return std::visit(Dispatch{*doc, user}, msg.value());
}

}  // namespace kolabpad::server::session
