// Response security for every answer: CSP, framing and referrer headers, and — when the
// platform is reached over HTTPS — HSTS and the Secure cookie flag. HTTPS means: --public-url
// (MANYI_PUBLIC_URL) starts with https://, or a --trusted-proxy forwarded the request with
// X-Forwarded-Proto: https (manyi itself speaks plain HTTP behind the proxy).
#pragma once
#include "http/http.hpp"

namespace manyi {

struct Config;
class App;

bool request_is_https(const Config& cfg, const http::Request& req);
// Installs the headers above on app.router (called once by App).
void install_security_headers(App& app);

}  // namespace manyi
