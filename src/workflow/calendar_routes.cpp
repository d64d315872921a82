// HTTP for the working-day calendar (工作日): the year's holidays and make-up workdays, setting
// one day, importing a year's file, and the deadline N working days after a date.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "workflow/calendar_store.hpp"

namespace manyi {

void register_calendar_routes(App& app) {
  auto& r = *app.router;
  r.add("GET", "/api/v1/calendar", "login", [&](http::Ctx& c) {
    int year = calendar::year_of(calendar::day_of(now_ms()));
    if (auto y = c.req.q("year")) {
      year = std::atoi(y->c_str());
      if (std::to_string(year) != *y || year < 2000 || year > 2100) throw invalid("year", "year is 2000 to 2100");
    }
    auto cal = workflow::load_calendar(*app.db);
    auto first = calendar::make_day(year, 1, 1), last = calendar::make_day(year, 12, 31);
    json days = json::array();
    for (auto& [d, o] : cal.overrides())
      if (d >= first && d <= last)
        days.push_back({{"date", calendar::format_date(d)}, {"workday", o.workday}, {"name", o.name}});
    return json_response(
        {{"year", year}, {"days", days}, {"has_data", !days.empty()}, {"workdays", cal.count_workdays(first, last)}});
  });
  r.add("PUT", "/api/v1/calendar/days/{date}", "calendar.write", [&](http::Ctx& c) {
    auto d = calendar::parse_date(c.param("date"));
    if (!d) throw invalid("date", "date must be YYYY-MM-DD");
    auto j = jv::parse_object(c.req.body);
    std::optional<bool> workday;
    if (j.contains("workday") && !j["workday"].is_null()) workday = jv::opt_bool(j, "workday");
    auto name = jv::opt_str(j, "name", 200).value_or("");
    workflow::set_calendar_day(*app.db, actor_of(c), *d, workday, name);
    auto cal = workflow::load_calendar(*app.db);
    return json_response({{"date", calendar::format_date(*d)},
                          {"workday", cal.is_workday(*d)},
                          {"exception", workday.has_value()},
                          {"name", workday ? name : ""}});
  });
  r.add("POST", "/api/v1/calendar/import", "calendar.write", [&](http::Ctx& c) {
     int n = workflow::import_calendar(*app.db, actor_of(c), c.req.body);
     return json_response({{"days", n}});
   }).max_body = 256 * 1024;
  r.add("GET", "/api/v1/calendar/deadline", "login", [&](http::Ctx& c) {
    int64_t from = date_query(c.req, "from", now_ms());
    auto dv = c.req.q("days").value_or("5");
    int days = std::atoi(dv.c_str());
    if (std::to_string(days) != dv || days < 0 || days > 120) throw invalid("days", "days is 0 to 120");
    auto cal = workflow::load_calendar(*app.db);
    int64_t deadline = cal.deadline_after(from, days);
    return json_response({{"from", calendar::format_date(calendar::day_of(from))},
                          {"days", days},
                          {"deadline", calendar::format_date(calendar::day_of(deadline))},
                          {"deadline_at", deadline}});
  });
}

}  // namespace manyi
