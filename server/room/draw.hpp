#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace liveroom::room {

// The prize draw, a deterministic function anyone can recompute (the page's
// "verify" link does, in the browser):
//
//   pool = the eligible ids, sorted by their UTF-8 bytes, without repeats
//   for i in 0 .. min(count, n) - 1:
//       h = SHA-256(seed_bytes || be32(round) || be32(i))
//       x = the first 8 bytes of h as a big-endian unsigned 64-bit integer
//       j = i + x mod (n - i)
//       swap(pool[i], pool[j])
//   winners = pool[0 .. min(count, n) - 1]
//
// `seed_bytes` are the bytes the seed's hex string encodes; `round` counts
// earlier draws with the same seed (0 for the first). The modulo bias is at
// most n / 2^64: nil for any audience.
std::vector<std::string> draw_winners(std::string_view seed_hex,
                                      std::uint32_t round,
                                      std::vector<std::string> eligible,
                                      std::size_t count);

// 32 fresh random bytes as lowercase hex (OpenSSL RAND_bytes).
std::string fresh_seed();

// Lowercase hex SHA-256 of the bytes `hex` encodes (the contract's seed_hash),
// or of raw `bytes` for sha256_hex.
std::string seed_hash(std::string_view seed_hex);
std::string sha256_hex(std::string_view bytes);

}  // namespace liveroom::room
