// HTTP mapping for the audit log: filtered by node subtree, user and period.
#include "app/app.hpp"
#include "app/respond.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "store/subtree.hpp"

namespace manyi {

void register_audit_routes(App& app) {
  app.router->add("GET", "/api/v1/audit", "audit.read", [&app](http::Ctx& c) {
    store::Params p;
    std::string where = "WHERE " + store::subtree_condition("n.path", c.scope_paths("audit.read"), p);
    if (auto path = c.node_filter({"audit.read"}); !path.empty()) {
      where += " AND n.path >= ? AND n.path < ?";
      p.push_back(path);
      p.push_back(store::subtree_upper(path));
    }
    if (auto user = c.req.q("user")) {
      if (int64_t uid = parse_id(*user)) {
        where += " AND a.user_id = ?";
        p.push_back(uid);
      } else {
        where += " AND a.username = ?";
        p.push_back(*user);
      }
    }
    auto time_q = [&](const char* name) -> std::optional<int64_t> {
      auto v = c.req.q(name);
      if (!v) return std::nullopt;
      char* end = nullptr;
      long long t = std::strtoll(v->c_str(), &end, 10);
      if (*end || t < 0) throw invalid(name, std::string(name) + " must be epoch milliseconds");
      return t;
    };
    if (auto from = time_q("from")) {
      where += " AND a.at >= ?";
      p.push_back(*from);
    }
    if (auto to = time_q("to")) {
      where += " AND a.at < ?";
      p.push_back(*to);
    }
    if (int64_t cur = page_cursor(c.req)) {
      where += " AND a.seq < ?";
      p.push_back(cur);
    }
    int limit = page_limit(c.req);
    p.push_back(int64_t{limit + 1});
    auto rows = app.db->query(
        "SELECT a.seq, a.id, a.at, a.user_id, a.username, a.ip, a.action, a.entity, a.entity_id, a.node_id, "
        "a.detail, n.name FROM audit_log a JOIN org_nodes n ON n.id = a.node_id " +
            where + " ORDER BY a.seq DESC LIMIT ?",
        p);
    json items = json::array();
    int64_t next = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      auto& r = rows[i];
      if (static_cast<int>(i) == limit) {
        next = rows[i - 1].i64(0);
        break;
      }
      items.push_back({{"seq", r.i64(0)}, {"id", id_str(r.i64(1))}, {"at", r.i64(2)}, {"user_id", id_json(r.i64(3))},
                       {"username", r.str(4)}, {"ip", r.str(5)}, {"action", r.str(6)}, {"entity", r.str(7)},
                       {"entity_id", id_json(r.i64(8))}, {"node_id", id_json(r.i64(9))}, {"node_name", r.str(11)},
                       {"detail", r.str(10)}});
    }
    return json_response({{"items", items}, {"next_cursor", next ? json(std::to_string(next)) : json(nullptr)}});
  });
}

}  // namespace manyi
