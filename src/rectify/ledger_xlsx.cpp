// The ledger as a workbook (整改台账 .xlsx, the layout bureaus file) and the bulk import of a
// bureau's existing ledger (.xlsx, or CSV in UTF-8 or GBK, through core/table_file): all or
// nothing, every bad cell reported with its row and column.
#include <fmt/format.h>

#include <map>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/table_file.hpp"
#include "rectify/internal.hpp"
#include "rectify/routes.hpp"
#include "rectify/service.hpp"
#include "reports/xlsx.hpp"

namespace manyi::rectify {
using namespace detail;

std::string ledger_xlsx(RectifyService& svc, const ListFilter& f, int64_t* rows) {
  reports::Workbook wb;
  auto sh = wb.sheet("整改台账", {{"序号", 6},
                                  {"问题", 40},
                                  {"来源", 10},
                                  {"责任单位", 20},
                                  {"责任人", 10},
                                  {"整改措施", 40},
                                  {"整改时限", 12},
                                  {"完成情况", 12},
                                  {"验收人", 10},
                                  {"销号日期", 12},
                                  {"编号", 16}});
  int64_t n = 0, now = now_ms();
  svc.each(f, [&](const Item& it) {
    ++n;
    std::string done = zh(statuses(), it.status);
    if (it.overdue_at(now)) done += "（逾期）";
    sh.cell(n, 0, static_cast<double>(n));
    sh.cell(n, 1, it.problem);
    sh.cell(n, 2, zh(sources(), it.source));
    sh.cell(n, 3, it.unit_name);
    sh.cell(n, 4, it.responsible.value_or(""));
    sh.cell(n, 5, it.measures.value_or(""));
    sh.cell(n, 6, calendar::format_date(calendar::day_of(it.deadline_at)));
    sh.cell(n, 7, done);
    sh.cell(n, 8, it.verified_by.value_or(""));
    sh.cell(n, 9, it.closed_at ? calendar::format_date(calendar::day_of(*it.closed_at)) : "");
    sh.cell(n, 10, it.code);  // imported back, the row edits this item
  });
  if (rows) *rows = n;
  return wb.bytes();
}

namespace {
const std::vector<table::Column> kColumns = {
    {"问题", {"问题", "存在问题", "问题描述", "problem"}},
    {"来源", {"来源", "问题来源", "source"}, false},
    {"责任单位", {"责任单位", "责任科室", "单位", "unit"}},
    {"责任人", {"责任人", "responsible"}, false},
    {"整改措施", {"整改措施", "措施", "measures"}, false},
    {"整改时限", {"整改时限", "完成时限", "时限", "deadline"}, false},
    {"编号", {"编号", "事项编号", "code"}, false},
};

// YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日, or an Excel date serial; nullopt otherwise.
std::optional<calendar::Day> parse_day(std::string t) {
  for (const char* zh : {"年", "月"})
    for (size_t p; (p = t.find(zh)) != std::string::npos;) t.replace(p, std::string(zh).size(), "-");
  if (auto p = t.find("日"); p != std::string::npos) t.erase(p);
  for (auto& c : t)
    if (c == '/' || c == '.') c = '-';
  if (!t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos) {
    int serial = std::stoi(t);
    if (serial < 20000 || serial > 80000) return std::nullopt;
    return static_cast<calendar::Day>(serial - 25569);  // Excel day 25569 is 1970-01-01
  }
  int y = 0, m = 0, d = 0;
  char tail;
  if (std::sscanf(t.c_str(), "%d-%d-%d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  return calendar::parse_date(fmt::format("{:04d}-{:02d}-{:02d}", y, m, d));
}

struct Rejected {};  // rolls the import's transaction back
}  // namespace

ImportResult RectifyService::import_file(const Who& who, const std::string& file) {
  table::Limits lim;
  lim.max_rows = kMaxImportRows + 1;  // the header too
  auto rows = table::read(file, lim);
  if (rows.empty()) throw Error(422, "empty_file", "the file has no rows", "file");
  auto cols = table::match_header(rows[0], kColumns);
  ImportResult res;
  int64_t now = now_ms();
  std::map<std::string, std::variant<int64_t, std::string>> units;  // text -> id or the error
  try {
    db_.write([&](store::Tx& tx) {
      size_t data_rows = 0, new_rows = 0;
      for (size_t i = 1; i < rows.size(); ++i)
        if (!table::blank(rows[i])) {
          ++data_rows;
          new_rows += table::cell(rows[i], cols, "编号").empty();
        }
      if (!data_rows) throw Error(422, "empty_file", "the file has no data rows", "file");
      calendar::Day today = calendar::day_of(now);
      int64_t seq = new_rows ? reserve_codes(tx, today, static_cast<int64_t>(new_rows)) : 0;
      for (size_t i = 1; i < rows.size(); ++i) {
        auto& row = rows[i];
        if (table::blank(row)) continue;
        int line = static_cast<int>(i + 1);
        auto bad = [&](const char* field, std::string msg) { res.errors.push_back({line, field, std::move(msg)}); };
        // A refusal of the service, in the row's words.
        auto refused = [&](const Error& e) {
          static const std::map<std::string, std::string> names = {
              {"problem", "问题"}, {"responsible", "责任人"}, {"measures", "整改措施"}, {"unit_id", "责任单位"},
              {"deadline", "整改时限"}};
          auto f = names.find(e.field());
          std::string msg = e.status() == 403 ? "无权为该单位登记或修改整改事项" : std::string("内容不符合要求：") + e.what();
          if (e.field() == "problem" || e.field() == "responsible" || e.field() == "measures")
            msg = "内容过长或含有无效字符";
          bad(f == names.end() ? "责任单位" : f->second.c_str(), msg);
        };
        size_t before = res.errors.size();
        auto dl = table::cell(row, cols, "整改时限");
        std::optional<calendar::Day> day;
        if (!dl.empty()) {
          day = parse_day(dl);
          if (!day) bad("整改时限", "日期格式不正确（例：2026-12-31）：" + dl);
          else if (*day < today) bad("整改时限", "整改时限不能早于今天：" + dl);
        }
        // A row with 编号 edits that item (an exported ledger imported back): 问题、责任人、整改措施
        // and 整改时限 as the row gives them, a blank cell keeping the item's; 责任单位 and 来源 stay.
        if (auto code = table::cell(row, cols, "编号"); !code.empty()) {
          auto found = tx.query("SELECT id, unit_path, status FROM rectifications WHERE code = ?", {code});
          if (found.empty() || !who.may("rectification.manage", found[0].str(1))) {
            bad("编号", "找不到该编号的整改事项，或不在您的管理范围内：" + code);
            continue;
          }
          if (!is_open(found[0].str(2))) {
            bad("编号", "该事项已销号或已撤销，不能再修改：" + code);
            continue;
          }
          if (res.errors.size() > before) continue;
          auto item = load_for_update(tx, found[0].i64(0));
          Patch p;
          auto differs = [&](std::optional<std::string>& field, const char* header, const std::string& now) {
            auto v = table::cell(row, cols, header);
            if (!v.empty() && v != now) field = v;
          };
          std::string problem = item ? item->problem : "";
          differs(p.problem, "问题", problem);
          differs(p.responsible, "责任人", item && item->responsible ? *item->responsible : "");
          differs(p.measures, "整改措施", item && item->measures ? *item->measures : "");
          if (day && item && *day != calendar::day_of(item->deadline_at)) p.deadline = calendar::format_date(*day);
          if (!p.problem && !p.responsible && !p.measures && !p.deadline) continue;  // unchanged
          try {
            mutate_in(tx, who, found[0].i64(0), "edit",
                      [&](store::Tx& t, Item& it, int64_t) { return edit(t, who, it, p); });
            ++res.updated;
          } catch (const Error& e) {
            refused(e);
          }
          continue;
        }
        NewItem in;
        in.problem = table::cell(row, cols, "问题");
        if (in.problem.empty()) bad("问题", "问题不能为空");
        auto src = table::cell(row, cols, "来源");
        if (!src.empty()) {
          in.source = source_code(src);
          if (in.source.empty()) bad("来源", "无法识别的来源：" + src + "（可填：检查发现、投诉、差评、自查、督导意见、指标未达标、手工录入）");
        }
        auto unit = table::cell(row, cols, "责任单位");
        if (unit.empty()) {
          bad("责任单位", "责任单位不能为空");
        } else {
          if (!units.count(unit)) {
            std::variant<int64_t, std::string> v = std::string("找不到该责任单位，或不在您的管理范围内：" + unit);
            int hits = 0;
            for (auto& r : tx.query("SELECT id, path, code FROM org_nodes WHERE (code = ? OR name = ?) AND active = 1",
                                    {unit, unit})) {
              if (!who.may("rectification.manage", r.str(1))) continue;
              if (r.str(2) == unit) {  // a code is exact
                hits = 1;
                v = r.i64(0);
                break;
              }
              ++hits;
              v = r.i64(0);
            }
            if (hits > 1) v = std::string("单位名称不唯一，请填写单位编码：" + unit);
            units[unit] = v;
          }
          if (auto* id = std::get_if<int64_t>(&units[unit])) in.unit_id = *id;
          else bad("责任单位", std::get<std::string>(units[unit]));
        }
        auto resp = table::cell(row, cols, "责任人");
        if (!resp.empty()) in.responsible = resp;
        auto measures = table::cell(row, cols, "整改措施");
        if (!measures.empty()) in.measures = measures;
        if (day) in.deadline = calendar::format_date(*day);
        if (res.errors.size() > before) continue;
        try {
          insert(tx, who, in, seq++);
          ++res.imported;
        } catch (const Error& e) {
          refused(e);
        }
      }
      if (!res.errors.empty()) throw Rejected{};
      audit::record(tx, who.actor,
                    {"rectification.import", "rectification", 0, 0, "", "", "",
                     res.updated ? fmt::format("导入整改事项 {} 条，修改 {} 条", res.imported, res.updated)
                                 : fmt::format("导入整改事项 {} 条", res.imported)});
    });
  } catch (const Rejected&) {
    res.imported = res.updated = 0;
  }
  return res;
}

}  // namespace manyi::rectify
