// The ot.js client state machine, with every transform/compose/apply delegated to kolabpad::ot.
#include "ot_client.hpp"

namespace kolabpad::load {

void OtClient::reset(std::string text, std::uint64_t revision) {
    length_ = ot::utf8::count(text);
    text_ = keep_text_ ? std::move(text) : std::string();
    revision_ = revision;
}

std::optional<std::string> OtClient::apply(const ot::Operation& op, const char* what) {
    if (op.base_len() != length_)
        return std::string(what) + ": base length " + std::to_string(op.base_len()) + " on a text of " +
               std::to_string(length_);
    if (keep_text_) {
        auto applied = ot::apply(op, text_);
        if (!applied) return std::string(what) + ": " + applied.error();
        text_ = std::move(applied).value();
    }
    length_ = op.target_len();
    return std::nullopt;
}

std::optional<std::string> OtClient::local(const ot::Operation& op, bool& send_now) {
    if (auto err = apply(op, "local edit")) return err;
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
    if (!outstanding_) {
        if (auto err = apply(op, "remote edit")) return err;
        ++revision_;
        return std::nullopt;
    }
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
    if (auto err = apply(incoming, "remote edit")) return err;
    ++revision_;
    return std::nullopt;
}

std::optional<std::string> OtClient::remote_composed(const ot::Operation& composed, std::uint64_t count) {
    if (outstanding_) return "composed remote entries while an edit is in flight";
    if (auto err = apply(composed, "remote edits")) return err;
    revision_ += count;
    return std::nullopt;
}

std::optional<std::string> OtClient::remote_lengths(std::uint64_t base_len, std::uint64_t target_len,
                                                    std::uint64_t count) {
    if (outstanding_) return "remote entries skipped while an edit is in flight";
    if (keep_text_) return "remote entries skipped by a client that keeps the text";
    if (base_len != length_)
        return "remote edits: base length " + std::to_string(base_len) + " on a text of " + std::to_string(length_);
    length_ = target_len;
    revision_ += count;
    return std::nullopt;
}

}  // namespace kolabpad::load
