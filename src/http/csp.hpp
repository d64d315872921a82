// Content-Security-Policy for the console, the API and the public mobile pages. The console
// (web/dist) loads only its own scripts; Element Plus sets inline styles, so styles may be
// inline. The h5 pages are single documents with an inline script (their data is inlined
// into it): each answer gets a fresh nonce on its <script> tags and a policy naming it.
#pragma once
#include <string>

namespace manyi::http {

// script-src 'self' (nonce empty) or 'nonce-<nonce>'; frame-ancestors 'none' always.
std::string csp_policy(const std::string& nonce = {});
// Adds nonce="…" to every <script of an HTML page and returns the nonce.
std::string add_script_nonce(std::string& html);

}  // namespace manyi::http
