#include "net/send_queue.hpp"

namespace kolabpad::server::net {

namespace {

// Merges the run of History frames starting at queue[at]; returns how many frames it merged away.
std::size_t merge_run_at(std::deque<QueuedFrame>& queue, std::size_t at, std::int64_t& bytes) {
    if (at >= queue.size() || queue[at].count == 0) return 0;
    const QueuedFrame& first = queue[at];
    std::size_t n = 1;
    std::uint64_t end = first.start + first.count;
    std::size_t total = first.frame->size();
    while (at + n < queue.size() && queue[at + n].count > 0 && queue[at + n].start == end) {
        end += queue[at + n].count;
        total += queue[at + n].frame->size();
        ++n;
    }
    if (n == 1) return 0;
    // Every History frame is {"History":{"start":S,"operations":[E,...]}} (protocol::history): keep
    // the first one up to its last entry, then append the entries of the others, found between
    // their first '[' and their closing "]}}".
    std::string merged;
    merged.reserve(total);
    merged.append(first.frame->payload(), 0, first.frame->size() - 3);
    for (std::size_t k = 1; k < n; ++k) {
        const std::string& f = queue[at + k].frame->payload();
        const std::size_t open = f.find('[');
        merged += ',';
        merged.append(f, open + 1, f.size() - open - 4);
    }
    merged += "]}}";
    QueuedFrame m{nullptr, first.queued, first.start, end - first.start};
    bytes += static_cast<std::int64_t>(merged.size()) - static_cast<std::int64_t>(total);
    m.frame = document::make_frame(std::move(merged));
    queue[at] = std::move(m);
    queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(at + 1), queue.begin() + static_cast<std::ptrdiff_t>(at + n));
    return n - 1;
}

}  // namespace

std::size_t merge_history_front(std::deque<QueuedFrame>& queue, std::int64_t& bytes) {
    return merge_run_at(queue, 0, bytes);
}

std::size_t merge_history_runs(std::deque<QueuedFrame>& queue, std::int64_t& bytes) {
    std::size_t merged = 0;
    for (std::size_t i = 0; i < queue.size(); ++i) merged += merge_run_at(queue, i, bytes);
    return merged;
}

}  // namespace kolabpad::server::net
