#include "cases/pii.hpp"

#include <sodium.h>

#include <cstdlib>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace manyi::cases::pii {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  sodium_bin2hex(out.data(), out.size() + 1, p, n);
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out(hex.size() / 2, '\0');
  size_t len = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(), hex.size(), nullptr, &len,
                     nullptr) != 0 ||
      len != crypto_secretbox_KEYBYTES)
    throw Error(500, "bad_data_key", "the data key must be 64 hex digits");
  out.resize(len);
  return out;
}

std::string env_key() {
  const char* k = std::getenv("MANYI_DATA_KEY");
  return k && *k ? from_hex(k) : std::string();
}

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

std::string data_key(store::Tx& tx) {
  if (auto k = env_key(); !k.empty()) return k;
  auto r = tx.query("SELECT value FROM settings WHERE key = 'pii.key'");
  if (!r.empty()) return from_hex(r[0].str(0));
  unsigned char key[crypto_secretbox_KEYBYTES];
  crypto_secretbox_keygen(key);
  tx.exec("INSERT INTO settings(key, value, updated_at) VALUES ('pii.key', ?, ?) ON CONFLICT (key) DO NOTHING",
          {to_hex(key, sizeof key), now_ms()});
  // Another instance may have won the race: read back what is stored.
  return from_hex(tx.query("SELECT value FROM settings WHERE key = 'pii.key'")[0].str(0));
}

std::string data_key(store::Db& db) {
  if (auto k = env_key(); !k.empty()) return k;
  auto r = db.query("SELECT value FROM settings WHERE key = 'pii.key'");
  if (!r.empty()) return from_hex(r[0].str(0));
  std::string key;
  db.write([&](store::Tx& tx) { key = data_key(tx); });
  return key;
}

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
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(digits.data()), digits.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
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
