// The ledger's items: creation (by hand, from a case marked 需整改), reads (list with filters
// and a keyset cursor, counts, the public page) and edits. Actions, files and the escalation
// scan are in actions.cpp; the xlsx export and import in ledger_xlsx.cpp.
#include "rectify/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/org_path.hpp"
#include "rectify/internal.hpp"
#include "rectify/workflow.hpp"
#include "store/subtree.hpp"
#include "workflow/calendar_store.hpp"
#include "workflow/notice.hpp"

namespace manyi::rectify {
using namespace detail;
using store::Params;
using store::Tx;

namespace {
const char* kOpenSql = "(r.status = 'pending' OR r.status = 'rectifying' OR r.status = 'submitted')";

std::optional<std::string> opt_text(const std::optional<std::string>& v, const char* field, size_t max) {
  if (!v) return std::nullopt;
  text(*v, field, max, false);
  if (v->find_first_not_of(" \t\r\n") == std::string::npos) return std::nullopt;  // blank = none
  return v;
}

// Phone-like digit runs (7 or more digits, spaces and dashes between them allowed) masked for
// the public page: free text may carry a number.
std::string mask_numbers(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (!isdigit(static_cast<unsigned char>(s[i]))) {
      out += s[i++];
      continue;
    }
    size_t j = i, digits = 0;
    while (j < s.size() && (isdigit(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == ' ')) {
      digits += isdigit(static_cast<unsigned char>(s[j])) != 0;
      ++j;
    }
    out += digits >= 7 ? std::string("***") : s.substr(i, j - i);
    i = j;
  }
  return out;
}
}  // namespace

Item RectifyService::insert(Tx& tx, const Who& who, const NewItem& in, int64_t seq) {
  int64_t now = now_ms();
  auto unit = unit_of(tx, in.unit_id);
  if (!unit || !unit->active) throw invalid("unit_id", "no active unit with this id");
  if (!who.may("rectification.manage", unit->path))
    throw forbidden("you may not open rectification items for this unit (rectification.manage)");
  Item it;
  it.id = new_id();
  it.unit_id = unit->id;
  it.unit_path = unit->path;
  it.unit_name = unit->name;
  it.inst_id = unit->inst_id;
  it.problem = text(in.problem, "problem", 2000, true);
  auto srcs = codes(sources());
  if (std::find(srcs.begin(), srcs.end(), in.source) == srcs.end()) throw invalid("source", "unknown source: " + in.source);
  it.source = in.source;
  it.source_ref = opt_text(in.source_ref, "source_ref", 100);
  it.source_id = in.source_id;
  it.category = opt_text(in.category, "category", 50);
  it.responsible = opt_text(in.responsible, "responsible", 50);
  if (in.responsible_user_id) {
    // A user of the owner's institution (or of the owner unit when it has none above).
    auto inst = tx.query("SELECT path FROM org_nodes WHERE id = ?", {unit->inst_id});
    auto u = tx.query("SELECT n.path, u.display_name FROM users u JOIN org_nodes n ON n.id = u.node_id "
                      "WHERE u.id = ? AND u.active = 1",
                      {in.responsible_user_id});
    if (u.empty() || inst.empty() || u[0].str(0).rfind(inst[0].str(0), 0) != 0)
      throw invalid("responsible_user_id", "no active user of the owner's institution has this id");
    it.responsible_user_id = in.responsible_user_id;
    if (!it.responsible) it.responsible = u[0].str(1);
  }
  it.cause = opt_text(in.cause, "cause", 2000);
  it.measures = opt_text(in.measures, "measures", 4000);
  it.hazard = in.hazard;
  if (in.severity && *in.severity != "general" && *in.severity != "major")
    throw invalid("severity", "severity is general or major");
  if (in.severity && !in.hazard) throw invalid("severity", "a severity is given only for a hazard (隐患)");
  if (in.hazard) it.severity = in.severity.value_or("general");
  it.funds = opt_text(in.funds, "funds", 200);
  it.contingency = opt_text(in.contingency, "contingency", 2000);
  it.is_public = in.is_public;
  it.status = "pending";
  it.limit_days = limit_days(it.hazard, it.severity);
  std::optional<calendar::Day> until;
  if (in.deadline) until = future_date(*in.deadline, "deadline", now);
  schedule(it, now, until, workflow::load_calendar(tx));
  calendar::Day today = calendar::day_of(now);
  it.code = code_of(today, seq ? seq : reserve_codes(tx, today, 1));
  it.created_by = who.actor.user_id;
  it.created_at = it.updated_at = now;
  insert_item(tx, it);
  timeline().append(tx, it.id, who.actor, who.name, "create", it.status, it.unit_id, it.problem, false);
  workflow::post(tx, {it.unit_id, "rectification.new", "新整改事项", it.code + " " + it.problem,
                      fmt::format("/rectifications/{}", it.id), false});
  audit::record(tx, who.actor,
                {"rectification.create", "rectification", it.id, it.unit_id, it.unit_path, "", it.status, it.code});
  return it;
}

Item RectifyService::create(const Who& who, const NewItem& in) {
  Item out;
  db_.write([&](Tx& tx) { out = insert(tx, who, in, 0); });
  return *find(out.id);
}

Item RectifyService::open_from_case(Tx& tx, const SourceCase& c) {
  auto had = tx.query(std::string("SELECT ") + kSelect + kFrom +
                          " WHERE r.source_id = ? AND (r.source = 'complaint' OR r.source = 'bad_review')",
                      {c.id});
  if (!had.empty()) return from_row(had[0]);  // once per case
  NewItem in;
  in.unit_id = c.unit_id;
  in.source = c.type == "bad_review" ? "bad_review" : "complaint";
  in.source_ref = c.tracking_code;
  in.source_id = c.id;
  if (!c.category.empty()) in.category = c.category;
  std::string summary = utf8_prefix(c.summary, 1500);
  in.problem = summary.empty() ? "投诉查实，需整改（" + c.tracking_code + "）" : summary;
  in.is_public = true;
  Who system{{0, "system", "local"}, "系统", {}};
  return insert(tx, system, in, 0);
}

Item RectifyService::open_from_finding(Tx& tx, const SourceFinding& f) {
  auto had = tx.query(std::string("SELECT ") + kSelect + kFrom +
                          " WHERE r.source_id = ? AND (r.source = 'inspection' OR r.source = 'self_inspection')",
                      {f.id});
  if (!had.empty()) return from_row(had[0]);  // once per finding
  NewItem in;
  in.unit_id = f.unit_id;
  in.source = f.self_inspection ? "self_inspection" : "inspection";
  in.source_ref = f.inspection_code;
  in.source_id = f.id;
  if (!f.category.empty()) in.category = utf8_prefix(f.category, 50);  // bytes: never over the 50 characters
  in.problem = utf8_prefix(f.problem, 2000);
  in.hazard = f.severity.has_value();
  in.severity = f.severity;
  in.deadline = f.deadline;
  in.is_public = f.is_public;
  Who system{{0, "system", "local"}, "系统", {}};
  return insert(tx, system, in, 0);
}

Item RectifyService::get(const Who& who, int64_t id) {
  auto it = find(id);
  if (!it || !visible(who, *it)) throw not_found("rectification item");
  return *it;
}

std::optional<Item> RectifyService::find(int64_t id) { return load(db_, id); }

namespace {
// Levels in a path: "/1/" is 1 (the root), "/1/4/" 2 (a county).
size_t depth(const std::string& path) { return path.empty() ? 0 : std::count(path.begin(), path.end(), '/') - 1; }

// The list's conditions. A wide subtree (the root or a node just below it: a county, a city's
// own hospital — most of the ledger) is read on SQLite by walking the id order and filtering (unary + keeps the planner off the
// path and status indexes, which would gather and sort the whole subtree: ~0.45 s for the city's
// first page at 1 M items against ~25 ms); a narrow one through its (unit_path, id) range.
// The 逾期 tab of a wide subtree reads the overdue range of rectifications_overdue instead
// (migration 0025): overdue items are the oldest open ones, so a walk of the id order would pass
// every newer item first (~0.55 s for the city).
bool wide_scope(const ListFilter& f, bool sqlite) {
  bool wide = sqlite;
  if (!f.node_path.empty()) wide = wide && depth(f.node_path) <= 2;
  for (auto& s : f.scope) wide = wide && depth(s) <= 2;
  return wide;
}

std::string from_of(const ListFilter& f, bool sqlite) {
  return f.overdue && wide_scope(f, sqlite) ? std::string(kFrom) + " INDEXED BY rectifications_overdue" : kFrom;
}

std::string where_of(const ListFilter& f, Params& p, bool sqlite) {
  bool wide = wide_scope(f, sqlite);
  std::string path_col = wide ? "+r.unit_path" : "r.unit_path";
  std::string w = " WHERE " + store::subtree_condition(path_col, f.scope, p);
  if (!f.node_path.empty()) {
    w += " AND " + path_col + " >= ? AND " + path_col + " < ?";
    p.push_back(f.node_path);
    p.push_back(store::subtree_upper(f.node_path));
  }
  if (!f.status.empty()) {
    // An open status (the 待验收 queue) is a small part of the ledger: its range of the status
    // index, ids sorted, beats a walk of the id order that reaches the end on the last pages.
    bool open = f.status == "pending" || f.status == "rectifying" || f.status == "submitted";
    w += wide && !open ? " AND +r.status = ?" : " AND r.status = ?";
    p.push_back(f.status);
  }
  if (!f.source.empty()) {
    w += " AND r.source = ?";
    p.push_back(f.source);
  }
  if (f.overdue) {
    w += std::string(" AND ") + kOpenSql + " AND r.deadline_at < ?";
    p.push_back(now_ms());
  }
  if (f.from_ms) {
    w += " AND r.created_at >= ?";
    p.push_back(f.from_ms);
  }
  if (f.to_ms) {
    w += " AND r.created_at < ?";
    p.push_back(f.to_ms);
  }
  if (!f.q.empty()) {
    w += " AND (r.code = ? OR r.problem LIKE ? ESCAPE '\\')";
    p.push_back(f.q);
    p.push_back(store::contains_pattern(f.q));
  }
  return w;
}
}  // namespace

std::vector<Item> RectifyService::list(const ListFilter& f, int64_t* next_cursor) {
  // The page's ids first, then their rows: a sort (the 逾期 tab) sees only ids, and the columns
  // and the unit's name are read for the page alone, not for every candidate the sort passes.
  Params p;
  std::string ids = "SELECT r.id" + from_of(f, sqlite()) + where_of(f, p, sqlite());
  if (f.cursor) {
    ids += " AND r.id < ?";
    p.push_back(f.cursor);
  }
  // Overdue items are the oldest open ones: a walk back through the id order would pass every
  // newer item before the first of them (PostgreSQL's planner took it for a hospital's 逾期 tab,
  // 60 ms for page 1 and 0.5 s for page 100 at 1 M items); the expression makes both databases
  // read the overdue range of an index and sort its ids.
  ids += f.overdue ? " ORDER BY r.id + 0 DESC LIMIT ?" : " ORDER BY r.id DESC LIMIT ?";
  p.push_back(int64_t{f.limit + 1});
  std::string sql = std::string("SELECT ") + kSelect + kFrom + " WHERE r.id IN (" + ids + ") ORDER BY r.id DESC";
  std::vector<Item> out;
  for (auto& row : db_.query(sql, p)) out.push_back(from_row(row));
  if (next_cursor) *next_cursor = 0;
  if (static_cast<int>(out.size()) > f.limit) {
    out.resize(f.limit);
    if (next_cursor) *next_cursor = out.back().id;
  }
  return out;
}

void RectifyService::each(const ListFilter& f, const std::function<void(const Item&)>& fn) {
  int64_t after = 0, last = 0;
  if (f.from_ms || f.to_ms) {
    // A period: the walk of the id order runs between the period's first and last ids
    // (rectifications_created, migration 0025) instead of reading the rest of the ledger past
    // its last item — the whole table, for a period early in the year.
    auto r = db_.query("SELECT MIN(id), MAX(id) FROM rectifications WHERE created_at >= ? AND created_at < ?",
                       {f.from_ms, f.to_ms ? f.to_ms : std::numeric_limits<int64_t>::max()});
    if (r.empty() || r[0].null(0)) return;
    after = r[0].i64(0) - 1;
    last = r[0].i64(1);
  }
  for (;;) {
    Params p;
    std::string sql = std::string("SELECT ") + kSelect + from_of(f, sqlite()) + where_of(f, p, sqlite()) + " AND r.id > ?";
    p.push_back(after);
    if (last) {
      sql += " AND r.id <= ?";
      p.push_back(last);
    }
    sql += " ORDER BY r.id LIMIT 1000";
    auto r = db_.query(sql, p);
    for (auto& row : r) {
      auto it = from_row(row);
      after = it.id;
      fn(it);
    }
    if (r.size() < 1000) break;
  }
}

Counts RectifyService::counts(const std::vector<std::string>& scope, const std::string& node_path, int64_t now) {
  // The scope's top nodes (the scope narrowed to ?node=, nested subtrees once), then their rows
  // of rectification_counts (migration 0024): a few rows whatever the number of items.
  std::vector<org::Path> tops;
  for (auto& s : scope) {
    org::Path p(s);
    if (!node_path.empty()) {
      org::Path n(node_path);
      if (n.within(p)) p = n;
      else if (!p.within(n)) continue;
    }
    tops.push_back(p);
  }
  std::vector<int64_t> ids;
  for (auto& p : tops) {
    bool nested = false;
    for (auto& q : tops) nested = nested || (p.strictly_within(q) || (p.str() == q.str() && &p > &q));
    if (!nested && p.id()) ids.push_back(p.id());
  }
  Counts c;
  if (ids.empty()) return c;
  Params p;
  std::string in;
  for (auto id : ids) {
    in += in.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  for (auto& row : db_.query("SELECT status, overdue, CAST(SUM(n) AS BIGINT) FROM rectification_counts WHERE node_id IN (" + in +
                                 ") GROUP BY status, overdue",
                             p)) {
    auto s = row.str(0);
    int64_t n = row.i64(2);
    c.total += n;
    if (s == "pending") c.pending += n;
    else if (s == "rectifying") c.rectifying += n;
    else if (s == "submitted") c.submitted += n;
    else if (s == "closed") c.closed += n;
    else if (s == "cancelled") c.cancelled += n;
    if (row.i64(1)) c.overdue += n;
  }
  // Open items whose deadline passed since the escalation scan last looked at them (their
  // next check is due, so the scan's index finds them; usually none).
  for (auto& row : db_.query("SELECT r.unit_path, r.deadline_at, r.level, r.status FROM rectifications r WHERE "
                             "r.next_check_at <= ?",
                             {now})) {
    if (row.i64(2) >= 2 || !is_open(row.str(3)) || row.i64(1) >= now) continue;
    org::Path u(row.str(0));
    for (auto& t : tops)
      if (u.within(t)) {
        ++c.overdue;
        break;
      }
  }
  return c;
}

void RectifyService::rebuild_counts() {
  // The statement of migration 0024.
  db_.write([](Tx& tx) {
    tx.exec("DELETE FROM rectification_counts");
    tx.exec(
        "INSERT INTO rectification_counts(node_id, status, overdue, n) SELECT o.id, g.status, g.overdue, SUM(g.n) "
        "FROM (SELECT unit_path, status, CASE WHEN level >= 2 AND status IN ('pending', 'rectifying', 'submitted') "
        "THEN 1 ELSE 0 END AS overdue, COUNT(*) AS n FROM rectifications GROUP BY unit_path, status, CASE WHEN "
        "level >= 2 AND status IN ('pending', 'rectifying', 'submitted') THEN 1 ELSE 0 END) g JOIN org_nodes o ON "
        "g.unit_path LIKE o.path || '%' GROUP BY o.id, g.status, g.overdue");
  });
}

Item RectifyService::patch(const Who& who, int64_t id, const Patch& in) {
  bool any = in.cause || in.measures || in.responsible || in.funds || in.contingency || in.problem || in.deadline ||
             in.is_public || in.category;
  if (!any) return get(who, id);  // nothing to change: no history entry
  return mutate(who, id, "edit", [&](Tx& tx, Item& it, int64_t) { return edit(tx, who, it, in); });
}

std::string RectifyService::edit(Tx& tx, const Who& who, Item& it, const Patch& in) {
  bool handle = in.cause || in.measures || in.responsible || in.funds || in.contingency;
  bool manage = in.problem || in.deadline || in.is_public || in.category;
  if (handle && !who.may("rectification.handle", it.unit_path))
    throw forbidden("you may not edit the measures of this item (rectification.handle)");
  if (manage && !who.may("rectification.manage", it.unit_path))
    throw forbidden("you may not edit the problem, deadline or disclosure of this item (rectification.manage)");
  if (!is_open(it.status)) machine().refuse(it.status);
  std::vector<std::string> changed;
  auto set = [&](std::optional<std::string>& field, const std::optional<std::string>& v, const char* name,
                 size_t max, const char* label) {
    if (!v) return;
    field = opt_text(v, name, max);
    changed.push_back(label);
  };
  set(it.cause, in.cause, "cause", 2000, "原因分析");
  set(it.measures, in.measures, "measures", 4000, "整改措施");
  set(it.responsible, in.responsible, "responsible", 50, "责任人");
  set(it.funds, in.funds, "funds", 200, "整改资金");
  set(it.contingency, in.contingency, "contingency", 2000, "应急预案");
  set(it.category, in.category, "category", 50, "类别");
  if (in.problem) {
    it.problem = text(*in.problem, "problem", 2000, true);
    changed.push_back("问题");
  }
  if (in.is_public) {
    it.is_public = *in.is_public;
    changed.push_back(it.is_public ? "公示" : "取消公示");
  }
  if (in.deadline) {
    int64_t now = now_ms();
    move_deadline(it, future_date(*in.deadline, "deadline", now), now, workflow::load_calendar(tx));
    changed.push_back("整改时限 " + *in.deadline);
  }
  std::string note = "修改：";
  for (size_t i = 0; i < changed.size(); ++i) note += (i ? "、" : "") + changed[i];
  return note;
}

std::vector<workflow::Event> RectifyService::history(int64_t id) { return timeline().list(db_, id, false); }

std::optional<std::pair<std::string, std::vector<PublicItem>>> RectifyService::public_items(const std::string& unit_code,
                                                                                          int limit) {
  auto u = db_.query("SELECT name, path FROM org_nodes WHERE code = ? AND active = 1", {unit_code});
  if (u.empty()) return std::nullopt;
  std::string path = u[0].str(1);
  auto r = db_.query(
      "SELECT problem, measures, status, deadline_at, closed_at FROM rectifications "
      "WHERE unit_path >= ? AND unit_path < ? AND public = 1 AND status <> 'cancelled' ORDER BY id DESC LIMIT ?",
      {path, store::subtree_upper(path), int64_t{limit}});
  std::vector<PublicItem> items;
  for (auto& row : r)
    items.push_back({mask_numbers(row.str(0)), mask_numbers(row.str(1)), row.str(2), row.i64(3), row.opt_i64(4)});
  return std::make_pair(u[0].str(0), std::move(items));
}

}  // namespace manyi::rectify
