// Error: the one exception type the domain throws. It carries an HTTP status, a snake_case
// code, a human message and optionally the offending field, and renders as
// {"error":{"code","message","field"}} at the HTTP edge.
#pragma once
#include <stdexcept>
#include <string>

namespace manyi {

class Error : public std::runtime_error {
 public:
  Error(int status, std::string code, std::string message, std::string field = {})
      : std::runtime_error(message), status_(status), code_(std::move(code)), field_(std::move(field)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }
  // Seconds for the Retry-After header of a 429 or 503 (0 = none given; the router sends 1).
  int retry_after() const { return retry_after_; }
  Error& retry_after(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  int retry_after_ = 0;
  int status_;
  std::string code_;
  std::string field_;
};

inline Error bad_request(std::string code, std::string message, std::string field = {}) {
  return Error(400, std::move(code), std::move(message), std::move(field));
}
inline Error invalid(std::string field, std::string message) {
  return Error(422, "invalid_field", std::move(message), std::move(field));
}
inline Error not_found(std::string what = "resource") {
  return Error(404, "not_found", what + " not found");
}
inline Error forbidden(std::string message = "permission denied") {
  return Error(403, "forbidden", std::move(message));
}
inline Error conflict(std::string code, std::string message, std::string field = {}) {
  return Error(409, std::move(code), std::move(message), std::move(field));
}

}  // namespace manyi
