#include "cluster/user_id_blocks.hpp"

namespace kolabpad::server::cluster {

ot::Result<UserIdBlock> reserve_user_id_block(storage::PgConnection& db) {
    auto r = db.exec("SELECT nextval('user_id_blocks')");
    if (!r.ok()) return ot::Error{"cannot reserve user ids: " + r.error()};
    return UserIdBlock{static_cast<std::uint64_t>(r.int8(0, 0)), user_id_block_size};
}

}  // namespace kolabpad::server::cluster
