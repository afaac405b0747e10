// libFuzzer target for the bus messages instances exchange (cluster/wire.hpp): the input is the
// bytes of one message as Redis would hand them to an instance. Checks, besides no crash and no
// sanitizer report: a message that decodes encodes to bytes that decode to the same message
// (encoding its decoding again gives the same bytes), and no message holds more items or
// recipients than max_wire_items.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cluster/wire.hpp"

namespace {

namespace cluster = kolabpad::server::cluster;

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto m = cluster::decode(bytes);
    if (!m) return 0;
    check(m->items.size() <= cluster::max_wire_items);
    for (const auto& it : m->items) check(it.users.size() <= cluster::max_wire_items);
    const std::string once = cluster::encode(m.value());
    auto again = cluster::decode(once);
    check(again.ok());
    check(cluster::encode(again.value()) == once);
    return 0;
}
