// What the server makes of a request's line and headers before routing: the Request (method,
// decoded path, query, lower-case headers) and the client address (X-Forwarded-For honoured only
// through trusted proxies). Outside input, parsed by Beast first; fuzz/http_request_fuzz.cpp
// runs Beast's parser, this and Router::admit on raw bytes. Beast stays inside src/http.
#pragma once
#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "http/http.hpp"

namespace manyi::http {

// A network ("10.0.0.0/8", "::1/128", a bare address); family 0 when unparsable (matches nothing).
struct Cidr {
  int family = 0;
  unsigned char net[16] = {};
  int bits = 0;
};
Cidr parse_cidr(const std::string& cidr);
bool in(const Cidr& c, std::string_view addr_text);
// True when ip lies in one of the trusted proxies' networks.
bool trusted(const std::vector<Cidr>& proxies, std::string_view ip);

// The request line and headers as a Request (no body, no remote_ip).
Request request_head(const boost::beast::http::request_header<>& hdr);
// The client behind the proxies: peer when it is not a trusted proxy or there is no
// X-Forwarded-For, else the right-most hop of xff that is not itself a trusted proxy (a hop that
// is not an IP address ends the walk at the last address before it).
std::string forwarded_client(const std::string& peer, const boost::beast::http::request_header<>& hdr,
                             const std::vector<Cidr>& proxies);

// The id that names the request in the logs and in X-Request-Id: a trusted proxy's own
// X-Request-Id when it is 1–64 of A–Z a–z 0–9 - _ ., else this process's random prefix and a
// counter (unique, cheap).
std::string request_id_for(const std::string& peer, const boost::beast::http::request_header<>& hdr,
                           const std::vector<Cidr>& proxies);

}  // namespace manyi::http
