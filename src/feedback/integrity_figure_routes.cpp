// The per-unit integrity figure of the 满意度 dashboard (docs/feedback-integrity.md): for each
// child unit of the scope in the period, the ratings received, the share held out of the
// figures (suspect waiting for review + rejected) and the share rejected after review — the
// units attracting most stuffing first, like with like (one group per node kind, as the
// ranking). Cheap: the valid counts come from the rollups (Figures::per_child), the held ones
// from one grouped query over the review table's rows of the period (its primary key is the
// time-ordered rating id, so the period is a key range).
#include <algorithm>

#include "app/respond.hpp"
#include "core/clock.hpp"
#include "core/period.hpp"
#include "feedback/routes.hpp"
#include "store/subtree.hpp"

namespace manyi::feedback {
namespace {

struct Held {
  int64_t pending = 0, rejected = 0, accepted = 0;  // accepted: held, then accepted on review
};

}  // namespace

void register_integrity_figure_routes(App& app, const Services& s) {
  auto svc = s.svc;
  app.router->add("GET", "/api/v1/satisfaction/integrity", "rating.read", [svc](http::Ctx& c) {
    auto n = scope_node(c, *svc, "rating.read");
    auto p = period::parse_period([&](const std::string& k) { return c.req.q(k).value_or(""); }, now_ms());
    std::vector<metrics::Child> kids;
    std::map<int64_t, org::Node> by_id;
    std::map<std::string, int64_t> by_path;  // child path -> id
    for (auto& k : svc->org().children(n.id)) {
      if (!k.active || !c.can_path("rating.read", k.path)) continue;
      kids.push_back({k.id, k.path, metrics::tree_kind(k.kind)});
      by_id[k.id] = k;
      by_path[k.path] = k.id;
    }
    auto figs = svc->figures().per_child(n.path, kids, p);  // valid ratings, every survey
    std::map<int64_t, Held> held;
    int64_t lo = id_floor(period::day_start_ms(p.from));
    int64_t hi = id_floor(period::day_start_ms(period::add_days(p.to, 1)));
    // Review rows of the period under the node, counted per node and state (appeals of valid
    // ratings that were never held are not holds: their accepted rows are left out).
    for (auto& r : svc->db().query(
             "SELECT x.path, v.state, COUNT(*) FROM rating_reviews v JOIN org_nodes x ON x.id = v.node_id "
             "WHERE v.rating_id >= ? AND v.rating_id < ? AND x.path >= ? AND x.path < ? "
             "AND NOT (v.state = 'accepted' AND v.flags = 'appeal') GROUP BY x.path, v.state",
             {lo, hi, n.path, store::subtree_upper(n.path)})) {
      // The child whose subtree holds the node: the greatest child path not after it.
      std::string path = r.str(0);
      auto it = by_path.upper_bound(path);
      if (it == by_path.begin()) continue;
      --it;
      if (path.compare(0, it->first.size(), it->first) != 0) continue;
      auto& h = held[it->second];
      std::string st = r.str(1);
      (st == "pending" ? h.pending : st == "rejected" ? h.rejected : h.accepted) += r.i64(2);
    }
    std::vector<metrics::RankEntry> entries;
    for (auto& k : kids) {
      metrics::RankEntry e;
      e.node_id = k.id;
      e.name = by_id[k.id].name;
      e.kind = by_id[k.id].kind;
      e.fig = figs[k.id];
      entries.push_back(std::move(e));
    }
    json groups = json::array();
    int64_t all_received = 0, all_held = 0, all_rejected = 0;
    for (auto& g : metrics::rank_by_kind(std::move(entries), 1)) {
      struct Item {
        int64_t id, received, held, rejected, pending, accepted;
        std::string name;
        double held_share, rejected_share;
      };
      std::vector<Item> items;
      for (auto& e : g.entries) {
        Held h = held.count(e.node_id) ? held[e.node_id] : Held{};
        int64_t received = e.fig.n + h.pending + h.rejected;  // valid (accepted ones included) + out
        int64_t out = h.pending + h.rejected;
        items.push_back({e.node_id, received, out, h.rejected, h.pending, h.accepted, e.name,
                         received ? static_cast<double>(out) / static_cast<double>(received) : 0.0,
                         received ? static_cast<double>(h.rejected) / static_cast<double>(received) : 0.0});
        all_received += received;
        all_held += out;
        all_rejected += h.rejected;
      }
      // Most stuffing first: the share held, then the count held, then the name.
      std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        if (a.held_share != b.held_share) return a.held_share > b.held_share;
        if (a.held != b.held) return a.held > b.held;
        return a.name < b.name;
      });
      json ij = json::array();
      for (auto& x : items)
        ij.push_back({{"node_id", id_str(x.id)}, {"name", x.name}, {"received", x.received}, {"held", x.held},
                      {"pending", x.pending}, {"rejected", x.rejected}, {"accepted", x.accepted},
                      {"held_share", x.held_share}, {"rejected_share", x.rejected_share}});
      groups.push_back({{"kind", g.kind}, {"name", g.name}, {"items", ij}});
    }
    auto share = [](int64_t a, int64_t b) { return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
    return json_response({{"node", {{"id", id_str(n.id)}, {"name", n.name}, {"kind", n.kind}}},
                          {"period", {{"label", p.label}, {"from", p.from}, {"to", p.to}}},
                          {"total",
                           {{"received", all_received}, {"held", all_held}, {"rejected", all_rejected},
                            {"held_share", share(all_held, all_received)},
                            {"rejected_share", share(all_rejected, all_received)}}},
                          {"groups", groups}});
  });
}

}  // namespace manyi::feedback
