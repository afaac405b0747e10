#pragma once
// Restore: the one operation that turns the current text back into the text of an older revision,
// applied by the server as a new edit (nothing in the past is rewritten).

#include <cstdint>
#include <optional>
#include <string_view>

#include "history/diff.hpp"
#include "history/keyframes.hpp"
#include "kolabpad/ot/operation.hpp"
#include "kolabpad/ot/result.hpp"

namespace kolabpad::server::history {

// The operation of a restore and how it was found.
struct RestoreOp {
    Method method = Method::composed;
    ot::Operation operation;  // applies to the current text, gives the restored one
};

// The operation turning `current` (valid UTF-8) into `target.text`. With `since` (the composition
// of the log from target.revision to the current revision) it is the inverse of `since`, narrowed
// by a text diff wherever it deletes text only to insert some of it again (Method::composed);
// without it, or if `since` does not lead from target to current, a text diff of the two texts
// (Method::text_diff). Either way apply(result, current) == target.text, which is checked.
ot::Result<RestoreOp> restore_operation(const Keyframe& target, std::string_view current,
                                        const std::optional<ot::Operation>& since, std::uint64_t max_steps);

}  // namespace kolabpad::server::history
