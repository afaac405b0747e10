#include "history/users.hpp"

#include <algorithm>

namespace kolabpad::server::history {

UserDirectory::UserDirectory(std::span<const UserInfoRecord> records) {
    for (const UserInfoRecord& r : records) add(r);
}

void UserDirectory::add(const UserInfoRecord& r) {
    auto& list = by_user_[r.user];
    auto it = std::lower_bound(list.begin(), list.end(), r.revision,
                               [](const Entry& e, std::uint64_t rev) { return e.revision < rev; });
    if (it != list.end() && it->revision == r.revision) {
        it->look = UserLook{r.name, r.hue};
    } else {
        list.insert(it, Entry{r.revision, UserLook{r.name, r.hue}});
    }
}

std::optional<UserLook> UserDirectory::at(std::uint64_t user, std::uint64_t revision) const {
    auto found = by_user_.find(user);
    if (found == by_user_.end() || found->second.empty()) return std::nullopt;
    const auto& list = found->second;
    auto it = std::upper_bound(list.begin(), list.end(), revision,
                               [](std::uint64_t rev, const Entry& e) { return rev < e.revision; });
    return it == list.begin() ? list.front().look : std::prev(it)->look;
}

}  // namespace kolabpad::server::history
