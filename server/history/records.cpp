#include "history/records.hpp"

#include "kolabpad/ot/json.hpp"

namespace kolabpad::server::history {

ot::Result<OpRecord> parse_op(const StoredOp& stored) {
    auto op = ot::from_json(stored.operation_json);
    if (!op) return ot::Error{"operation " + std::to_string(stored.revision) + ": " + op.error()};
    return OpRecord{stored.revision, std::move(op).value(), stored.author, stored.time_ms, stored.client, stored.seq};
}

Change change_of(const ot::Operation& op) {
    Change c;
    for (const ot::Component& k : op.components()) {
        if (k.kind == ot::Kind::insert) c.inserted += k.n;
        if (k.kind == ot::Kind::remove) c.deleted += k.n;
    }
    return c;
}

OpSummary summarize(const OpRecord& op) {
    const Change c = change_of(op.operation);
    return OpSummary{op.revision, op.author, op.time_ms, c.inserted, c.deleted};
}

}  // namespace kolabpad::server::history
