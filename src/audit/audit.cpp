#include "audit/audit.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "core/clock.hpp"
#include "core/id.hpp"

namespace manyi::audit {

std::string sha256_hex(const std::string& data) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  static const char* hx = "0123456789abcdef";
  std::string out;
  for (unsigned char c : h) {
    out += hx[c >> 4];
    out += hx[c & 15];
  }
  return out;
}

namespace {
std::string chain_input(int64_t seq, int64_t id, int64_t at, int64_t user_id, const std::string& username,
                        const std::string& ip, const std::string& action, const std::string& entity, int64_t entity_id,
                        int64_t node_id, const std::string& node_path, const std::string& bd, const std::string& ad,
                        const std::string& detail, const std::string& prev) {
  // Length-prefixed fields so no two different rows serialise alike.
  std::string s;
  auto add = [&](const std::string& v) { s += std::to_string(v.size()) + ':' + v + ';'; };
  add(std::to_string(seq));
  add(std::to_string(id));
  add(std::to_string(at));
  add(std::to_string(user_id));
  add(username);
  add(ip);
  add(action);
  add(entity);
  add(std::to_string(entity_id));
  add(std::to_string(node_id));
  add(node_path);
  add(bd);
  add(ad);
  add(detail);
  add(prev);
  return s;
}
}  // namespace

void record(store::Tx& tx, const Actor& who, const Entry& e) {
  std::string path = e.node_path;
  if (path.empty() && e.node_id) {
    auto r = tx.query("SELECT path FROM org_nodes WHERE id = ?", {e.node_id});
    if (!r.empty()) path = r[0].str(0);
  }
  auto head = tx.query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash");
  int64_t seq = head[0].i64(0);
  std::string prev = head[0].str(1);
  int64_t id = new_id(), at = now_ms();
  std::string bd = e.before.empty() ? "" : sha256_hex(e.before);
  std::string ad = e.after.empty() ? "" : sha256_hex(e.after);
  std::string hash = sha256_hex(chain_input(seq, id, at, who.user_id, who.username, who.ip, e.action, e.entity,
                                            e.entity_id, e.node_id, path, bd, ad, e.detail, prev));
  tx.exec(
      "INSERT INTO audit_log(seq, id, at, user_id, username, ip, action, entity, entity_id, node_id, node_path, "
      "before_digest, after_digest, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {seq, id, at, who.user_id ? store::Value(who.user_id) : store::Value(nullptr), who.username, who.ip, e.action,
       e.entity, e.entity_id ? store::Value(e.entity_id) : store::Value(nullptr),
       e.node_id ? store::Value(e.node_id) : store::Value(nullptr), path, bd, ad, e.detail, prev, hash});
  tx.exec("UPDATE audit_head SET hash = ? WHERE id = 1", {hash});
}

VerifyResult verify(store::Db& db) {
  VerifyResult res;
  std::string prev(64, '0');
  int64_t expect = 1, last = 0;
  for (;;) {
    auto rows = db.query(
        "SELECT seq, id, at, user_id, username, ip, action, entity, entity_id, node_id, node_path, before_digest, "
        "after_digest, detail, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT 5000",
        {last});
    if (rows.empty()) break;
    for (auto& r : rows) {
      int64_t seq = r.i64(0);
      if (seq != expect)
        res.problems.push_back(fmt::format("seq {}..{}: missing (rows deleted)", expect, seq - 1));
      if (r.str(14) != prev)
        res.problems.push_back(fmt::format("seq {}: previous-hash link broken (a row before it was edited or deleted)", seq));
      std::string h = sha256_hex(chain_input(seq, r.i64(1), r.i64(2), r.i64(3), r.str(4), r.str(5), r.str(6), r.str(7),
                                             r.i64(8), r.i64(9), r.str(10), r.str(11), r.str(12), r.str(13), r.str(14)));
      if (h != r.str(15)) res.problems.push_back(fmt::format("seq {}: hash mismatch (row edited)", seq));
      prev = r.str(15);
      expect = seq + 1;
      last = seq;
      ++res.checked;
    }
  }
  auto head = db.query("SELECT seq, hash FROM audit_head WHERE id = 1");
  if (!head.empty()) {
    if (head[0].i64(0) != last)
      res.problems.push_back(fmt::format("seq {}..{}: missing at the end (rows deleted)", last + 1, head[0].i64(0)));
    else if (last > 0 && head[0].str(1) != prev)
      res.problems.push_back(fmt::format("seq {}: chain tip does not match the last row (row edited)", last));
  }
  res.ok = res.problems.empty();
  return res;
}

}  // namespace manyi::audit
