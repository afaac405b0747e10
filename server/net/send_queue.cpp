#include "net/send_queue.hpp"

namespace kolabpad::server::net {

std::size_t merge_history_front(std::deque<QueuedFrame>& queue, std::int64_t& bytes) {
    if (queue.empty() || queue.front().count == 0) return 0;
    const QueuedFrame& first = queue.front();
    std::size_t n = 1;
    std::uint64_t end = first.start + first.count;
    std::size_t total = first.frame->size();
    while (n < queue.size() && queue[n].count > 0 && queue[n].start == end) {
        end += queue[n].count;
        total += queue[n].frame->size();
        ++n;
    }
    if (n == 1) return 0;
    // Every History frame is {"History":{"start":S,"operations":[E,...]}} (protocol::history): keep
    // the first one up to its last entry, then append the entries of the others, found between
    // their first '[' and their closing "]}}".
    std::string merged;
    merged.reserve(total);
    merged.append(*first.frame, 0, first.frame->size() - 3);
    for (std::size_t k = 1; k < n; ++k) {
        const std::string& f = *queue[k].frame;
        const std::size_t open = f.find('[');
        merged += ',';
        merged.append(f, open + 1, f.size() - open - 4);
    }
    merged += "]}}";
    QueuedFrame m{nullptr, first.queued, first.start, end - first.start};
    bytes += static_cast<std::int64_t>(merged.size()) - static_cast<std::int64_t>(total);
    m.frame = std::make_shared<const std::string>(std::move(merged));
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
    queue.push_front(std::move(m));
    return n - 1;
}

}  // namespace kolabpad::server::net
