#include "core/keyhash.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace manyi {
namespace {
struct Key {
  unsigned char k[crypto_shorthash_KEYBYTES];
  Key() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    crypto_shorthash_keygen(k);
  }
};
const Key& process_key() {
  static const Key key;
  return key;
}
}  // namespace

uint64_t key_hash(std::initializer_list<std::string_view> parts) {
  const Key& key = process_key();
  // Short keys (the usual case) are hashed from the stack.
  unsigned char buf[256];
  std::string heap;
  size_t need = 0;
  for (auto p : parts) need += 4 + p.size();
  unsigned char* out = buf;
  if (need > sizeof buf) {
    heap.resize(need);
    out = reinterpret_cast<unsigned char*>(heap.data());
  }
  size_t at = 0;
  for (auto p : parts) {
    auto n = static_cast<uint32_t>(p.size());
    std::memcpy(out + at, &n, 4);
    if (n) std::memcpy(out + at + 4, p.data(), n);  // an empty part may have no storage
    at += 4 + n;
  }
  unsigned char h[crypto_shorthash_BYTES];
  crypto_shorthash(h, out, at, key.k);
  uint64_t v;
  std::memcpy(&v, h, sizeof v);
  return v;
}

}  // namespace manyi
