// Receipts: the public rater's handle on their own rating. The 201 answer to a public rating
// carries "<rating id>.<MAC>" (BLAKE2b under the ticket key, its own domain "receipt."), and
// GET /api/v1/public/receipts/{receipt} answers the 查询码 of the rating's bad-review case once
// the case opener has opened it. Only the holder of the receipt learns the code: the MAC cannot
// be forged for another rating id, so codes cannot be enumerated through it.
#include <sodium.h>

#include <algorithm>

#include "core/id.hpp"
#include "feedback/service.hpp"

namespace manyi::feedback {

namespace {
std::string receipt_mac(const std::string& key, int64_t rating_id) {
  std::string msg = "receipt." + std::to_string(rating_id);
  unsigned char mac[16];
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), std::min<size_t>(key.size(), 64));
  std::string out(sizeof mac * 2, '0');
  sodium_bin2hex(out.data(), out.size() + 1, mac, sizeof mac);
  return out;
}
}  // namespace

std::string FeedbackService::receipt(int64_t rating_id) {
  return std::to_string(rating_id) + "." + receipt_mac(ticket_key(), rating_id);
}

std::optional<ReceiptCase> FeedbackService::receipt_case(const std::string& receipt) {
  auto dot = receipt.find('.');
  if (receipt.size() > 64 || dot == std::string::npos) return std::nullopt;
  int64_t id = parse_id(receipt.substr(0, dot));
  if (id <= 0) return std::nullopt;
  std::string want = receipt_mac(ticket_key(), id);
  std::string got = receipt.substr(dot + 1);
  if (got.size() != want.size() || sodium_memcmp(got.data(), want.data(), want.size()) != 0) return std::nullopt;
  auto r = db_.query(
      "SELECT r.status, r.overall, r.phone_mask, r.case_pending, c.tracking_code FROM ratings r "
      "LEFT JOIN cases c ON c.id = r.case_id WHERE r.id = ?",
      {id});
  if (r.empty()) return std::nullopt;
  ReceiptCase out;
  // Only a valid bad review with a phone number left gives a 查询码 (tracking asks for the
  // number's last four digits); a suspect rating opens its case only if a reviewer accepts it.
  bool eligible = r[0].str(0) == "valid" && r[0].i64(1) <= 2 && !r[0].str(2).empty();
  if (!eligible) out.state = "none";
  else if (!r[0].null(4)) {
    out.state = "ready";
    out.tracking_code = r[0].str(4);
  } else out.state = r[0].i64(3) ? "pending" : "none";
  return out;
}

}  // namespace manyi::feedback
