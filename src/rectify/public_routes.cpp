// The public list of a unit's disclosed rectification items (整改公示): no login, the
// public_read rate limit; only items marked public, without names or phone numbers.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "rectify/routes.hpp"

namespace manyi::rectify {

void register_public_routes(App& app, RectifyService& svc) {
  app.router
      ->add("GET", "/api/v1/public/rectifications", "public",
            [&svc](http::Ctx& c) {
              auto code = c.req.q("unit").value_or("");
              if (code.empty()) throw invalid("unit", "unit is required (the unit's code)");
              if (code.size() > 64 || !jv::valid_text(code)) throw invalid("unit", "unit is a unit's code");
              auto found = svc.public_items(code);
              if (!found) throw not_found("unit");
              json items = json::array();
              for (auto& it : found->second)
                items.push_back({{"problem", it.problem},
                                 {"measures", it.measures},
                                 {"deadline", calendar::format_date(calendar::day_of(it.deadline_at))},
                                 {"status", it.status},
                                 {"closed_at", it.closed_at ? json(*it.closed_at) : json(nullptr)}});
              auto res = json_response({{"unit", {{"name", found->first}}}, {"items", items}});
              res.header("Cache-Control", "public, max-age=60");
              return res;
            })
      .limit_class = "public_read";
}

}  // namespace manyi::rectify
