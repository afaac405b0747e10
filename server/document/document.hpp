#pragma once
// Document: one collaborative text, the one place its edits are sequenced. Its state sits behind one
// mutex; it talks to connections only through Peer and to storage only through Storage.

#include <chrono>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/container/flat_map.hpp>

#include "document/peer.hpp"
#include "document/room.hpp"
#include "history/history.hpp"
#include "history/keyframes.hpp"
#include "history/options.hpp"
#include "kolabpad/ot/attribution.hpp"
#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"
#include "metrics/telemetry.hpp"
#include "protocol/messages.hpp"
#include "storage/storage.hpp"

namespace kolabpad::server::document {

// WebSocket close codes the document asks for.
inline constexpr std::uint16_t close_policy = 1008;
inline constexpr std::uint16_t close_going_away = 1001;
inline constexpr std::uint16_t close_internal = 1011;
// Close code for connections of a document an administrator evicted (DELETE /api/rooms/{id}).
inline constexpr std::uint16_t close_evicted = 4000;
// Close code for connections admitted by a read-only link that a newer link replaced.
inline constexpr std::uint16_t close_view_link_revoked = 4002;

// The document's limits (from Config).
struct Limits {
    std::uint64_t max_code_points = 256 * 1024;
    std::uint64_t snapshot_interval_ops = 500;
    std::uint64_t log_retention_ops = 10000;
    // The kept log in bytes (its History entries): LOG_RETENTION_MB. A snapshot is also taken once
    // the operations since the last one hold a quarter of this.
    std::uint64_t log_retention_bytes = 16ull * 1024 * 1024;
    // How far an Edit's seq may jump past the last one seen for its client tag (EDIT_SEQ_MAX_GAP).
    std::uint64_t edit_seq_max_gap = 1000;
    // The HISTORY_* settings: keyframes, version names, restores (docs/history.md).
    history::HistoryOptions history;
};

// Runs a job off the network threads and off every document's lock (the registry's loader pool);
// false when it was refused (shutting down), and the job then never runs.
using JobRunner = std::function<bool(std::function<void()>)>;

// What became of an Edit.
// `closed`: the document was evicted under the sender, whose connection is already being closed.
// `bad_seq`: seq jumps more than EDIT_SEQ_MAX_GAP past the last one of its client tag.
// `shutting_down`: not sequenced because the server is stopping; the connection is closed with 1001
// once the edits sequenced before are acknowledged, and the client resends this one after reconnecting.
enum class EditStatus { applied, duplicate, rejected, bad_revision, bad_operation, bad_seq, storage_failure, closed,
                        shutting_down };

// A user who edited this recently may send again soon: an edit's commit waits (up to the storage
// commit window) for such users unless each of them already has an edit waiting.
inline constexpr std::chrono::seconds author_active_span{1};

// The outcome of edit(): status plus a human-readable message for the failures.
struct EditResult {
    EditStatus status;
    std::string message;
};

// A document in memory.
class Document : public Room, public std::enable_shared_from_this<Document> {
public:
    using Clock = std::chrono::steady_clock;

    // Builds a document from its stored record; fails when the record is corrupt.
    static ot::Result<std::shared_ptr<Document>> create(std::string id, const storage::DocumentRecord& record,
                                                        Limits limits, storage::Storage* storage,
                                                        std::uint64_t generation, Telemetry* telemetry = nullptr);

    // Registers `peer` as a new user and queues on it Identity, History/Snapshot, Language, UserInfo and
    // UserCursor (PROTOCOL.md connect sequence). Fails (bad_revision / storage_failure) without registering.
    ot::Result<std::uint64_t> join(std::shared_ptr<Peer> peer, std::optional<std::uint64_t> resume) override;
    // As join(), with the user id given by the caller (ids handed out elsewhere, unique across
    // processes); a user already present under that id gets `peer` instead of its old one.
    ot::Result<std::uint64_t> join_as(std::uint64_t user, std::shared_ptr<Peer> peer, std::optional<std::uint64_t> resume);
    // Removes a user and tells the others (UserInfo null); the last one out triggers a snapshot.
    void leave(std::uint64_t user) override;

