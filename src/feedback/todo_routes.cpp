// GET /api/v1/me/todo: what the console's home page shows each signed-in user as their work —
// the case inbox queues (我的, 临期, 逾期, 督办), suspect ratings waiting for review, follow-up
// calls due today (今日应访) and overdue (逾期未访) — each counted by the same function, with the same filter, as the list
// the home page links to (cases::queue_sql via CaseService::inbox_counts, review_count,
// FollowupService::count), so a count always equals the length of its list. A part the caller
// has no permission for is null. A user bound to a staff record (医务人员) also gets this
// month's ratings of their own collection points and of their department.
#include <fmt/format.h>

#include "app/respond.hpp"
#include "cases/service.hpp"
#include "core/clock.hpp"
#include "feedback/routes.hpp"
#include "core/period.hpp"

namespace manyi::feedback {

namespace {

json figure_json(const metrics::Figure& f) {
  return {{"n", f.n}, {"satisfied", f.satisfied}, {"rate", f.n ? json(f.rate) : json(nullptr)}};
}

// This month's valid ratings of the staff member's own points (ratings.staff_id): read from
// the month's id range of the raw table (ids are time-ordered), no index on staff_id needed.
metrics::Figure staff_month(FeedbackService& svc, int64_t staff_id, int64_t month_start_ms) {
  metrics::Figure f;
  for (auto& r : svc.db().query("SELECT template_id, overall, COUNT(*) FROM ratings WHERE id >= ? AND staff_id = ? "
                                "AND status = 'valid' GROUP BY template_id, overall",
                                {id_floor(month_start_ms), staff_id})) {
    int level = static_cast<int>(r.i64(1));
    f.n += r.i64(2);
    if (level >= svc.satisfied_min(r.i64(0))) f.satisfied += r.i64(2);
  }
  f.rate = f.n ? static_cast<double>(f.satisfied) / f.n : 0;
  return f;
}

}  // namespace

void register_todo_routes(App& app, const Services& s) {
  auto svc = s.svc;
  auto fu = s.followups;
  app.router->add("GET", "/api/v1/me/todo", "login", [&app, svc, fu](http::Ctx& c) {
    json out = {{"cases", nullptr}, {"reviews", nullptr}, {"followups", nullptr}, {"staff", nullptr}};
    if (c.can("case.read") && app.cases) {
      auto n = app.cases->inbox_counts(c.scope_paths("case.read"), c.scope_paths("case.sensitive"), "", c.me().user_id);
      out["cases"] = {{"mine", n.mine}, {"due_soon", n.due_soon}, {"overdue", n.overdue}, {"supervised", n.supervised}};
    }
    if (c.can("rating.review"))
      out["reviews"] = {{"pending", svc->review_count(c.scope_paths("rating.review"), "", "pending")}};
    int today = period::local_day(now_ms());
    if (c.can("followup.handle")) {
      TaskFilter f;
      f.scope = c.scope_paths("followup.handle");
      f.due = "today";
      int64_t due_today = fu->count(f);
      f.due = "overdue";
      out["followups"] = {{"due_today", due_today}, {"overdue", fu->count(f)}};
    }
    if (c.me().staff_id) {
      if (auto st = svc->org().staff(c.me().staff_id)) {
        int first = today / 100 * 100 + 1;
        metrics::Query q;
        q.period = {first, today, ""};
        json dept = nullptr;
        if (auto node = svc->org().node(st->node_id)) {
          q.node_path = node->path;
          if (metrics::tree_kind(node->kind)) q.tree_node = node->id;
          dept = figure_json(svc->figures().overall(q));
        }
        out["staff"] = {{"name", st->name},
                        {"node_name", st->node_name},
                        {"month", fmt::format("{:04d}-{:02d}", first / 10000, first / 100 % 100)},
                        {"own", figure_json(staff_month(*svc, st->id, period::day_start_ms(first)))},
                        {"department", dept}};
      }
    }
    return json_response(out);
  });
}

}  // namespace manyi::feedback
