#pragma once
// UserDirectory: each user's name and hue as they were at any revision, from UserInfoRecords.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "history/records.hpp"

namespace kolabpad::server::history {

// A user's display name and hue at one point.
struct UserLook {
    std::string name;
    std::uint32_t hue = 0;

    // Looks are equal when name and hue are.
    bool operator==(const UserLook&) const = default;
};

// Answers "how did user u look at revision r" from the records of their ClientInfo.
class UserDirectory {
public:
    // An empty directory.
    UserDirectory() = default;
    // A directory over `records` (any order).
    explicit UserDirectory(std::span<const UserInfoRecord> records);

    // Adds one record; a record for the same user and revision replaces the older one.
    void add(const UserInfoRecord& record);
    // The look of `user` at `revision`: the latest record at or before it, else the user's first
    // record (a ClientInfo sent just after the first edit), else nullopt (never sent one).
    std::optional<UserLook> at(std::uint64_t user, std::uint64_t revision) const;

private:
    struct Entry {
        std::uint64_t revision;
        UserLook look;
    };
    std::unordered_map<std::uint64_t, std::vector<Entry>> by_user_;  // each sorted by revision
};

}  // namespace kolabpad::server::history
