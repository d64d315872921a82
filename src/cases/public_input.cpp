#include "cases/public_input.hpp"

#include <cctype>

#include "cases/model.hpp"
#include "cases/pii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"

namespace manyi::cases {

const std::vector<std::string>& public_types() {
  static const std::vector<std::string> t = {"complaint", "suggestion", "praise", "consultation", "report"};
  return t;
}

namespace {
std::string opt_text(const json& j, const char* field, size_t max) { return jv::opt_str(j, field, max).value_or(""); }
}  // namespace

PublicCase parse_public_case(const std::string& body) {
  auto j = jv::parse_object(body);
  PublicCase p;
  auto& in = p.in;
  in.type = jv::req_enum(j, "type", public_types());
  in.channel = jv::opt_enum(j, "channel", {"web", "mobile"}).value_or("web");
  p.unit = jv::opt_str(j, "unit", 64);
  p.point = jv::opt_str(j, "point", 64);
  if (!p.unit && !p.point) {
    if (!j.contains("node_id")) throw invalid("unit", "unit is required: the code of the institution concerned");
    p.node_id = jv::req_id(j, "node_id");
  }
  in.content = jv::req_str(j, "content", 6000);
  in.category = opt_text(j, "category", 32);
  in.complainant_name = opt_text(j, "name", 200);
  // The phone is required: it is how the 查询码 is checked and the callback made.
  in.complainant_phone = pii::normalise_phone(jv::req_str(j, "phone", 40), "phone");
  return p;
}

PublicCallback parse_public_callback(const std::string& body, const std::string& query_last4) {
  auto j = jv::parse_object(body);
  PublicCallback cb;
  cb.result = jv::req_enum(j, "result", codes(callback_results()));
  cb.comment = opt_text(j, "comment", 2000);
  cb.phone_last4 = jv::opt_str(j, "phone_last4", 4).value_or(query_last4);
  return cb;
}

std::string normalise_tracking_code(const std::string& code) {
  std::string out;
  for (char ch : code) {
    if (ch == '-' || ch == ' ') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace manyi::cases
