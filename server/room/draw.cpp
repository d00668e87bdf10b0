#include "server/room/draw.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <openssl/rand.h>
#include <openssl/sha.h>

namespace liveroom::room {

namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    return out;
}

std::string from_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = nibble(hex[i]);
        const int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            throw std::invalid_argument("a seed must be hex");
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

void put_be32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        s.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
}

}  // namespace

std::vector<std::string> draw_winners(std::string_view seed_hex,
                                      std::uint32_t round,
                                      std::vector<std::string> eligible,
                                      std::size_t count) {
    std::sort(eligible.begin(), eligible.end());  // std::string compares bytes
    eligible.erase(std::unique(eligible.begin(), eligible.end()), eligible.end());
    const std::size_t n = eligible.size();
    const std::size_t k = std::min(count, n);
    const std::string seed = from_hex(seed_hex);
    std::string input;
    for (std::size_t i = 0; i < k; ++i) {
        input.assign(seed);
        put_be32(input, round);
        put_be32(input, static_cast<std::uint32_t>(i));
        std::array<unsigned char, SHA256_DIGEST_LENGTH> h{};
        SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), h.data());
        std::uint64_t x = 0;
        for (int b = 0; b < 8; ++b) {
            x = (x << 8) | h[static_cast<std::size_t>(b)];
        }
        const std::size_t j = i + static_cast<std::size_t>(x % (n - i));
        std::swap(eligible[i], eligible[j]);
    }
    eligible.resize(k);
    return eligible;
}

std::string fresh_seed() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed");
    }
    return to_hex(bytes.data(), bytes.size());
}

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> h{};
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), h.data());
    return to_hex(h.data(), h.size());
}

std::string seed_hash(std::string_view seed_hex) {
    return sha256_hex(from_hex(seed_hex));
}

}  // namespace liveroom::room
