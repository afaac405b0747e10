// The ot.js client state machine, with every transform/compose/apply delegated to kolabpad::ot.
#include "ot_client.hpp"

namespace kolabpad::load {

void OtClient::reset(std::string text, std::uint64_t revision) {
    length_ = ot::utf8::count(text);
    text_ = std::move(text);
    revision_ = revision;
}

std::optional<std::string> OtClient::local(const ot::Operation& op, bool& send_now) {
    auto applied = ot::apply(op, text_);
    if (!applied) return "local edit: " + applied.error();
    text_ = std::move(applied).value();
    length_ = op.target_len();
    send_now = false;
    if (!outstanding_) {
        outstanding_ = op;
        send_now = true;
    } else if (!buffer_) {
        buffer_ = op;
    } else {
        auto c = ot::compose(*buffer_, op);
        if (!c) return "compose buffer: " + c.error();
        buffer_ = std::move(c).value();
    }
    return std::nullopt;
}

bool OtClient::ack() {
    ++revision_;
    outstanding_ = std::move(buffer_);
    buffer_.reset();
    return outstanding_.has_value();
}

std::optional<std::string> OtClient::remote(const ot::Operation& op) {
    if (!outstanding_) return apply_remote(op, 1);
    // Our in-flight edit is the left operand, as on the server, which sequences it after `op`.
    auto t = ot::transform(*outstanding_, op);
    if (!t) return "transform outstanding: " + t.error();
    outstanding_ = std::move(t->first);
    ot::Operation incoming = std::move(t->second);
    if (buffer_) {
        auto tb = ot::transform(*buffer_, incoming);
        if (!tb) return "transform buffer: " + tb.error();
        buffer_ = std::move(tb->first);
        incoming = std::move(tb->second);
    }
    return apply_remote(incoming, 1);
}

std::optional<std::string> OtClient::remote_composed(const ot::Operation& composed, std::uint64_t count) {
    if (outstanding_) return "composed remote entries while an edit is in flight";
    return apply_remote(composed, count);
}

std::optional<std::string> OtClient::apply_remote(const ot::Operation& op, std::uint64_t count) {
    auto applied = ot::apply(op, text_);
    if (!applied) return "remote edit: " + applied.error();
    text_ = std::move(applied).value();
    length_ = op.target_len();
    revision_ += count;
    return std::nullopt;
}

}  // namespace kolabpad::load
