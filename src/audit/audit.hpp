// Audit log: every state change appends one entry (who, when, from where, what, before/after
// digests) inside the same transaction as the change. Entries form a SHA-256 hash chain; the
// chain's tip lives in audit_head, whose row lock serialises appenders on PostgreSQL.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/db.hpp"

namespace manyi::audit {

struct Actor {
  int64_t user_id = 0;
  std::string username;
  std::string ip;
};

struct Entry {
  std::string action;  // "org.node.create", "staff.import", …
  std::string entity;  // "org_node", "staff", "user", …
  int64_t entity_id = 0;
  int64_t node_id = 0;           // the org node the change belongs to (scopes the log)
  std::string node_path;         // its path; looked up when empty and node_id set
  std::string before, after;     // canonical JSON text; only digests are stored
  std::string detail;            // short human-readable summary
};

void record(store::Tx& tx, const Actor& who, const Entry& e);

struct VerifyResult {
  bool ok = true;
  int64_t checked = 0;
  std::vector<std::string> problems;  // "seq 17: hash mismatch (row edited)", …
};
VerifyResult verify(store::Db& db);

std::string sha256_hex(const std::string& data);

}  // namespace manyi::audit
