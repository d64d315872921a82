// The public address printed in QR codes and on posters (公网访问地址). MANYI_PUBLIC_URL /
// --public-url override it; otherwise the bureau admin sets it once in the console (stored in
// settings 'feedback.public_url'). When neither is set the console's own Host header is used
// and every answer that carries a QR link says so (warn), as it does for an address that
// phones outside the hospital network cannot reach (localhost, 127.x, 10.x, 192.168.x, …).
#pragma once
#include <string>

#include "audit/audit.hpp"
#include "http/http.hpp"
#include "store/db.hpp"

namespace manyi::feedback {

struct PublicAddress {
  std::string url;     // base without a trailing slash, e.g. https://manyi.example.gov.cn
  std::string source;  // config (MANYI_PUBLIC_URL / --public-url) | setting | request (Host header)
  std::string stored;  // the bureau's setting ("" when none)
  std::string warning; // "" | not_set (from the Host header) | private (unreachable from phones)
};

// True when the URL's host is a loopback, link-local, private-network or single-label name.
bool private_address(const std::string& url);
// "https://host[:port][/path]" with trailing slashes removed; throws 422 (field url) otherwise.
std::string normalise_public_url(const std::string& url);
std::string stored_public_url(store::Db& db);
// Stores (or with "" removes) the bureau's public address, audited.
void set_public_url(store::Db& db, const audit::Actor& who, const std::string& url);
PublicAddress resolve_public_address(store::Db& db, const std::string& configured, const http::Request& req);

}  // namespace manyi::feedback
