#include "http/csp.hpp"

#include <sodium.h>

namespace manyi::http {

std::string csp_policy(const std::string& nonce) {
  return "default-src 'self'; script-src " + (nonce.empty() ? std::string("'self'") : "'nonce-" + nonce + "'") +
         "; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
         "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
}

std::string add_script_nonce(std::string& html) {
  unsigned char raw[16];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
  std::string nonce(b64);
  const std::string tag = "<script", with = "<script nonce=\"" + nonce + "\"";
  for (size_t pos = html.find(tag); pos != std::string::npos; pos = html.find(tag, pos + with.size()))
    html.replace(pos, tag.size(), with);
  return nonce;
}

}  // namespace manyi::http
