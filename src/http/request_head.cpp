#include "http/request_head.hpp"

#include <arpa/inet.h>

#include <atomic>
#include <cctype>
#include <random>

#include <fmt/format.h>
#include <cstdlib>
#include <cstring>

namespace manyi::http {

Cidr parse_cidr(const std::string& cidr) {
  Cidr c;
  auto slash = cidr.find('/');
  std::string net = cidr.substr(0, slash);
  int fam = net.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (inet_pton(fam, net.c_str(), c.net) != 1) return c;
  int maxbits = fam == AF_INET ? 32 : 128;
  int bits = slash == std::string::npos ? maxbits : std::atoi(cidr.c_str() + slash + 1);
  if (bits < 0 || bits > maxbits) return c;
  c.family = fam;
  c.bits = bits;
  return c;
}

bool in(const Cidr& c, std::string_view addr_text) {
  if (!c.family || addr_text.size() >= INET6_ADDRSTRLEN) return false;
  char text[INET6_ADDRSTRLEN];
  std::memcpy(text, addr_text.data(), addr_text.size());
  text[addr_text.size()] = 0;
  int fam = addr_text.find(':') != std::string_view::npos ? AF_INET6 : AF_INET;
  unsigned char a[16];
  if (fam != c.family || inet_pton(fam, text, a) != 1) return false;
  for (int i = 0; i < c.bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((a[byte] >> bit) & 1) != ((c.net[byte] >> bit) & 1)) return false;
  }
  return true;
}

bool in_cidr(const std::string& addr, const std::string& cidr) { return in(parse_cidr(cidr), addr); }

Request request_head(const boost::beast::http::request_header<>& hdr) {
  Request req;
  req.method = std::string(hdr.method_string());
  std::string target(hdr.target());
  auto qpos = target.find('?');
  req.path = url_decode(target.substr(0, qpos), false);
  if (qpos != std::string::npos) {
    req.query_string = target.substr(qpos + 1);
    req.query = parse_query(req.query_string);
  }
  for (auto& f : hdr) {
    std::string name(f.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    req.headers[name] = std::string(f.value());
  }
  return req;
}

namespace {
bool is_address(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  unsigned char a[16];
  return inet_pton(text.find(':') != std::string_view::npos ? AF_INET6 : AF_INET, buf, a) == 1;
}
}  // namespace

bool trusted(const std::vector<Cidr>& proxies, std::string_view ip) {
  for (auto& c : proxies)
    if (in(c, ip)) return true;
  return false;
}

std::string forwarded_client(const std::string& peer, const boost::beast::http::request_header<>& hdr,
                             const std::vector<Cidr>& proxies) {
  std::string ip = peer;
  if (!trusted(proxies, ip)) return ip;
  auto it = hdr.find("X-Forwarded-For");
  if (it == hdr.end()) return ip;
  // The right-most address not itself a trusted proxy is the client.
  std::string_view v(it->value().data(), it->value().size());
  size_t end = v.size();
  for (;;) {
    size_t comma = end == 0 ? std::string_view::npos : v.rfind(',', end - 1);
    size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
    std::string_view hop = v.substr(begin, end - begin);
    while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
    while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
    if (!hop.empty()) {
      // Not an address (a proxy passing on what a client made up): the walk ends at the last
      // address known, which is stored and rate-limited as the client's.
      if (!is_address(hop)) break;
      ip = std::string(hop);
      if (!trusted(proxies, hop)) break;
    }
    if (comma == std::string_view::npos) break;
    end = comma;
  }
  return ip;
}

std::string request_id_for(const std::string& peer, const boost::beast::http::request_header<>& hdr,
                           const std::vector<Cidr>& proxies) {
  if (trusted(proxies, peer)) {
    auto it = hdr.find("X-Request-Id");
    if (it != hdr.end()) {
      std::string_view v(it->value().data(), it->value().size());
      bool ok = !v.empty() && v.size() <= 64;
      for (char c : v) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
      if (ok) return std::string(v);
    }
  }
  static const std::string prefix = fmt::format("{:08x}", std::random_device{}());
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}-{:x}", prefix, counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace manyi::http
