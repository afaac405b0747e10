#pragma once
// The exact JSON of the history's HTTP answers (docs/history.md); the Version broadcast is
// protocol::version (the wire protocol is defined once, in protocol/messages).

#include <string>

#include "history/failure.hpp"
#include "history/history.hpp"

namespace kolabpad::server::history {

// GET /api/history/{id}: {"revision","first_revision","sessions":[...],"next_before"}.
std::string page_json(const HistoryPage& page);
// GET /api/diff/{id}: {"from","to","method","operation","spans":[...],"authors":{...}}.
std::string diff_json(const DiffView& view);
// GET /api/authors/{id}: {"revision","text","attribution":[len,author,...],"authors":{...}}.
std::string authors_json(const AuthorsView& view);
// The body of a failed request: {"error":"not_found","message":"..."}.
std::string failure_json(const Failure& failure);

}  // namespace kolabpad::server::history
