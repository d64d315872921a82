// KeyHash: a 64-bit keyed hash (SipHash-2-4 through libsodium, random key per process) of a
// few string parts, for the in-memory windows keyed by client-supplied text (device ids,
// networks): a map keyed by 8 bytes instead of a heap string per entry, and no key can be
// crafted to collide with another. Collisions by chance: ~n²/2^65 (4·10⁻⁷ at 4 million keys).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace manyi {

// The parts are length-prefixed, so ("ab", "c") and ("a", "bc") differ.
uint64_t key_hash(std::initializer_list<std::string_view> parts);

// For hash maps keyed by key_hash values: they are uniform already.
struct KeyHashIdentity {
  size_t operator()(uint64_t k) const noexcept { return static_cast<size_t>(k); }
};

// The shard of a mutex-sharded set of such maps: from the top bits, as the maps use the low ones.
inline size_t key_shard(uint64_t k, size_t shards) { return static_cast<size_t>(k >> 56) % shards; }

}  // namespace manyi
