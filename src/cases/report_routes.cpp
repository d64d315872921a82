// Read-only figures and exports the case pages of the console need beyond the cases API:
//   GET /api/v1/case-reports/counts        inbox tab counts (mine, my unit, due soon, overdue, supervised)
//   GET /api/v1/case-reports/stats         volume by type / category / unit / department, on-time rate, average
//                                          handling time in working days, reopen rate, satisfaction
//   GET /api/v1/case-reports/stats.xlsx    the same as a workbook
//   GET /api/v1/case-reports/cases.xlsx    the case list with the inbox filters as a workbook
// Every query is limited to the caller's case.read subtrees (case.sensitive for integrity
// cases), the same visibility rule as the case list. The figures are computed in
// cases/stats.cpp (as for GET /api/v1/cases/stats); the workbooks are written and their
// downloads audited through src/reports.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "app/app.hpp"
#include "app/respond.hpp"
#include "audit/audit.hpp"
#include "cases/model.hpp"
#include "cases/service.hpp"
#include "cases/stats.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "reports/export.hpp"
#include "reports/xlsx.hpp"

namespace manyi {
namespace {

using store::Params;

int64_t date_param(const http::Request& req, const char* name) {
  auto v = req.q(name);
  if (!v || v->empty()) return 0;
  auto d = calendar::parse_date(*v);
  if (!d) throw invalid(name, std::string(name) + " must be a date YYYY-MM-DD");
  return calendar::day_start(*d);
}

// The path of ?node= ("" without it), which the caller must see cases of.
std::string node_path_of(http::Ctx& c) { return c.node_filter({"case.read", "case.sensitive"}); }

// The caller's visible cases (case.read, case.sensitive for integrity cases), narrowed to
// ?node= and to the cases created from ?from= to ?to= (inclusive days).
cases::StatsQuery query_of(http::Ctx& c) {
  cases::StatsQuery q;
  q.read_scope = c.scope_paths("case.read");
  q.sensitive_scope = c.scope_paths("case.sensitive");
  q.node_path = node_path_of(c);
  q.created_from = date_param(c.req, "from");
  if (int64_t to = date_param(c.req, "to")) q.created_to = to + calendar::kDayMs;
  return q;
}

std::string pct(double v) { return fmt::format("{:.1f}%", v * 100); }
json rate(int64_t a, int64_t b) { return b ? json(static_cast<double>(a) / static_cast<double>(b)) : json(nullptr); }

// ---- statistics ----
json figures_json(const cases::Figures& f) {
  return {{"count", f.count},
          {"overdue", f.overdue},
          {"replied", f.replied},
          {"on_time_rate", rate(f.on_time, f.replied)},
          {"avg_handling_days", f.timed ? json(f.working_days / static_cast<double>(f.timed)) : json(nullptr)},
          {"reopened", f.reopened},
          {"handled", f.handled},  // the reopen rate's n: answered or reopened
          {"reopen_rate", rate(f.reopened, f.handled)},
          {"callbacks", f.callbacks},
          {"satisfaction_rate", rate(f.satisfied + f.basically_satisfied, f.callbacks)}};
}

cases::CaseStats compute(App& app, http::Ctx& c) {
  auto q = query_of(c);
  q.breakdown = true;
  return cases::compute_stats(*app.db, q, now_ms());
}

json stats_json(App& app, const cases::CaseStats& s) {
  std::map<std::string, std::string> cat_names;
  if (app.cases)
    for (auto& k : app.cases->categories()) cat_names[k.code] = k.name;
  json j = figures_json(s.all);
  j["total"] = s.all.count;
  j["open"] = s.open;
  j["warning"] = s.all.warning;
  j["satisfied"] = s.all.satisfied;
  j["basically_satisfied"] = s.all.basically_satisfied;
  j["unsatisfied"] = s.all.unsatisfied;
  j["satisfaction_rate"] = rate(s.all.satisfied + s.all.basically_satisfied, s.all.callbacks);
  json by_status = json::object();
  for (auto& [k, v] : s.by_status) by_status[k] = v;
  j["by_status"] = by_status;
  json by_type = json::array();
  for (auto& [k, v] : s.by_type) by_type.push_back({{"code", k}, {"name", cases::zh(cases::types(), k)}, {"count", v}});
  j["by_type"] = by_type;
  json by_cat = json::array();
  for (auto& [k, v] : s.by_category)
    by_cat.push_back({{"code", k}, {"name", cat_names.count(k) ? cat_names[k] : k}, {"count", v}});
  j["by_category"] = by_cat;
  json by_unit = json::array();
  for (auto& [id, b] : s.by_unit) {
    json u = figures_json(b);
    u["id"] = id_str(id);
    u["name"] = s.unit_names.at(id);
    by_unit.push_back(u);
  }
  j["by_unit"] = by_unit;
  json by_dept = json::array();
  for (auto& [key, b] : s.by_dept) {
    json d = figures_json(b);
    d["id"] = key.second ? json(id_str(key.second)) : json(nullptr);
    d["name"] = key.second ? s.dept_names.at(key.second) : std::string("（未指定科室）");
    d["unit_id"] = id_str(key.first);
    d["unit_name"] = s.unit_names.at(key.first);
    by_dept.push_back(d);
  }
  // Most cases first, then by unit and name: the departments a reader must look at come first.
  std::stable_sort(by_dept.begin(), by_dept.end(), [](const json& a, const json& b) {
    return a["count"].get<int64_t>() > b["count"].get<int64_t>();
  });
  j["by_department"] = by_dept;
  return j;
}

// ---- workbooks ----
// The header row of the case workbooks is bold on light blue.
const reports::Workbook::Options kBook{0xE8F3FF};
std::string time_text(std::optional<int64_t> ms) {
  if (!ms || !*ms) return "";
  int64_t local = *ms + calendar::kLocalOffsetMs;
  auto d = calendar::day_of(*ms);
  int64_t in_day = ((local % calendar::kDayMs) + calendar::kDayMs) % calendar::kDayMs;
  return fmt::format("{} {:02d}:{:02d}", calendar::format_date(d), in_day / 3600000, in_day / 60000 % 60);
}
std::string rate_text(const json& v) { return v.is_null() ? "" : pct(v.get<double>()); }

// The unit an export covers, for its file name: the ?node= asked for, else the caller's own unit.
std::string export_unit(App& app, http::Ctx& c) {
  if (auto node = c.id_query("node")) {
    auto r = app.db->query("SELECT name FROM org_nodes WHERE id = ?", {*node});
    if (!r.empty()) return r[0].str(0);
  }
  for (auto& g : c.me().grants)
    if (c.authorizer().role_has(g.role, "case.read")) return g.node_name;
  return "";
}
// The period an export covers, for its file name: "2026-01-01至2026-03-31", "截至2026-03-31", ….
std::string export_period(http::Ctx& c) {
  std::string from = c.req.q("from").value_or(""), to = c.req.q("to").value_or("");
  if (!from.empty() && !to.empty()) return from == to ? from : from + "至" + to;
  if (!from.empty()) return from + "起";
  return "截至" + (to.empty() ? calendar::format_date(calendar::day_of(now_ms())) : to);
}

// The workbook as a download named for the unit and period, recorded in the audit log on the
// node exported (?node=) or the caller's own node, so the unit's audit log shows it.
http::Response export_response(std::string body, App& app, http::Ctx& c, const std::string& what,
                               const std::string& what_ascii, int64_t rows) {
  reports::ExportAudit a{"case.export", "case", c.id_query("node").value_or(0), "", rows};
  if (!a.node_id)
    for (auto& g : c.me().grants)
      if (c.authorizer().role_has(g.role, "case.read")) {
        a.node_id = g.node_id;
        a.node_path = g.node_path;
        break;
      }
  reports::ExportName name{export_unit(app, c), what, what_ascii, export_period(c)};
  return reports::audited_xlsx_download(*app.db, actor_of(c), a, std::move(body), name);
}

const int kMaxExportRows = 50000;

}  // namespace

void register_case_report_routes(App& app) {
  auto& r = *app.router;

  r.add("GET", "/api/v1/case-reports/counts", "case.read", [&app](http::Ctx& c) {
    auto n = app.cases->inbox_counts(c.scope_paths("case.read"), c.scope_paths("case.sensitive"), node_path_of(c),
                                     c.me().user_id);
    return json_response(
        {{"unit", n.unit}, {"mine", n.mine}, {"due_soon", n.due_soon}, {"overdue", n.overdue}, {"supervised", n.supervised}});
  });

  r.add("GET", "/api/v1/case-reports/stats", "case.read", [&app](http::Ctx& c) {
    return json_response(stats_json(app, compute(app, c)));
  });

  r.add("GET", "/api/v1/case-reports/stats.xlsx", "case.read", [&app](http::Ctx& c) {
    auto j = stats_json(app, compute(app, c));
    reports::Workbook b(kBook);
    auto sum = b.sheet("概况", {{"指标", 22}, {"数值", 16}});
    std::vector<std::pair<std::string, std::string>> lines = {
        {"统计周期", c.req.q("from").value_or("") + " 至 " + c.req.q("to").value_or("")},
        {"案件总数", std::to_string(j["total"].get<int64_t>())},
        {"办理中", std::to_string(j["open"].get<int64_t>())},
        {"已超期", std::to_string(j["overdue"].get<int64_t>())},
        {"按时答复率", rate_text(j["on_time_rate"])},
        {"平均办理时长（工作日）", j["avg_handling_days"].is_null() ? "" : fmt::format("{:.1f}", j["avg_handling_days"].get<double>())},
        {"重办率", rate_text(j["reopen_rate"])},
        {"回访满意率", rate_text(j["satisfaction_rate"])},
        {"回访数", std::to_string(j["callbacks"].get<int64_t>())}};
    int row = 1;
    for (auto& [k, v] : lines) {
      sum.cell(row, 0, k);
      sum.cell(row++, 1, v);
    }
    auto counts = [&](const char* name, const char* label, const json& items) {
      auto ws = b.sheet(name, {{label, 20}, {"件数", 10}});
      int rr = 1;
      for (auto& it : items) {
        ws.cell(rr, 0, it["name"].get<std::string>());
        ws.cell(rr++, 1, static_cast<double>(it["count"].get<int64_t>()));
      }
    };
    counts("按类型", "类型", j["by_type"]);
    counts("按分类", "分类", j["by_category"]);
    auto units = b.sheet("按单位", {{"单位", 28}, {"件数", 8}, {"已超期", 8}, {"按时答复率", 12}, {"平均办理时长（工作日）", 20},
                                    {"重办率", 10}, {"回访满意率", 12}});
    // 件数, 已超期, 按时答复率, 平均办理时长, 重办率, 回访满意率 of a unit or department, from column col.
    auto figures = [](reports::Sheet& ws, int64_t row, int col, const json& f) {
      ws.cell(row, col, static_cast<double>(f["count"].get<int64_t>()));
      ws.cell(row, col + 1, static_cast<double>(f["overdue"].get<int64_t>()));
      ws.cell(row, col + 2, rate_text(f["on_time_rate"]));
      if (!f["avg_handling_days"].is_null()) ws.cell(row, col + 3, f["avg_handling_days"].get<double>());
      ws.cell(row, col + 4, rate_text(f["reopen_rate"]));
      ws.cell(row, col + 5, rate_text(f["satisfaction_rate"]));
    };
    row = 1;
    for (auto& u : j["by_unit"]) {
      units.cell(row, 0, u["name"].get<std::string>());
      figures(units, row++, 1, u);
    }
    auto depts = b.sheet("按科室", {{"单位", 28}, {"科室", 20}, {"件数", 8}, {"已超期", 8}, {"按时答复率", 12},
                                    {"平均办理时长（工作日）", 20}, {"重办率", 10}, {"回访满意率", 12}});
    row = 1;
    for (auto& d : j["by_department"]) {
      depts.cell(row, 0, d["unit_name"].get<std::string>());
      depts.cell(row, 1, d["name"].get<std::string>());
      figures(depts, row++, 2, d);
    }
    return export_response(b.bytes(), app, c, "投诉统计", "case-statistics", j["total"].get<int64_t>());
  });

  r.add("GET", "/api/v1/case-reports/cases.xlsx", "case.read", [&app](http::Ctx& c) {
    auto q = query_of(c);
    Params p;
    std::string where = cases::stats_where(q, p);
    auto eq = [&](const char* name, const std::vector<std::string>& allowed) {
      auto v = c.req.q(name);
      if (!v || v->empty()) return;
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
        throw invalid(name, std::string("unknown ") + name + ": " + *v);
      if (v->size() > 32) throw invalid(name, std::string("unknown ") + name);
      where += fmt::format(" AND c.{} = ?", name);
      p.push_back(*v);
    };
    eq("status", cases::codes(cases::statuses()));
    eq("type", cases::codes(cases::types()));
    eq("channel", cases::codes(cases::channels()));
    eq("category", {});
    int64_t now = now_ms();
    // The inbox tab's queue: the same predicate as its list and its count (cases/model.hpp);
    // overdue=1, mine=1, due_soon=1 and supervised=1 are the older names of the queues.
    std::string queue = c.req.q("queue").value_or("");
    if (!queue.empty() && std::find(cases::queues().begin(), cases::queues().end(), queue) == cases::queues().end())
      throw invalid("queue", "unknown queue: " + queue);
    for (const char* old : {"overdue", "mine", "due_soon", "supervised"})
      if (queue.empty() && c.req.q(old).value_or("") == "1") queue = old;
    if (!queue.empty()) where += cases::queue_sql(queue, now, c.me().user_id, p);
    if (auto code = c.req.q("code"); code && !code->empty()) {
      std::string norm;
      for (char ch : *code)
        if (ch != '-' && ch != ' ') norm += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (norm.size() > 20) throw invalid("code", "a tracking code has 10 characters");
      where += " AND c.tracking_code = ?";
      p.push_back(norm);
    }
    p.push_back(int64_t{kMaxExportRows});
    auto rows = app.db->query(
        "SELECT c.tracking_code, c.type, c.channel, c.status, c.category, n.name, o.name, c.received_at, c.deadline_at, "
        "c.replied_at, c.closed_at, c.late, c.outcome, c.callback_result, c.reopen_count, c.content, c.created_at, "
        "c.level FROM cases c LEFT JOIN org_nodes n ON n.id = c.node_id LEFT JOIN org_nodes o ON o.id = c.owner_node_id "
        "WHERE " + where + " ORDER BY c.id DESC LIMIT ?",
        p);
    std::map<std::string, std::string> cat_names;
    if (app.cases)
      for (auto& k : app.cases->categories()) cat_names[k.code] = k.name;
    reports::Workbook b(kBook);
    auto ws = b.sheet("案件清单", {{"查询码", 13}, {"类型", 9}, {"渠道", 11}, {"状态", 10}, {"分类", 11}, {"涉及单位", 22},
                                   {"责任单位", 22}, {"登记时间", 17}, {"办理期限", 17}, {"答复时间", 17}, {"办结时间", 17},
                                   {"是否超期", 9}, {"预警", 9}, {"核实结论", 10}, {"回访结果", 10}, {"重办次数", 9}, {"内容", 60}});
    int row = 1;
    for (auto& x : rows) {
      std::string status = x.str(3);
      bool overdue = (status == "pending" || status == "processing") ? x.i64(8) < now : x.i64(11) != 0;
      int col = 0;
      ws.cell(row, col++, x.str(0));
      ws.cell(row, col++, cases::zh(cases::types(), x.str(1)));
      ws.cell(row, col++, cases::zh(cases::channels(), x.str(2)));
      ws.cell(row, col++, cases::zh(cases::statuses(), status));
      ws.cell(row, col++, cat_names.count(x.str(4)) ? cat_names[x.str(4)] : x.str(4));
      ws.cell(row, col++, x.str(5));
      ws.cell(row, col++, x.str(6));
      ws.cell(row, col++, time_text(x.i64(16)));
      ws.cell(row, col++, time_text(x.i64(8)));
      ws.cell(row, col++, time_text(x.opt_i64(9)));
      ws.cell(row, col++, time_text(x.opt_i64(10)));
      ws.cell(row, col++, std::string(overdue ? "是" : "否"));
      ws.cell(row, col++, cases::zh(cases::levels(), std::to_string(x.i64(17))));
      ws.cell(row, col++, x.str(12).empty() ? "" : cases::zh(cases::outcomes(), x.str(12)));
      ws.cell(row, col++, x.str(13).empty() ? "" : cases::zh(cases::callback_results(), x.str(13)));
      ws.cell(row, col++, static_cast<double>(x.i64(14)));
      std::string content = x.str(15);
      ws.cell(row, col++, content);
      ++row;
    }
    return export_response(b.bytes(), app, c, "投诉案件清单", "cases", static_cast<int64_t>(rows.size()));
  });
}

}  // namespace manyi
