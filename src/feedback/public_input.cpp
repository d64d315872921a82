#include "feedback/public_input.hpp"

#include <algorithm>
#include <cctype>

#include "cases/pii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"

namespace manyi::feedback {

bool valid_device(const std::string& d) {
  if (d.size() < 8 || d.size() > 64) return false;
  return std::all_of(d.begin(), d.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; });
}

NewRating parse_rating(const json& j, const forms::Definition& def) {
  NewRating r;
  r.overall = static_cast<int>(jv::req_int(j, "overall", 1, 5));
  if (auto a = j.find("answers"); a != j.end()) r.answers = forms::parse_answers(def, *a);
  r.comment = jv::opt_str(j, "comment", 500).value_or("");
  while (!r.comment.empty() && std::isspace(static_cast<unsigned char>(r.comment.back()))) r.comment.pop_back();
  r.comment.erase(0, std::min(r.comment.size(), r.comment.find_first_not_of(" \t\r\n")));
  r.phone = jv::opt_str(j, "phone", 30).value_or("");
  if (!r.phone.empty()) r.phone = cases::pii::normalise_phone(r.phone, "phone");
  return r;
}

NewRating parse_public_rating(const json& j, const forms::Definition& def) {
  NewRating nr = parse_rating(j, def);
  nr.device = jv::opt_str(j, "device", 64).value_or("");
  if (!nr.device.empty() && !valid_device(nr.device))
    throw invalid("device", "device must be 8–64 letters, digits, '-' or '_'");
  nr.elapsed_ms = jv::opt_int(j, "elapsed_ms", 0, 7LL * 86400000);
  nr.ticket = jv::opt_str(j, "ticket", 64).value_or("");
  nr.channel = jv::opt_enum(j, "channel", kPublicChannels).value_or("qr");
  return nr;
}

}  // namespace manyi::feedback
