#include "server/core/ip_limiter.hpp"

#include <cstring>

namespace liveroom::core {

std::size_t ip_limiter::address_hash::operator()(const address& a) const noexcept {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    std::memcpy(&hi, a.data(), 8);
    std::memcpy(&lo, a.data() + 8, 8);
    return static_cast<std::size_t>((hi * 0x9E3779B97F4A7C15ULL) ^ lo ^ (lo >> 29) * 0xBF58476D1CE4E5B9ULL);
}

bool ip_limiter::idle(const entry& e, std::int64_t now_ms) const noexcept {
    return e.connections == 0 &&
           (limits_.handshakes_per_s <= 0 || e.handshakes.available(now_ms) >= e.handshakes.burst());
}

void ip_limiter::sweep(std::int64_t now_ms) {
    for (auto it = map_.begin(); it != map_.end();) {
        if (idle(it->second, now_ms)) {
            it = map_.erase(it);
        } else {
            ++it;
        }
    }
}

ip_limiter::verdict ip_limiter::admit(const address& a, std::int64_t now_ms) {
    if (!enabled()) {
        return verdict::ok;
    }
    std::lock_guard lock(mutex_);
    // Forget idle addresses about once a second: the map holds only addresses
    // with open connections or recent handshakes.
    if (now_ms - last_sweep_ms_ >= 1000) {
        last_sweep_ms_ = now_ms;
        sweep(now_ms);
    }
    auto [it, inserted] = map_.try_emplace(a);
    entry& e = it->second;
    if (inserted) {
        e.handshakes = token_bucket(limits_.handshakes_per_s, limits_.handshakes_per_s * 2);
    }
    if (limits_.max_connections > 0 && e.connections >= limits_.max_connections) {
        return verdict::too_many_connections;
    }
    if (limits_.handshakes_per_s > 0 && !e.handshakes.take(now_ms)) {
        if (e.connections == 0 && inserted) {
            map_.erase(it);
        }
        return verdict::too_many_handshakes;
    }
    ++e.connections;
    return verdict::ok;
}

void ip_limiter::release(const address& a, std::int64_t now_ms) {
    if (!enabled()) {
        return;
    }
    std::lock_guard lock(mutex_);
    const auto it = map_.find(a);
    if (it == map_.end()) {
        return;
    }
    if (it->second.connections > 0) {
        --it->second.connections;
    }
    if (idle(it->second, now_ms)) {
        map_.erase(it);
    }
}

std::size_t ip_limiter::tracked() const {
    std::lock_guard lock(mutex_);
    return map_.size();
}

}  // namespace liveroom::core
