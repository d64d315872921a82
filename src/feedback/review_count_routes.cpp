// The counts shown in the badges of the suspect-review queue of the satisfaction console
// (web/src/views/satisfaction; the follow-up list's counts are in followup_routes.cpp, with the
// list's own filter). Read-only, scoped to the caller's grants like the list they summarise.
// Also the queue grouped by episode (事件: one burst, e.g. one Wi-Fi farm) and the decision of
// a whole episode in one action (reviews.cpp).
#include <string>

#include "app/respond.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/routes.hpp"
#include "store/subtree.hpp"

namespace manyi::feedback {
namespace {

// The subtree filter of a list: the caller's scope for perm, narrowed to ?node= when given.
std::string scoped_where(http::Ctx& c, const std::string& perm, store::Params& p) {
  std::string where = "(" + store::subtree_condition("n.path", c.scope_paths(perm), p) + ")";
  if (auto path = c.node_filter({perm.c_str()}); !path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.emplace_back(path);
    p.emplace_back(store::subtree_upper(path));
  }
  return where;
}

// The rule of an episode in words, as the console's catalogue names the flag (sat.flag.*; the
// console shows its own text, this is for other API readers).
const char* rule_label(const std::string& rule) {
  if (rule == "wifi_farm") return "同一网络集中评价同一评价点";
  if (rule == "device_burst") return "同一设备集中好评";
  if (rule == "phone_reuse") return "同一手机号多处好评";
  if (rule == "net_burst") return "同一网络集中好评";
  if (rule == "dup_refusals") return "同一设备反复重复提交";
  return "";
}

}  // namespace

void register_review_count_routes(App& app, const Services& s) {
  auto& r = *app.router;
  store::Db* db = app.db.get();
  auto svc = s.svc;

  // The review queue by episode: one row per burst, newest first (?state=pending|all, ?node=,
  // cursor paging on the episode id). Its ratings: GET /api/v1/ratings/reviews?episode=ID.
  r.add("GET", "/api/v1/ratings/review-episodes", "rating.review", [svc](http::Ctx& c) {
    std::string node_path = c.node_filter({"rating.review"});
    std::string state = c.req.q("state").value_or("pending");
    if (state == "all") state.clear();
    else if (state != "pending") throw invalid("state", "state must be pending or all");
    int limit = page_limit(c.req, 20);
    auto rows = svc->review_episodes(c.scope_paths("rating.review"), node_path, state, page_cursor(c.req), limit + 1);
    int64_t next = 0;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    json items = json::array();
    for (auto& x : rows)
      items.push_back({{"id", id_str(x.id)}, {"rule", x.rule}, {"rule_label", rule_label(x.rule)},
                       {"first_at", x.first_at}, {"last_at", x.last_at}, {"from", fmt_time(x.first_at)},
                       {"to", fmt_time(x.last_at)}, {"n", x.n}, {"pending", x.pending}, {"accepted", x.accepted},
                       {"rejected", x.rejected}, {"top", x.top},
                       {"top_share", x.n ? static_cast<double>(x.top) / static_cast<double>(x.n) : 0.0},
                       {"units", x.units}, {"unit_count", x.unit_count}, {"points", x.points},
                       {"point_count", x.point_count}});
    return json_response({{"items", items}, {"next_cursor", next ? json(id_str(next)) : json(nullptr)}});
  });

  // Decides every pending rating of an episode inside the caller's scope at once.
  r.add("POST", "/api/v1/ratings/review-episodes/{id}/review", "rating.review", [svc](http::Ctx& c) {
    int64_t id = c.id_param("id");
    auto j = jv::parse_object(c.req.body);
    auto decision = jv::req_enum(j, "decision", {"accept", "reject"});
    auto reason = jv::req_str(j, "reason", 500);
    auto out = svc->review_episode(actor_of(c), c.scope_paths("rating.review"), id, decision, reason);
    return json_response({{"id", id_str(id)}, {"decided", out.decided}, {"skipped", out.skipped},
                          {"status", out.status}, {"cases", out.cases}});
  });

  // {"pending": n, "accepted": n, "rejected": n} of the review queue (GET /api/v1/ratings/reviews).
  r.add("GET", "/api/v1/ratings/reviews/counts", "rating.review", [db](http::Ctx& c) {
    store::Params p;
    std::string where = scoped_where(c, "rating.review", p);
    json out = {{"pending", 0}, {"accepted", 0}, {"rejected", 0}};
    for (auto& row : db->query("SELECT v.state, COUNT(*) FROM rating_reviews v JOIN org_nodes n ON n.id = v.node_id WHERE " +
                                   where + " GROUP BY v.state",
                               p))
      out[row.str(0)] = row.i64(1);
    return json_response(out);
  });
}

}  // namespace manyi::feedback
