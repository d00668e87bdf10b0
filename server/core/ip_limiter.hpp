#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "server/core/clock.hpp"
#include "server/core/token_bucket.hpp"

namespace liveroom::core {

// Per-client-address limits on connections: how many may be open at once and
// how many may be opened per second (a token bucket holding two seconds'
// worth). Taken at accept and at close only — never on the delivery path — so
// one mutex is enough.
//
// Memory is bounded by the addresses that matter: an address is tracked while
// it has a connection open or its handshake bucket is not yet full again (at
// most two seconds after its last connection), then forgotten.
class ip_limiter {
  public:
    // An IPv6 address, or an IPv4 one mapped into IPv6 (::ffff:a.b.c.d).
    using address = std::array<std::uint8_t, 16>;

    struct limits {
        int max_connections = 0;      // 0 = no limit
        double handshakes_per_s = 0;  // 0 = no limit
    };

    enum class verdict { ok, too_many_connections, too_many_handshakes };

    explicit ip_limiter(limits l) noexcept : limits_(l) {}
    ip_limiter(const ip_limiter&) = delete;
    ip_limiter& operator=(const ip_limiter&) = delete;

    bool enabled() const noexcept { return limits_.max_connections > 0 || limits_.handshakes_per_s > 0; }

    // A new connection from `a` at `now_ms` (core::mono_ms()). On ok it is
    // counted until release(a).
    verdict admit(const address& a, std::int64_t now_ms);
    void release(const address& a, std::int64_t now_ms);

    // Addresses tracked now (for /metrics and tests).
    std::size_t tracked() const;

  private:
    struct entry {
        int connections = 0;
        token_bucket handshakes;
    };
    struct address_hash {
        std::size_t operator()(const address& a) const noexcept;
    };

    bool idle(const entry& e, std::int64_t now_ms) const noexcept;
    void sweep(std::int64_t now_ms);

    const limits limits_;
    mutable std::mutex mutex_;
    std::unordered_map<address, entry, address_hash> map_;
    std::int64_t last_sweep_ms_ = 0;
};

// One admitted connection's place in its address's count, given back when the
// connection (HTTP, then WebSocket) ends. Move-only.
class ip_lease {
  public:
    ip_lease() noexcept = default;
    ip_lease(ip_limiter& limiter, const ip_limiter::address& a) noexcept : limiter_(&limiter), address_(a) {}
    ip_lease(ip_lease&& o) noexcept : limiter_(o.limiter_), address_(o.address_) { o.limiter_ = nullptr; }
    ip_lease& operator=(ip_lease&& o) noexcept {
        if (this != &o) {
            reset();
            limiter_ = o.limiter_;
            address_ = o.address_;
            o.limiter_ = nullptr;
        }
        return *this;
    }
    ip_lease(const ip_lease&) = delete;
    ip_lease& operator=(const ip_lease&) = delete;
    ~ip_lease() { reset(); }

    void reset() noexcept {
        if (limiter_ != nullptr) {
            limiter_->release(address_, mono_ms());
            limiter_ = nullptr;
        }
    }

  private:
    ip_limiter* limiter_ = nullptr;
    ip_limiter::address address_{};
};

}  // namespace liveroom::core
