// JSON bodies of the public endpoints, each turned into its input struct exactly as the route
// does before touching the database: a rating (POST /api/v1/public/ratings, against a shipped
// survey), a complaint (POST /api/v1/public/cases), a reply rating (POST
// /api/v1/public/cases/{code}/callback) and the 查询码 of a tracking lookup. Every body goes
// to every parser.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "cases/public_input.hpp"
#include "core/json.hpp"
#include "feedback/public_input.hpp"
#include "forms/json.hpp"
#include "fuzz_util.hpp"

using namespace manyi;

namespace {
forms::Definition& survey() {
  static forms::Definition def = [] {
    std::ifstream in(MANYI_SOURCE_DIR "/templates/surveys/outpatient.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return forms::parse_definition_text(ss.str());
  }();
  return def;
}

// A JSON type error is answered 400 bad_request by the router: allowed, like a 4xx Error.
template <class F>
void body(F&& f) {
  fuzz::expect_clean([&] {
    try {
      f();
    } catch (const nlohmann::json::exception&) {
    }
  });
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto& def = survey();
  body([&] {
    auto j = jv::parse_object(text);
    (void)jv::req_str(j, "point", 20);
    auto r = feedback::parse_public_rating(j, def);
    if (r.overall < 1 || r.overall > 5) std::abort();
  });
  body([&] {
    auto p = cases::parse_public_case(text);
    if (p.in.complainant_phone.empty() || p.in.content.empty()) std::abort();
  });
  body([&] { (void)cases::parse_public_callback(text, "1234"); });
  (void)cases::normalise_tracking_code(text);
  return 0;
}
