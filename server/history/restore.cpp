#include "history/restore.hpp"

#include "history/text_diff.hpp"

namespace kolabpad::server::history {

ot::Result<RestoreOp> restore_operation(const Keyframe& target, std::string_view current,
                                        const std::optional<ot::Operation>& since, std::uint64_t max_steps) {
    const auto exact = [&](const ot::Operation& op) {
        auto r = ot::apply(op, current);
        return r.ok() && *r == target.text;
    };
    if (since) {
        auto forward = ot::apply(*since, target.text);
        if (forward.ok() && *forward == current) {
            auto back = ot::invert(*since, target.text);
            if (back) {
                ot::Operation op = narrow(*back, current, max_steps);
                if (exact(op)) return RestoreOp{Method::composed, std::move(op)};
            }
        }
    }
    ot::Operation op = text_diff(current, target.text, max_steps);
    if (!exact(op)) return ot::Error{"the text diff does not restore the text"};
    return RestoreOp{Method::text_diff, std::move(op)};
}

}  // namespace kolabpad::server::history
