#pragma once
// The wire messages of PROTOCOL.md sections 3 and 4: parsing what clients send and the exact JSON of
// what the server sends. Defined once; everything else uses these functions.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::protocol {

// Longest language id, user name and client id accepted, in code points.
inline constexpr std::size_t max_name_chars = 64;
// Largest Signal payload accepted, in bytes of its JSON form.
inline constexpr std::size_t max_signal_bytes = 16 * 1024;
// Most cursors (and, separately, selections) one CursorData may carry.
inline constexpr std::size_t max_cursors = 1024;
// Deepest nesting of arrays and objects in one client frame, the frame's own object counting as 1.
// Checked while parsing, before anything walks the value recursively; deeper is bad_message.
// Only Signal.data nests freely: {"Signal":{"to":1,"data":...}} leaves it max_json_depth - 2 levels.
inline constexpr std::size_t max_json_depth = 32;

// A user's display name and hue (0-359).
struct UserInfo {
    std::string name;
    std::uint32_t hue = 0;
};

// A user's cursors and selections, in code points.
struct CursorData {
    std::vector<std::uint64_t> cursors;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> selections;
};

// Edit{revision, operation, client?, seq?}.
struct Edit {
    std::uint64_t revision = 0;
    ot::Operation operation;
    std::optional<std::string> client;
    std::optional<std::uint64_t> seq;
};
// SetLanguage("python").
struct SetLanguage {
    std::string language;
};
// ClientInfo{name, hue}.
struct ClientInfo {
    UserInfo info;
};
// CursorData{cursors, selections}.
struct Cursor {
    CursorData data;
};
// SetOTP(true|false).
struct SetOtp {
    bool enable = false;
};
// Signal{to, data}: `data` is kept as its compact JSON text.
struct SignalTo {
    std::uint64_t to = 0;
    std::string data_json;
};
// SaveVersion{name}: names the current revision. The name is only checked to be a string here; its
// rule (HISTORY_VERSION_NAME_MAX, no control characters) is the document's, answered with Rejected.
struct SaveVersion {
    std::string name;
};
// Restore{revision}: make the text equal to the text at `revision` again, as a new edit.
struct Restore {
    std::uint64_t revision = 0;
};

// CreateViewLink(null): a new read-only link token for the document (the old one stops working).
struct CreateViewLink {};

// Any message a client may send.
using ClientMessage = std::variant<Edit, SetLanguage, ClientInfo, Cursor, SetOtp, SignalTo, CreateViewLink, SaveVersion, Restore>;

// The `client` of a restore's History entry: no client tag is six characters long, so no editor takes
// it for the acknowledgement of its own edit (docs/protocol.md).
inline constexpr std::string_view restore_client = "server";

// Parses one text frame (valid UTF-8); the error message says what is wrong (it becomes a
// bad_message Error). Nesting is bounded by max_json_depth while parsing.
ot::Result<ClientMessage> parse_client_message(std::string_view frame);

// {"Identity":id}
std::string identity(std::uint64_t id);
// One element of History.operations: {"id":..,"operation":[..]} plus "client"/"seq" when known, and
// "restore" (the revision brought back) for a restore's entry, whose client is restore_client.
std::string history_entry(std::uint64_t author, const ot::Operation& op, const std::optional<std::string>& client,
                          std::optional<std::uint64_t> seq, std::optional<std::uint64_t> restore = std::nullopt);
// {"History":{"start":start,"operations":[entries...]}} from entries made by history_entry().
std::string history(std::uint64_t start, std::span<const std::string* const> entries);
// {"Snapshot":{"revision":r,"text":"..."}}
std::string snapshot(std::uint64_t revision, std::string_view text);
// {"Language":"..."}
std::string language(std::string_view language);
// {"LanguageBy":id}
std::string language_by(std::uint64_t id);
// {"UserInfo":{"id":id,"info":{..}|null}}
std::string user_info(std::uint64_t id, const std::optional<UserInfo>& info);
// {"UserCursor":{"id":id,"data":{"cursors":[..],"selections":[[a,b],..]}}}
std::string user_cursor(std::uint64_t id, const CursorData& data);
// {"OTP":{"otp":"..."|null,"user_id":id,"user_name":"..."}}
std::string otp(const std::optional<std::string>& token, std::uint64_t user_id, std::string_view user_name);
// {"Signal":{"from":id,"data":<data_json>}}
std::string signal_from(std::uint64_t from, std::string_view data_json);
// {"Rejected":{"seq":n|null,"code":"..","message":".."}}
std::string rejected(std::optional<std::uint64_t> seq, std::string_view code, std::string_view message);
// {"ViewLink":{"token":".."}}
std::string view_link(std::string_view token);
// {"Error":{"code":"..","message":".."}}
std::string error(std::string_view code, std::string_view message);
// {"Version":{"revision":r,"name":"..","user":id,"time":unix_ms}}: a revision was named (SaveVersion).
std::string version(std::uint64_t revision, std::string_view name, std::uint64_t user, std::int64_t time_ms);

}  // namespace kolabpad::server::protocol