    // Sequences an edit: check revision, de-duplicate by the tag of its client (client_tag.hpp),
    // check its seq's gap, transform over newer history, check limits, apply, move cursors, append,
    // queue for storage. Broadcast happens once storage committed. A rejected edit has already been
    // answered with Rejected on the user's peer.
    EditResult edit(std::uint64_t user, protocol::Edit edit) override;
    // The revision and length (code points) of the text, read together: what a new edit applies to.
    std::pair<std::uint64_t, std::uint64_t> head() const;
    // Sets the language and broadcasts Language + LanguageBy once stored.
    void set_language(std::uint64_t user, std::string language) override;
    // Sets a user's name and hue and broadcasts UserInfo.
    void set_user_info(std::uint64_t user, protocol::UserInfo info) override;
    // Sets a user's cursors (positions clamped to the text's length) and broadcasts UserCursor: at once,
    // or, while an edit of that user is not broadcast yet, right after the History that carries it
    // (a newer CursorData replaces a held one).
    void set_cursor(std::uint64_t user, protocol::CursorData data) override;
    // Creates (true) or removes (false) the access token; OTP is broadcast once it is stored.
    void set_otp(std::uint64_t user, bool enable) override;
    // Makes a new read-only link token (the old one stops working): once stored, `user` alone gets
    // ViewLink, and every connection admitted by an older link gets Error{code:"view_link_revoked"}
    // and close_view_link_revoked.
    void create_view_link(std::uint64_t user) override;
    // Relays a Signal payload to user `to` if connected (else drops it).
    void signal(std::uint64_t from, std::uint64_t to, const std::string& data_json) override;
    // Names the current revision (edits sequenced but not yet acknowledged included) and stores a
    // keyframe there; Version goes to everyone once stored. A bad name is Rejected (bad_version_name)
    // on the user's peer (document_history.cpp).
    void save_version(std::uint64_t user, std::string name) override;
    // Makes the text equal to the text at `revision` again, as one new edit by `user` (entry with
    // "client":"server" and "restore"): storage is read on the job runner, outside the lock, then the
    // edit is sequenced like an Edit made at the committed head it was computed against. Failures are
    // Rejected on the user's peer (bad_revision, revision_gone, restore_pending, restore_failed).
    void restore(std::uint64_t user, std::uint64_t revision) override;
    // Where restore() reads storage; without one, restores are Rejected (restore_failed).
    void set_job_runner(JobRunner runner);

    // Queues a snapshot if the text changed since the last one (always when `force`).
    void save_snapshot(bool force = false);
    // Marks the document evicted (joins and edits then fail), sends every user
    // Error{code:"evicted"}, closes them with close_evicted and queues a snapshot. False if it was
    // already evicted.
    bool evict_now();
    // Takes no more edits (edit() answers shutting_down); what is sequenced still gets committed and
    // broadcast. For shutdown, before storage is flushed.
    void stop_edits();
    // Sends what is committed and not yet broadcast, then closes every connection with `code` (for
    // shutdown) and forgets the users.
    void close_all(std::uint16_t code, std::string_view reason);
    // Called once if storage loses one of this document's writes; the registry then drops it.
    void set_on_broken(std::function<void()> f);

    // The current text (including edits not yet acknowledged).
    std::string text() const;
    // Number of operations in the log.
    std::uint64_t revision() const;
    // Number of operations committed and broadcast.
    std::uint64_t acknowledged_revision() const;
    // First revision still kept in memory (earlier ones are summarized by a Snapshot).
    std::uint64_t log_start() const;
    // The access token, if protected.
    std::optional<std::string> otp() const;
    // The read-only link token, if one was made.
    std::optional<std::string> view_token() const;
    // Connected users.
    std::size_t connections() const;
    // True when nobody is connected, every edit is committed and the last user left before `cutoff`.
    bool evictable(Clock::time_point cutoff) const;
    // If evictable(cutoff), marks the document evicted (join then fails with "evicted") and returns true.
    bool try_evict(Clock::time_point cutoff);
    // True after a storage failure lost one of its writes.
    bool broken() const;
    // True once evicted (by try_evict or evict_now).
    bool evicted() const;

    // What the admin API shows of a document.
    struct Info {
        std::string id;
        std::size_t users = 0;            // connected users, simulated ones included
        std::size_t simulated_users = 0;
        std::uint64_t revision = 0;
        std::uint64_t text_bytes = 0;     // UTF-8 bytes of the text
        std::uint64_t code_points = 0;
        std::optional<std::string> language;
        bool is_protected = false;
        double idle_seconds = 0;          // since the last user left; 0 while users are connected
        std::uint64_t memory_bytes = 0;   // see memory_bytes()
    };
    // One connected user as the admin API shows it.
    struct UserView {
        std::uint64_t id = 0;
        std::optional<protocol::UserInfo> info;
        std::optional<protocol::CursorData> cursor;
        bool simulated = false;
        PeerAccess access;  // how the connection was let in
    };
    // The document's figures (no text, no token).
    Info info() const;
    // Its connected users.
    std::vector<UserView> users() const;
    // Accounted memory: text, base text, the kept log (entries and operations) and a fixed overhead.
    std::uint64_t memory_bytes() const;
    // When the last user left (meaningful while nobody is connected).
    Clock::time_point last_used() const;
    // The document's id.
    const std::string& id() const { return id_; }

private:
    struct User {
        std::shared_ptr<Peer> peer;
        std::optional<protocol::UserInfo> info;
        std::optional<protocol::UserInfo> recorded_info;  // as last written to the user-info records
        bool restore_pending = false;                     // a Restore of this user is being computed
        std::optional<protocol::CursorData> cursor;  // as last broadcast (and moved since): what joiners get
        std::optional<protocol::CursorData> held;    // newer, waiting for the History of this user's edits
        std::uint64_t held_until = 0;                // held is sent once sent_ reaches this revision
        std::uint64_t last_edit_revision = 0;        // revision after this user's latest sequenced edit
        Clock::time_point last_edit{};  // when this user's latest edit was sequenced
        std::uint32_t unacknowledged = 0;  // this user's edits sequenced and not yet broadcast
    };
    struct ClientSeq {
        std::uint64_t seq;
        std::uint64_t revision;
    };

