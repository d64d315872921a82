#include "core/calendar_import.hpp"

#include <cstdlib>

#include "core/error.hpp"
#include "core/json.hpp"

namespace manyi::calendar {

Import parse_import(const std::string& json_text) {
  auto doc = jv::parse_object(json_text);
  if (!doc.contains("years") || !doc["years"].is_object() || doc["years"].empty())
    throw invalid("years", "years must be an object of year → {holidays, workdays}");
  Import out;
  for (auto& item : doc["years"].items()) {
    const std::string ytext = item.key();  // a copy: the lambda below captures it
    auto& y = item.value();
    int year = std::atoi(ytext.c_str());
    if (std::to_string(year) != ytext || year < 2000 || year > 2100) throw invalid("years", "bad year: " + ytext);
    if (!y.is_object()) throw invalid("years." + ytext, "must be an object");
    out.years.insert(year);
    auto in_year = [&](const std::string& field, const std::string& s) {
      auto d = parse_date(s);
      if (!d || year_of(*d) != year) throw invalid(field, "not a date of " + ytext + ": " + s);
      return *d;
    };
    std::string hf = "years." + ytext + ".holidays";
    if (y.contains("holidays")) {
      if (!y["holidays"].is_array()) throw invalid(hf, "must be a list");
      for (auto& h : y["holidays"]) {
        if (!h.is_object()) throw invalid(hf, "each holiday is {name, from, to}");
        auto name = jv::req_str(h, "name", 50);
        auto from = in_year(hf, jv::req_str(h, "from", 10));
        auto to = in_year(hf, jv::req_str(h, "to", 10));
        if (to < from || to - from > 15) throw invalid(hf, "holiday " + name + " has a bad date range");
        for (auto d = from; d <= to; ++d) out.days.push_back({year, d, false, name});
      }
    }
    std::string wf = "years." + ytext + ".workdays";
    if (y.contains("workdays")) {
      if (!y["workdays"].is_array()) throw invalid(wf, "must be a list of dates");
      for (auto& w : y["workdays"]) {
        if (!w.is_string()) throw invalid(wf, "must be a list of dates");
        out.days.push_back({year, in_year(wf, w.get<std::string>()), true, "调休上班"});
      }
    }
  }
  std::set<Day> seen;
  for (auto& d : out.days)
    if (!seen.insert(d.day).second) throw invalid("years", "date listed twice: " + format_date(d.day));
  return out;
}

}  // namespace manyi::calendar
