// Personal data of complainants at rest: libsodium secretbox with a 32-byte data key, masked
// copies for lists (张*, 138****1234) and a keyed hash of the phone number so duplicates can
// be found without decrypting. The key comes from MANYI_DATA_KEY (64 hex digits) when set —
// the production set-up, shared by every instance — otherwise one is generated on first use
// and kept in the settings table (protects backups and exports of the case tables, not a
// stolen whole database).
#pragma once
#include <string>

#include "store/db.hpp"

namespace manyi::cases::pii {

std::string data_key(store::Tx& tx);
std::string data_key(store::Db& db);
std::string seal(const std::string& key, const std::string& plain);
// Throws manyi::Error when the ciphertext does not open with this key.
std::string open(const std::string& key, const std::string& sealed);
// Keyed BLAKE2b of the digits of a phone number, hex; "" for an empty number.
std::string phone_hash(const std::string& key, const std::string& phone);
std::string mask_phone(const std::string& phone);  // 13812341234 -> 138****1234
std::string mask_name(const std::string& name);    // 张三丰 -> 张**
// Digits, spaces, '+', '-' only, 5–20 digits; returns the normalised number or throws invalid(field).
std::string normalise_phone(const std::string& phone, const char* field);

}  // namespace manyi::cases::pii
