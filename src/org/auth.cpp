#include "org/auth.hpp"

#include "core/json.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "org/roles.hpp"

namespace manyi::org {

std::string random_token(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

LoginResult Auth::login(const std::string& username, const std::string& password, const std::string& ip,
                        const std::string& user_agent) {
  if (int wait = limiter_.take("login", ip, now_ms())) {
    Error e(429, "too_many_attempts", fmt::format("too many sign-in attempts from this address; retry in {} s", wait));
    throw e;
  }
  auto& db = org_.db();
  auto r = db.query("SELECT id, password_hash, active, failed_logins, locked_until, node_id FROM users WHERE username = ?",
                    {username});
  int64_t t = now_ms();
  if (r.empty()) {
    verify_password("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2g", password);  // same cost
    throw Error(401, "invalid_credentials", "wrong username or password");
  }
  int64_t uid = r[0].i64(0);
  if (r[0].i64(4) > t) throw Error(429, "too_many_attempts", "this account is locked for a while after repeated failures");
  if (!verify_password(r[0].str(1), password) || r[0].i64(2) == 0) {
    db.write([&](store::Tx& tx) {
      // Counted in the database, atomically: parallel attempts cannot each see a stale count.
      auto f = tx.query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins", {uid});
      int failures = f.empty() ? 1 : static_cast<int>(f[0].i64(0));
      if (failures >= opts_.max_failures)
        tx.exec("UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?", {t + opts_.lock_ms, uid});
      audit::record(tx, {uid, username, ip}, {"auth.login_failed", "user", uid, r[0].i64(5), "", "", "", ""});
    });
    throw Error(401, "invalid_credentials", "wrong username or password");
  }
  LoginResult res;
  res.token = random_token();
  std::string csrf = random_token(24);
  int64_t sid = new_id();
  db.write([&](store::Tx& tx) {
    tx.exec("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?", {uid});
    tx.exec("INSERT INTO sessions(id, token_hash, user_id, csrf, ip, user_agent, created_at, last_seen, revoked) "
            "VALUES (?,?,?,?,?,?,?,?,0)",
            {sid, audit::sha256_hex(res.token), uid, csrf, ip, utf8_prefix(user_agent, 200), t, t});
    audit::record(tx, {uid, username, ip}, {"auth.login", "session", sid, r[0].i64(5), "", "", "", ""});
  });
  res.principal = *principal_for_token(res.token);
  return res;
}

void Auth::logout(const http::Principal& p) {
  org_.db().write([&](store::Tx& tx) {
    tx.exec("UPDATE sessions SET revoked = 1 WHERE id = ?", {p.session_id});
    // Filed under the user's home node, like the sign-in, so the audit page can show it.
    auto home = store::scalar_i64(tx.query("SELECT node_id FROM users WHERE id = ?", {p.user_id})).value_or(0);
    audit::record(tx, {p.user_id, p.username, ""}, {"auth.logout", "session", p.session_id, home, "", "", "", ""});
  });
}

std::string Auth::session_cookie(const std::string& token) const {
  return fmt::format("manyi_session={}; Path=/; HttpOnly; SameSite=Strict{}", token, opts_.secure_cookie ? "; Secure" : "");
}
std::string Auth::clear_cookie() const {
  return "manyi_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

std::optional<http::Principal> Auth::principal_for_token(const std::string& token) {
  if (token.empty() || token.size() > 128) return std::nullopt;
  auto& db = org_.db();
  auto r = db.query(
      "SELECT s.id, s.csrf, s.created_at, s.last_seen, u.id, u.username, u.display_name, u.staff_id, "
      "u.must_change_password FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.token_hash = ? AND s.revoked = 0 AND u.active = 1",
      {audit::sha256_hex(token)});
  if (r.empty()) return std::nullopt;
  int64_t t = now_ms();
  auto& row = r[0];
  if (t - row.i64(3) > opts_.idle_timeout_ms || t - row.i64(2) > opts_.absolute_timeout_ms) return std::nullopt;
  http::Principal p;
  p.session_id = row.i64(0);
  p.csrf = row.str(1);
  p.user_id = row.i64(4);
  p.username = row.str(5);
  p.display_name = row.str(6);
  p.staff_id = row.i64(7);
  p.must_change_password = row.i64(8) != 0;
  for (auto& g : org_.grants_of(p.user_id)) p.grants.push_back({g.id, g.role, g.node_id, g.node_path, g.node_name});
  if (t - row.i64(3) > 60 * 1000) {  // touch at most once a minute
    db.write([&](store::Tx& tx) { tx.exec("UPDATE sessions SET last_seen = ? WHERE id = ?", {t, p.session_id}); });
  }
  return p;
}

std::optional<http::Principal> Auth::authenticate(const http::Request& req) {
  return principal_for_token(req.cookie("manyi_session"));
}

bool Auth::role_has(const std::string& role, const std::string& perm) const { return org::role_has(role, perm); }

std::optional<std::string> Auth::node_path(int64_t node_id) {
  auto r = org_.db().query("SELECT path FROM org_nodes WHERE id = ?", {node_id});
  if (r.empty()) return std::nullopt;
  return r[0].str(0);
}

}  // namespace manyi::org
