// One load thread: connection pacing, typing switch, views, and an orderly stop.
#include "runner.hpp"

namespace kolabpad::load {

Runner::Runner(Shared shared, int thread)
    : guard_(net::make_work_guard(ioc_)), shared_(std::move(shared)), number_(thread) {}

Runner::~Runner() {
    if (thread_.joinable()) stop(std::chrono::milliseconds(0));
    conns_.clear();  // sockets close while the io_context still exists
}

void Runner::add_client(DocGroup& doc, const std::string& client) {
    auto& local = docs_[&doc];
    if (!local) local = std::make_unique<DocLocal>(doc, number_, shared_.stats);
    conns_.push_back(std::make_unique<Connection>(ioc_, shared_, *local, number_, client));
}

void Runner::start() {
    thread_ = std::thread([this] { ioc_.run(); });
}

std::future<void> Runner::connect_all(std::size_t concurrency) {
    auto fut = connected_.get_future();
    net::post(ioc_, [this, concurrency] {
        if (conns_.empty()) return connected_.set_value();
        for (std::size_t i = 0; i < concurrency && next_connect_ < conns_.size(); ++i) connect_next();
    });
    return fut;
}

void Runner::connect_next() {
    auto& c = *conns_[next_connect_++];
    c.start([this](bool) {
        if (++finished_connects_ == conns_.size()) return connected_.set_value();
        if (next_connect_ < conns_.size()) connect_next();
    });
}

void Runner::set_typing(bool on) {
    call([this, on] {
        shared_.typing = on;
        if (on)
            for (auto& c : conns_) c->start_typing();
        return 0;
    });
}

std::vector<ClientView> Runner::views() {
    return call([this] {
        std::vector<ClientView> out;
        out.reserve(conns_.size());
        for (auto& c : conns_)
            out.push_back(ClientView{c->doc_id(), c->healthy(), c->idle(), c->state().revision(),
                                     c->state().text(), c->problem()});
        return out;
    });
}

void Runner::stop(std::chrono::milliseconds grace) {
    call([this] {
        shared_.typing = false;
        shared_.closing = true;
        for (auto& c : conns_) c->close();
        return 0;
    });
    guard_.reset();
    // The closes finish on their own; whatever is still open after `grace` is abandoned.
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (!ioc_.stopped() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace kolabpad::load
