// Reading cases: one case, its history and possible actions, lists and inbox counts,
// duplicates, the complainant's contact (audited).
#include "cases/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "cases/pii.hpp"
#include "cases/internal.hpp"
#include "cases/public_input.hpp"
#include "cases/public_text.hpp"
#include "cases/workflow.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "org/roles.hpp"
#include "store/subtree.hpp"

namespace manyi::cases {
using namespace detail;

CaseService::~CaseService() = default;

Opened CaseService::open(const NewCase& c) {
  Opened o;
  db_.write([&](Tx& tx) { o = open_case(tx, c); });
  return o;
}

Suggestion CaseService::suggest_category(const std::string& text) { return config_of(db_)->suggest(text); }

std::vector<std::string> CaseService::matched_keywords(const std::string& text, const std::string& category) {
  auto cfg = config_of(db_);
  std::vector<std::string> out;
  auto occurs = [&](size_t i) { return text.find(cfg->words[i]) != std::string::npos; };
  for (auto cat = cfg->category(category); cat; cat = cat->parent.empty() ? nullptr : cfg->category(cat->parent))
    cfg->add_matched(static_cast<size_t>(cat - cfg->categories.data()), occurs, out);
  return out;
}

bool CaseService::visible(const Who& who, const Case& c) const {
  const char* perm = c.sensitive ? "case.sensitive" : "case.read";
  return who.may(perm, c.owner_path) || who.may(perm, c.node_path) ||
         (!c.transfer_to_path.empty() && who.may(perm, c.transfer_to_path));
}

std::optional<Case> CaseService::find(int64_t id) {
  auto r = db_.query(select_named() + "WHERE c.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return from_row(r[0], 4);
}

Case CaseService::get(const Who& who, int64_t id) {
  auto c = find(id);
  if (!c || !visible(who, *c)) throw not_found("case");
  return *c;
}

std::optional<Case> CaseService::by_tracking_code(const std::string& code) {
  auto norm = normalise_tracking_code(code);
  if (norm.size() != 10) return std::nullopt;
  auto r = db_.query(select_named() + "WHERE c.tracking_code = ?", {norm});
  if (r.empty()) return std::nullopt;
  return from_row(r[0], 4);
}

std::optional<Case> CaseService::track(const std::string& code, const std::string& phone_last4) {
  auto c = by_tracking_code(code);
  if (!c) return std::nullopt;
  if (!c->phone_mask.empty()) {
    int64_t now = now_ms();
    // Per 查询码: after kTrackMaxFailures wrong guesses in a window, every attempt (right or
    // wrong) waits for the window to end — the per-address limit alone lets many addresses
    // share the 10,000 possibilities of one code.
    auto r = db_.query("SELECT failures, window_start FROM case_track_failures WHERE case_id = ?", {c->id});
    if (!r.empty() && r[0].i64(0) >= kTrackMaxFailures && now - r[0].i64(1) < kTrackWindowMs) {
      int wait = static_cast<int>((r[0].i64(1) + kTrackWindowMs - now + 999) / 1000);
      throw TrackLocked(wait);
    }
    // The mask keeps the number's last four digits.
    const auto& m = c->phone_mask;
    if (phone_last4.size() != 4 || m.size() < 4 || m.compare(m.size() - 4, 4, phone_last4) != 0) {
      db_.write([&](Tx& tx) {
        // Counted in the database, atomically: parallel guesses (or instances) share the count.
        tx.exec(
            "INSERT INTO case_track_failures(case_id, failures, window_start) VALUES (?, 1, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET "
            "failures = CASE WHEN case_track_failures.window_start <= ? THEN 1 ELSE case_track_failures.failures + 1 END, "
            "window_start = CASE WHEN case_track_failures.window_start <= ? THEN excluded.window_start "
            "ELSE case_track_failures.window_start END",
            {c->id, now, now - kTrackWindowMs, now - kTrackWindowMs});
      });
      return std::nullopt;
    }
  }
  return c;
}

std::vector<std::string> CaseService::actions(const Who& who, const Case& c) {
  std::vector<std::string> out;
  auto add = [&](bool ok, const char* name) {
    if (ok) out.push_back(name);
  };
  // The state machine's permission on the owning unit and its state, then the case's own guards.
  auto can = [&](const char* action) {
    auto& t = machine().transition(action);
    return who.may(t.perm, c.owner_path) && machine().allows(action, c.status);
  };
  bool moving = c.transfer_to_node_id != 0;
  add(can("accept") && !moving, "accept");
  add(moving && who.may("case.handle", c.transfer_to_path), "transfer_accept");
  add(moving && who.may("case.handle", c.transfer_to_path), "transfer_decline");
  add(can("assign"), "assign");
  add(can("transfer") && !moving, "transfer");
  add(can("return") && !moving && (c.prev_owner_node_id || org::Path(c.owner_path).parent_id()), "return");
  add(can("reject"), "reject");
  add(can("pause"), "pause");
  add(can("resume"), "resume");
  add(can("extension_request") && !c.ext_days && now_ms() < c.deadline_at, "extension");
  auto above = org::Path(c.owner_path).parent().str();
  add(c.ext_days && (above.empty() ? who.may("case.supervise", c.owner_path) : who.may("case.dispatch", above)) &&
          !(who.actor.user_id && who.actor.user_id == c.ext_by),
      "extension_decide");
  add(can("reply") && !moving, "reply");
  add(can("callback"), "callback");
  bool needs_callback = config_of(db_)->sla(c.type).needs_callback;
  add(can("close") && (c.status == "replied" || (!moving && !needs_callback)), "close");
  add(can("merge") && !moving, "merge");
  add(can("supervise"), "supervise");
  add(may_annotate(who, c), "note");
  return out;
}

std::vector<Event> CaseService::events(int64_t case_id, bool public_only) {
  return timeline().list(db_, case_id, public_only);
}

std::vector<Case> CaseService::list(const ListFilter& f, int64_t* next_cursor) {
  Params p;
  std::string where = scope_sql(f.read_scope, f.sensitive_scope, f.node_path, p, false);
  auto eq = [&](const char* col, const std::string& v) {
    if (v.empty()) return;
    where += fmt::format(" AND c.{} = ?", col);
    p.push_back(v);
  };
  eq("status", f.status);
  eq("type", f.type);
  if (!f.category.empty()) {
    auto codes = config_of(db_)->with_children(f.category);
    where += " AND c.category IN (";
    for (size_t i = 0; i < codes.size(); ++i) {
      where += i ? ", ?" : "?";
      p.push_back(codes[i]);
    }
    where += ")";
  }
  eq("channel", f.channel);
  eq("phone_hash", f.phone_hash);
  if (!f.tracking_code.empty()) eq("tracking_code", normalise_tracking_code(f.tracking_code));
  if (!f.q.empty()) {
    where += " AND c.content LIKE ? ESCAPE '\\'";
    p.push_back(store::contains_pattern(f.q));
  }
  int64_t now = now_ms();
  // A work queue: exactly the predicate its count uses (model.hpp). kOpenSql is what lets the
  // databases walk the id-ordered index of open cases only (cases_open_id, migration 0006)
  // instead of every case below the cursor: a department's last overdue page at 1 million
  // cases, 440 ms -> 1 ms.
  std::string queue = f.overdue && f.queue.empty() ? "overdue" : f.queue;
  if (!queue.empty()) where += queue_sql(queue, now, f.user_id, p);
  if (f.pending_transfer) where += " AND c.transfer_to_node_id IS NOT NULL";
  if (f.needs_rectification) where += " AND c.needs_rectification = 1";
  if (f.min_level > 0) {
    where += " AND c.level >= ?";
    p.push_back(int64_t{f.min_level});
  }
  if (f.assignee_id) {
    where += " AND c.assignee_id = ?";
    p.push_back(f.assignee_id);
  }
  if (f.from_ms) {
    where += " AND c.received_at >= ?";
    p.push_back(f.from_ms);
  }
  if (f.to_ms) {
    where += " AND c.received_at < ?";
    p.push_back(f.to_ms);
  }
  if (f.cursor) {
    where += " AND c.id < ?";
    p.push_back(f.cursor);
  }
  p.push_back(int64_t{f.limit + 1});
  auto r = db_.query(select_named() + "WHERE " + where + " ORDER BY c.id DESC LIMIT ?", p);
  std::vector<Case> out;
  for (auto& row : r) out.push_back(from_row(row, 4));
  *next_cursor = 0;
  if (static_cast<int>(out.size()) > f.limit) {
    out.resize(f.limit);
    *next_cursor = out.back().id;
  }
  return out;
}

InboxCounts CaseService::inbox_counts(const std::vector<std::string>& read_scope,
                                      const std::vector<std::string>& sensitive_scope, const std::string& node_path,
                                      int64_t user_id) {
  // The visibility rule (scope_sql) is an OR over owner, subject and transfer target. Counted
  // as written, the databases gather every row of the scope through three indexes and read the
  // table for each (1 s for a hospital, 10 s for the bureau at 1 million cases). Instead the
  // visible open cases are split into disjoint branches — owner in scope; subject in scope but
  // not the owner; only the transfer target in scope — and each branch is counted from the
  // partial covering indexes of migration 0006 (open cases only) without reading the table.
  // COUNT(*) FILTER (SQLite 3.30+, PostgreSQL 9.4+) costs ~25% less per row than SUM(CASE …).
  int64_t now = now_ms();
  Params p;
  std::string branches;
  // One branch's counts; subtract = true counts it negatively (see the root scope below).
  auto add = [&](const std::string& where, const Params& wp, bool subtract = false) {
    if (!branches.empty()) branches += " UNION ALL ";
    std::string m = subtract ? "-" : "";
    branches += "SELECT " + m + "COUNT(*) AS n, " + m + "COUNT(*) FILTER (WHERE " + kMineSql + ") AS mine, " + m +
                "COUNT(*) FILTER (WHERE " + kDueSoonSql + ") AS due_soon, " + m + "COUNT(*) FILTER (WHERE " +
                kOverdueSql + ") AS overdue, " + m + "COUNT(*) FILTER (WHERE " + kSupervisedSql +
                ") AS supervised FROM cases c WHERE " + kOpenSql +
                (where.empty() ? "" : " AND " + where);
    p.push_back(user_id);
    p.push_back(now);
    p.push_back(now);
    p.insert(p.end(), wp.begin(), wp.end());
  };
  // sensitive: "c.sensitive = 0 AND ", "c.sensitive = 1 AND " or "" (both, same scope).
  auto visible_in = [&](const std::string& sensitive, const std::vector<std::string>& scope) {
    if (scope.empty()) return;
    auto narrow = [&](std::string w, Params& q) {
      if (node_path.empty()) return w;
      std::vector<std::string> one{node_path};
      return w + " AND (" + store::subtree_condition("c.node_path", one, q) + " OR " +
             store::subtree_condition("c.owner_path", one, q) + ")";
    };
    {  // the owner is in scope
      Params q;
      auto w = sensitive + store::subtree_condition("c.owner_path", scope, q);
      add(narrow(w, q), q);
    }
    // The subject is in scope, the owner is not. A scope that is one root of the tree holds
    // (nearly) every case: read the owner index outside the scope's range (empty) rather than
    // walking the whole subject index to find nothing.
    if (scope.size() == 1 && std::count(scope[0].begin(), scope[0].end(), '/') == 2) {
      const std::pair<const char*, std::string> outside[] = {{"c.owner_path < ?", scope[0]},
                                                              {"c.owner_path >= ?", store::subtree_upper(scope[0])}};
      for (auto& [cond, bound] : outside) {
        Params q{bound};
        auto w = sensitive + cond + " AND " + store::subtree_condition("c.node_path", scope, q);
        add(narrow(w, q), q);
      }
    } else {
      Params q;
      auto w = sensitive + store::subtree_condition("c.node_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.owner_path", scope, q);
      add(narrow(w, q), q);
    }
    {  // only the pending transfer's target is in scope
      Params q;
      auto w = sensitive + store::subtree_condition("c.transfer_to_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.owner_path", scope, q);
      w += " AND NOT " + store::subtree_condition("c.node_path", scope, q);
      add(narrow(w, q), q);
    }
  };
  const bool root = read_scope.size() == 1 &&
                    std::count(read_scope[0].begin(), read_scope[0].end(), '/') == 2;  // "/<id>/"
  if (root && read_scope == sensitive_scope && node_path.empty()) {
    // The root of the tree (the city bureau) sees every open case but those wholly outside its
    // subtree (owner, subject and any transfer target elsewhere): count all open cases without
    // testing paths — one pass over the smallest covering index, about half the cost per row of
    // the range scan — and subtract the outsiders, found from the owner index outside the range.
    const auto& r = read_scope[0];
    // All open cases: the total and 逾期 in one pass over the narrow (deadline_at, status) index
    // of open cases; 我的, 临期 and 督办 each read only their own range of the indexes of
    // migration 0008 — instead of one pass testing every tab's condition on every open case.
    const std::string open = std::string("FROM cases c WHERE ") + kOpenSql;
    if (!branches.empty()) branches += " UNION ALL ";
    branches += "SELECT t.n, (SELECT COUNT(*) " + open + " AND " + kMineSql + ") AS mine, (SELECT COUNT(*) " + open +
                " AND " + kDueSoonSql + ") AS due_soon, t.overdue, (SELECT COUNT(*) " + open + " AND " +
                kSupervisedSql + ") AS supervised FROM (SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE " + kOverdueSql +
                ") AS overdue " + open + ") t";
    p.push_back(user_id);
    p.push_back(now);
    p.push_back(now);
    const std::pair<const char*, std::string> outside[] = {{"c.owner_path < ?", r},
                                                          {"c.owner_path >= ?", store::subtree_upper(r)}};
    for (auto& [cond, bound] : outside) {
      Params q{bound};
      std::string w = std::string(cond) + " AND NOT " + store::subtree_condition("c.node_path", read_scope, q);
      w += " AND (c.transfer_to_path IS NULL OR NOT " + store::subtree_condition("c.transfer_to_path", read_scope, q) +
           ")";
      add(w, q, true);
    }
  } else if (read_scope == sensitive_scope) {
    visible_in("", read_scope);
  } else {
    visible_in("c.sensitive = 0 AND ", read_scope);
    visible_in("c.sensitive = 1 AND ", sensitive_scope);
  }
  InboxCounts out;
  if (branches.empty()) return out;
  auto r = db_.query("SELECT COALESCE(SUM(n), 0), COALESCE(SUM(mine), 0), COALESCE(SUM(due_soon), 0), "
                     "COALESCE(SUM(overdue), 0), COALESCE(SUM(supervised), 0) FROM (" +
                         branches + ") x",
                     p);
  if (r.empty()) return out;
  out.unit = r[0].i64(0);
  out.mine = r[0].i64(1);
  out.due_soon = r[0].i64(2);
  out.overdue = r[0].i64(3);
  out.supervised = r[0].i64(4);
  return out;
}

std::vector<Case> CaseService::duplicates_of(const Case& c, int limit) {
  if (c.phone_hash.empty()) return {};
  auto r = db_.query(select_named() +
                         "WHERE c.phone_hash = ? AND c.id <> ? AND c.unit_id = ? AND c.status IN ('pending', "
                         "'processing', 'waiting', 'replied') ORDER BY c.id DESC LIMIT ?",
                     {c.phone_hash, c.id, c.unit_id, int64_t{limit}});
  std::vector<Case> out;
  for (auto& row : r) out.push_back(from_row(row, 4));
  return out;
}

std::pair<std::string, std::string> CaseService::reveal_contact(const Who& who, int64_t id) {
  std::pair<std::string, std::string> out;
  db_.write([&](Tx& tx) {
    auto c = load_for_update(tx, id);
    if (!c || !visible(who, *c)) throw not_found("case");
    if (!who.may("case.contact", c->owner_path) && !who.may("case.contact", c->node_path))
      throw forbidden("your role may not see the complainant's contact details");
    if (!c->complainant_enc.empty()) {
      auto j = nlohmann::json::parse(pii::open(pii::data_key(tx), c->complainant_enc));
      out = {j.value("name", ""), j.value("phone", "")};
    }
    audit::record(
        tx, who.actor,
        {"case.contact.reveal", "case", id, c->owner_node_id, c->owner_path, "", "", "查看了投诉人联系方式"});
  });
  return out;
}

}  // namespace manyi::cases
