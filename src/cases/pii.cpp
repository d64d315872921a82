#include "cases/pii.hpp"

#include <sodium.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "core/error.hpp"

namespace manyi::cases::pii {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  sodium_bin2hex(out.data(), out.size() + 1, p, n);
  return out;
}

std::string env_key() {
  const char* k = std::getenv("MANYI_DATA_KEY");
  return k && *k ? key_from_hex(k) : std::string();
}

std::mutex key_mu;
std::string installed;  // guarded by key_mu

// UTF-8 code points of a string (names are short).
std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string key_from_hex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  std::string_view h(hex);
  while (!h.empty() && (h.back() == '\n' || h.back() == '\r' || h.back() == ' ')) h.remove_suffix(1);
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), h.data(), h.size(), nullptr, &len,
                     nullptr) != 0 ||
      len != crypto_secretbox_KEYBYTES || h.size() != 2 * crypto_secretbox_KEYBYTES)
    throw Error(500, "bad_data_key", "the data key must be 64 hex digits");
  out.resize(len);
  return out;
}

std::string key_to_hex(const std::string& key) {
  return to_hex(reinterpret_cast<const unsigned char*>(key.data()), key.size());
}

std::string new_key() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  std::string k(crypto_secretbox_KEYBYTES, '\0');
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(k.data()));
  return k;
}

std::string key_id(const std::string& key) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  unsigned char h[8];
  static const char kContext[] = "manyi data key id";
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(kContext), sizeof kContext - 1,
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return to_hex(h, sizeof h);
}

void install_key(const std::string& key) {
  if (key.size() != crypto_secretbox_KEYBYTES) throw Error(500, "bad_data_key", "the data key must be 32 bytes");
  std::lock_guard lock(key_mu);
  installed = key;
}

std::string data_key() {
  {
    std::lock_guard lock(key_mu);
    if (!installed.empty()) return installed;
  }
  if (auto k = env_key(); !k.empty()) return k;
  throw Error(500, "no_data_key", "no data key is loaded (MANYI_DATA_KEY or the key file beside the database)");
}

std::string data_key(store::Tx&) { return data_key(); }
std::string data_key(store::Db&) { return data_key(); }

std::string seal(const std::string& key, const std::string& plain) {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(o + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                        plain.size(), o, reinterpret_cast<const unsigned char*>(key.data()));
  return out;
}

std::string open(const std::string& key, const std::string& sealed) {
  if (sealed.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    throw Error(500, "undecryptable", "personal data cannot be decrypted");
  std::string out(sealed.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  auto* s = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), s + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, s,
                                 reinterpret_cast<const unsigned char*>(key.data())) != 0)
    throw Error(500, "undecryptable", "personal data cannot be decrypted with the configured data key");
  return out;
}

std::string phone_hash(const std::string& key, const std::string& phone) {
  std::string digits;
  for (char c : phone)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.empty()) return {};
  unsigned char sub[crypto_generichash_KEYBYTES];
  crypto_kdf_derive_from_key(sub, sizeof sub, 1, "mnyphone", reinterpret_cast<const unsigned char*>(key.data()));
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(digits.data()), digits.size(), sub,
                     sizeof sub);
  sodium_memzero(sub, sizeof sub);
  return to_hex(h, sizeof h);
}

std::string mask_phone(const std::string& phone) {
  if (phone.empty()) return {};
  if (phone.size() <= 4) return std::string(phone.size(), '*');
  size_t head = phone.size() >= 11 ? 3 : phone.size() >= 8 ? 2 : 0;
  return phone.substr(0, head) + std::string(phone.size() - head - 4, '*') + phone.substr(phone.size() - 4);
}

std::string mask_name(const std::string& name) {
  auto cps = code_points(name);
  if (cps.empty()) return {};
  std::string out = cps[0];
  for (size_t i = 1; i < cps.size(); ++i) out += "*";
  return cps.size() == 1 ? out + "*" : out;
}

std::string normalise_phone(const std::string& phone, const char* field) {
  std::string out;
  int digits = 0;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      out += c;
      ++digits;
    } else if (c == '+' && out.empty()) {
      out += c;
    } else if (c != ' ' && c != '-') {
      throw invalid(field, "电话号码只能包含数字 (phone number may contain digits only)");
    }
  }
  if (digits < 5 || digits > 20) throw invalid(field, "电话号码位数不正确 (phone number must have 5–20 digits)");
  return out;
}

}  // namespace manyi::cases::pii
