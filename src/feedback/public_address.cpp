#include "feedback/public_address.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "org/reads.hpp"

namespace manyi::feedback {
namespace {

const char* kKey = "feedback.public_url";

// The host of http(s)://host[:port]/…, lower-case, without brackets for IPv6.
std::string host_of(const std::string& url) {
  auto at = url.find("://");
  std::string rest = at == std::string::npos ? url : url.substr(at + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto u = rest.rfind('@'); u != std::string::npos) rest = rest.substr(u + 1);
  std::string host;
  if (!rest.empty() && rest[0] == '[') host = rest.substr(1, rest.find(']') - 1);
  else host = rest.substr(0, rest.find(':'));
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  return host;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Dotted IPv4 into four numbers; false when not one.
bool ipv4(const std::string& h, int o[4]) {
  int n = std::sscanf(h.c_str(), "%d.%d.%d.%d", &o[0], &o[1], &o[2], &o[3]);
  if (n != 4) return false;
  for (int i = 0; i < 4; ++i)
    if (o[i] < 0 || o[i] > 255) return false;
  return std::all_of(h.begin(), h.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

}  // namespace

bool private_address(const std::string& url) {
  std::string h = host_of(url);
  if (h.empty() || h == "localhost" || ends_with(h, ".localhost") || ends_with(h, ".local") || ends_with(h, ".lan") ||
      ends_with(h, ".internal") || ends_with(h, ".intranet") || ends_with(h, ".home.arpa"))
    return true;
  int o[4];
  if (ipv4(h, o))
    return o[0] == 127 || o[0] == 10 || o[0] == 0 || (o[0] == 172 && o[1] >= 16 && o[1] <= 31) ||
           (o[0] == 192 && o[1] == 168) || (o[0] == 169 && o[1] == 254) || (o[0] == 100 && o[1] >= 64 && o[1] <= 127);
  if (h.find(':') != std::string::npos)  // IPv6: loopback, unique-local fc00::/7, link-local fe80::/10
    return h == "::1" || h == "::" || h.rfind("fc", 0) == 0 || h.rfind("fd", 0) == 0 || h.rfind("fe8", 0) == 0 ||
           h.rfind("fe9", 0) == 0 || h.rfind("fea", 0) == 0 || h.rfind("feb", 0) == 0;
  return h.find('.') == std::string::npos;  // a single-label name resolves only inside a network
}

std::string normalise_public_url(const std::string& in) {
  std::string u = in;
  while (!u.empty() && std::isspace(static_cast<unsigned char>(u.back()))) u.pop_back();
  u.erase(0, std::min(u.size(), u.find_first_not_of(" \t")));
  while (!u.empty() && u.back() == '/') u.pop_back();
  bool scheme = u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
  bool chars = std::all_of(u.begin(), u.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view(".-_:/[]~%").find(c) != std::string_view::npos;
  });
  if (!scheme || !chars || u.size() > 200 || host_of(u).empty())
    throw invalid("url", "the public address must be http(s)://host[:port][/path], without query");
  return u;
}

std::string stored_public_url(store::Db& db) {
  auto r = db.query("SELECT value FROM settings WHERE key = ?", {std::string(kKey)});
  return r.empty() ? "" : r[0].str(0);
}

void set_public_url(store::Db& db, const audit::Actor& who, const std::string& url) {
  std::string before = stored_public_url(db);
  auto root = org::root(db);
  int64_t root_id = root ? root->id : 0;
  std::string root_path = root ? root->path.str() : "";
  db.write([&](store::Tx& tx) {
    if (url.empty()) tx.exec("DELETE FROM settings WHERE key = ?", {std::string(kKey)});
    else
      tx.exec("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
              "value = excluded.value, updated_at = excluded.updated_at",
              {std::string(kKey), url, now_ms()});
    audit::record(tx, who, {"settings.public_url", "setting", 0, root_id, root_path, before, url,
                            url.empty() ? "清除二维码公网地址" : "二维码公网地址设为 " + url});
  });
}

PublicAddress resolve_public_address(store::Db& db, const std::string& configured, const http::Request& req) {
  PublicAddress a;
  a.stored = stored_public_url(db);
  if (!configured.empty()) {
    a.url = configured;
    a.source = "config";
  } else if (!a.stored.empty()) {
    a.url = a.stored;
    a.source = "setting";
  } else {
    std::string host = req.header("host");
    bool ok = !host.empty() && host.size() < 200 && std::all_of(host.begin(), host.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' || c == '[' || c == ']';
              });
    a.url = "http://" + (ok ? host : std::string("127.0.0.1:8080"));
    a.source = "request";
    a.warning = "not_set";
    return a;
  }
  if (private_address(a.url)) a.warning = "private";
  return a;
}

}  // namespace manyi::feedback
