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

namespace {
// The user's home node: where their sign-ins and session endings are filed in the audit log.
int64_t home_node(store::Tx& tx, int64_t user_id) {
  return store::scalar_i64(tx.query("SELECT node_id FROM users WHERE id = ?", {user_id})).value_or(0);
}

// The condition of a session that is still open, for `s`; binds the two cut-off times.
constexpr const char* kOpen = "s.revoked = 0 AND s.last_seen > ? AND s.created_at > ?";
}  // namespace

LoginResult Auth::login(const std::string& username, const std::string& password, const std::string& ip,
                        const std::string& user_agent, bool end_others) {
  // Unknown user, wrong password and deactivated account answer alike (401 after one password
  // check); a throttled name answers alike whether or not the account exists (429, unchecked).
  auto& db = org_.db();
  auto r = db.query("SELECT id, password_hash, active, node_id, last_login_ip FROM users WHERE username = ?",
                    {username});
  std::string key = LoginThrottle::key(username, ip, r.empty() ? std::string() : r[0].str(4));
  throttle_.check(key, ip, now_ms());
  bool ok = verify_password(r.empty() ? unknown_user_hash() : r[0].str(1), password);
  int64_t t = now_ms();
  if (r.empty() || !ok || r[0].i64(2) == 0) {
    int64_t uid = r.empty() ? 0 : r[0].i64(0);
    db.write([&](store::Tx& tx) {
      throttle_.failed(tx, username, key, ip, t);
      if (uid) audit::record(tx, {uid, username, ip}, {"auth.login_failed", "user", uid, r[0].i64(3), "", "", "", ""});
    });
    throw Error(401, "invalid_credentials", "wrong username or password");
  }
  int64_t uid = r[0].i64(0);
  LoginResult res;
  res.token = random_token();
  std::string csrf = random_token(24);
  int64_t sid = new_id();
  db.write([&](store::Tx& tx) {
    LoginThrottle::succeeded(tx, username);
    tx.exec("UPDATE users SET last_login_ip = ? WHERE id = ?", {ip, uid});
    tx.exec("INSERT INTO sessions(id, token_hash, user_id, csrf, ip, user_agent, created_at, last_seen, revoked) "
            "VALUES (?,?,?,?,?,?,?,?,0)",
            {sid, audit::sha256_hex(res.token), uid, csrf, ip, storable_text(user_agent, 200), t, t});
    audit::record(tx, {uid, username, ip}, {"auth.login", "session", sid, r[0].i64(3), "", "", "", ""});
    if (end_others) {
      int64_t n = tx.exec("UPDATE sessions SET revoked = 1 WHERE user_id = ? AND id <> ? AND revoked = 0", {uid, sid});
      if (n)
        audit::record(tx, {uid, username, ip},
                      {"auth.sessions.end_others", "session", sid, r[0].i64(3), "", "", "",
                       fmt::format("登录时结束了其他 {} 个会话", n)});
    }
    res.other_sessions = store::scalar_i64(
        tx.query(fmt::format("SELECT COUNT(*) FROM sessions s WHERE s.user_id = ? AND s.id <> ? AND {}", kOpen),
                 {uid, sid, t - opts_.idle_timeout_ms, t - opts_.absolute_timeout_ms}))
                             .value_or(0);
  });
  res.principal = *principal_for_token(res.token);
  return res;
}

std::vector<SessionInfo> Auth::sessions_of(const http::Principal& p) {
  int64_t t = now_ms();
  std::vector<SessionInfo> out;
  for (const auto& r : org_.db().query(
           fmt::format("SELECT s.id, s.ip, s.user_agent, s.created_at, s.last_seen FROM sessions s "
                       "WHERE s.user_id = ? AND {} ORDER BY s.last_seen DESC, s.id DESC LIMIT 100",
                       kOpen),
           {p.user_id, t - opts_.idle_timeout_ms, t - opts_.absolute_timeout_ms}))
    out.push_back({r.i64(0), r.str(1), r.str(2), r.i64(3), r.i64(4), r.i64(0) == p.session_id});
  return out;
}

bool Auth::end_session(const http::Principal& p, int64_t session_id, const std::string& ip) {
  bool ended = false;
  org_.db().write([&](store::Tx& tx) {
    ended = tx.exec("UPDATE sessions SET revoked = 1 WHERE id = ? AND user_id = ? AND revoked = 0",
                    {session_id, p.user_id}) > 0;
    if (!ended) return;
    auto home = home_node(tx, p.user_id);
    audit::record(tx, {p.user_id, p.username, ip},
                  {"auth.session.end", "session", session_id, home, "", "", "",
                   session_id == p.session_id ? "结束了当前会话" : "结束了另一个会话"});
  });
  return ended;
}

int64_t Auth::end_other_sessions(const http::Principal& p, const std::string& ip) {
  int64_t n = 0;
  org_.db().write([&](store::Tx& tx) {
    n = tx.exec("UPDATE sessions SET revoked = 1 WHERE user_id = ? AND id <> ? AND revoked = 0",
                {p.user_id, p.session_id});
    if (!n) return;
    auto home = home_node(tx, p.user_id);
    audit::record(tx, {p.user_id, p.username, ip},
                  {"auth.sessions.end_others", "session", p.session_id, home, "", "", "",
                   fmt::format("结束了其他 {} 个会话", n)});
  });
  return n;
}

void Auth::logout(const http::Principal& p) {
  org_.db().write([&](store::Tx& tx) {
    tx.exec("UPDATE sessions SET revoked = 1 WHERE id = ?", {p.session_id});
    // Filed under the user's home node, like the sign-in, so the audit page can show it.
    auto home = home_node(tx, p.user_id);
    audit::record(tx, {p.user_id, p.username, ""}, {"auth.logout", "session", p.session_id, home, "", "", "", ""});
  });
}

std::string Auth::session_cookie(const std::string& token, bool https) const {
  return fmt::format("manyi_session={}; Path=/; HttpOnly; SameSite=Strict{}", token,
                     https || opts_.secure_cookie ? "; Secure" : "");
}
std::string Auth::clear_cookie(bool https) const {
  return fmt::format("manyi_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
                     https || opts_.secure_cookie ? "; Secure" : "");
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
