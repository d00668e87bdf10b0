#include "server/net/session_registry.hpp"

#include "server/net/ws_session.hpp"

namespace liveroom::net {

void session_registry::add(ws_session& s) {
    s.registry_index = sessions_.size();
    sessions_.push_back(&s);
}

void session_registry::remove(ws_session& s) {
    if (s.registry_index >= sessions_.size() || sessions_[s.registry_index] != &s) {
        return;
    }
    ws_session* last = sessions_.back();
    sessions_[s.registry_index] = last;
    last->registry_index = s.registry_index;
    sessions_.pop_back();
}

void session_registry::shutdown_all() {
    // Copy: shutdown() may not remove synchronously, but be safe anyway.
    const std::vector<ws_session*> all = sessions_;
    for (ws_session* s : all) {
        s->shutdown();
    }
}

void session_registry::check_idle(std::int64_t now_ms) {
    // By index: a session that closes here leaves the list only later, when
    // it is destroyed, so the list does not change under the loop.
    for (std::size_t i = 0; i < sessions_.size(); ++i) {
        sessions_[i]->check_idle(now_ms);
    }
}

}  // namespace liveroom::net
