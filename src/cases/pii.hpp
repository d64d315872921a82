// Personal data of complainants and patients at rest: libsodium secretbox with a 32-byte data
// key, masked copies for lists (张*, 138****1234) and a keyed hash of the phone number so
// duplicates can be found without decrypting. The data key never lives in the database: it is
// installed at start-up from MANYI_DATA_KEY or the key file beside the database (see
// cases/data_key.hpp); in-process callers without an installed key fall back to MANYI_DATA_KEY.
// The phone hash uses its own key, derived from the data key (BLAKE2b KDF, context "mnyphone").
#pragma once
#include <string>

#include "store/db.hpp"

namespace manyi::cases::pii {

// The data key in force (32 bytes): the installed one, else MANYI_DATA_KEY; throws
// Error(500, "no_data_key") when neither is there. The arguments are kept for call sites that
// hold a transaction; the key is not read from the database.
std::string data_key(store::Tx& tx);
std::string data_key(store::Db& db);
std::string data_key();
void install_key(const std::string& key);  // 32 raw bytes
// 64 hex digits <-> 32 bytes; from_hex throws Error(500, "bad_data_key") on anything else.
std::string key_to_hex(const std::string& key);
std::string key_from_hex(const std::string& hex);
std::string new_key();  // 32 random bytes
// A public fingerprint of a key (16 hex digits), stored in settings('pii.key_id') so a server
// refuses to start with a key that is not the one the data was sealed with.
std::string key_id(const std::string& key);
std::string seal(const std::string& key, const std::string& plain);
// Throws manyi::Error when the ciphertext does not open with this key.
std::string open(const std::string& key, const std::string& sealed);
// BLAKE2b of the digits of a phone number keyed with the phone-hash key derived from `key`,
// hex; "" for an empty number.
std::string phone_hash(const std::string& key, const std::string& phone);
std::string mask_phone(const std::string& phone);  // 13812341234 -> 138****1234
std::string mask_name(const std::string& name);    // 张三丰 -> 张**
// Digits, spaces, '+', '-' only, 5–20 digits; returns the normalised number or throws invalid(field).
std::string normalise_phone(const std::string& phone, const char* field);

}  // namespace manyi::cases::pii