    Document(std::string id, Limits limits, storage::Storage* storage, std::uint64_t generation, Telemetry* telemetry);
    ot::Result<std::uint64_t> join_locked(std::uint64_t id, std::shared_ptr<Peer> peer, std::optional<std::uint64_t> resume);
    // The edit path of edit() and of a restore (which has its own History entry fields).
    EditResult sequence(std::uint64_t user, protocol::Edit edit, std::optional<std::uint64_t> restore);

    // History (document_history.cpp).
    // The authorship and keyframe schedule of a freshly created document, from its record.
    ot::Result<bool> load_history_state(const storage::DocumentRecord& record);
    // Moves the attribution through `op` (applied by `user`) and fills the record's counts; true when
    // the keyframe policy wants a keyframe now.
    bool note_applied_locked(const ot::Operation& op, std::uint64_t user, storage::OpRecord& rec);
    // Writes a user-info record when `info` differs from the user's last one.
    void record_user_info_locked(std::uint64_t user, User& u);
    void finish_restore(std::uint64_t user, std::uint64_t revision, history::Answer<history::RestorePlan> plan);
    void on_version_committed(bool ok, const history::VersionRecord& version);
    void reject_locked(std::uint64_t user, std::string_view code, const std::string& message);
    // A write callback that breaks the document (storage_failure) when the write is lost.
    storage::WriteDone broken_if_lost();
    void record(const char* kind, std::optional<std::uint64_t> user, std::string detail = {}) const;
    std::uint64_t memory_bytes_locked() const;
    void broadcast_locked(const Frame& frame);
    // True when every user who edited within author_active_span awaits an acknowledgement.
    bool active_authors_all_waiting_locked(Clock::time_point now) const;
    void on_committed(std::uint64_t revision, bool ok);
    // Broadcasts every committed operation not yet sent as one History frame (once per storage batch).
    void broadcast_committed_locked();
    void on_meta_committed(bool ok, const std::vector<Frame>& announce,
                           const std::optional<std::string>& stored_language, const std::function<void()>& then);
    void fail_storage_locked(std::function<void()>& notify);
    void save_snapshot_locked(bool force = false);
    void trim_locked(std::uint64_t new_start);
    // Where the kept log may start: LOG_RETENTION_OPS and LOG_RETENTION_MB both hold after it.
    std::uint64_t retention_start_locked() const;
    // Sends every held cursor whose user's edits are all broadcast now.
    void release_cursors_locked();
    std::uint64_t revision_locked() const { return log_start_ + ops_.size(); }
    // Stores language, OTP and view token; once committed, broadcasts `announce`, then runs `then`
    // (under the lock).
    void save_meta_locked(std::vector<Frame> announce, std::function<void()> then = {});

    const std::string id_;
    const Limits limits_;
    storage::Storage* const storage_;
    const std::uint64_t generation_;
    Telemetry* const telemetry_;

    mutable std::mutex mu_;
    std::string text_;
    std::uint64_t text_len_ = 0;
    ot::Attribution attribution_;  // who wrote each code point of text_
    history::KeyframeSchedule keyframes_;
    JobRunner jobs_;
    std::string base_text_;          // the text at log_start_
    std::uint64_t log_start_ = 0;
    std::vector<ot::Operation> ops_;  // operations log_start_ .. revision
    std::vector<std::string> entries_;  // their History entries, serialized once
    std::uint64_t entries_bytes_ = 0;   // sum of entries_ sizes
    std::uint64_t bytes_since_snapshot_ = 0;  // sizes of the entries appended since the last snapshot
    std::deque<Clock::time_point> sequenced_at_;  // when each operation sent_ .. revision was sequenced
    std::deque<std::uint64_t> unsent_authors_;    // the author of each operation sent_ .. revision
    std::uint64_t sent_ = 0;            // operations committed and broadcast
    std::uint64_t committed_ = 0;       // operations committed (sent_ <= committed_ <= revision)
    bool broadcast_queued_ = false;     // a broadcast of [sent_, committed_) waits for the batch's end
    std::uint64_t snapshot_revision_ = 0;
    std::uint64_t trim_target_ = 0;     // where the in-memory log may start once broadcast caught up
    std::optional<std::string> language_;
    // The language as stored and announced: what a joiner is sent, so that a change racing the
    // join reaches it exactly once (by the broadcast that follows the commit).
    std::optional<std::string> announced_language_;
    std::optional<std::string> otp_;
    std::optional<std::string> view_token_;
    // Sorted by id and contiguous: every edit walks all users (cursors), and ids only grow.
    boost::container::flat_map<std::uint64_t, User> users_;
    std::unordered_map<std::string, ClientSeq> dedup_;
    std::uint64_t next_user_id_ = 0;
    bool broken_ = false;
    bool evicted_ = false;
    bool stopping_ = false;  // stop_edits() was called
    Clock::time_point last_left_ = Clock::now();
    std::function<void()> on_broken_;
};

}  // namespace kolabpad::server::document
