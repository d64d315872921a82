// Plain HTTP request/response types shared by the router and every domain's routes.cpp.
// Boost.Beast stays inside server.cpp; nothing here pulls it in.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace manyi::http {

struct Principal;
struct Route;

struct Request {
  std::string method;       // "GET", "POST", …
  std::string path;         // decoded path without the query string
  std::string query_string;
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_ip;  // client address (X-Forwarded-For honoured only from trusted proxies)
  // Names the request in the logs and in the answer's X-Request-Id: a trusted proxy's
  // X-Request-Id when well-formed, else one the server makes. Empty for requests made in-process.
  std::string request_id;
  // What Router::admit decided from the headers before the body was read, so that dispatch does
  // not match the route, take a rate-limit token or look the session up a second time.
  struct Admission {
    const Route* route = nullptr;  // set when the route was matched (and rate-limited)
    std::map<std::string, std::string> params;
    std::shared_ptr<const Principal> user;  // set when the session was checked already
  } admitted;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::optional<std::string> q(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }
  std::string cookie(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  Response& header(std::string k, std::string v) {
    headers.emplace_back(std::move(k), std::move(v));
    return *this;
  }
  static Response no_content() {
    Response r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  static Response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
    Response r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(type);
    return r;
  }
};

// Parsing helpers shared by server and tests.
std::string url_decode(std::string_view s, bool plus_is_space = true);
std::map<std::string, std::string> parse_query(std::string_view qs);
// An error body in the documented shape.
std::string error_body(const std::string& code, const std::string& message, const std::string& field = {});

}  // namespace manyi::http
