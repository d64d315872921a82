// The counts shown in the badges of the suspect-review queue of the satisfaction console
// (web/src/views/satisfaction; the follow-up list's counts are in followup_routes.cpp, with the
// list's own filter). Read-only, scoped to the caller's grants like the list they summarise.
#include <string>

#include "app/respond.hpp"
#include "core/error.hpp"
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

}  // namespace

void register_review_count_routes(App& app, const Services&) {
  auto& r = *app.router;
  store::Db* db = app.db.get();

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
