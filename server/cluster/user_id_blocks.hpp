#pragma once
// User ids unique across instances: each instance reserves blocks of ids from one PostgreSQL
// sequence (user_id_blocks, INCREMENT BY user_id_block_size), so no two instances, and no two
// runs of one instance, ever hand out the same id.

#include <cstdint>

#include "kolabpad/ot/result.hpp"
#include "storage/pg_connection.hpp"

namespace kolabpad::server::cluster {

// How many ids one reservation yields (the sequence's increment, fixed by the schema).
inline constexpr std::uint64_t user_id_block_size = 1000;

// The ids [first, first + count).
struct UserIdBlock {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

// Reserves the next block with nextval (outside any transaction's rollback: a block once
// handed out is never handed out again, even when the caller's transaction aborts).
ot::Result<UserIdBlock> reserve_user_id_block(storage::PgConnection& db);

}  // namespace kolabpad::server::cluster
