// Staff import: a table from an HR office (.xlsx or CSV, GBK or UTF-8, Chinese or English
// headers and values) read by core/table_file, checked row by row; all or nothing by default.
#include <fmt/format.h>

#include <map>
#include <set>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/table_file.hpp"
#include "org/service.hpp"

namespace manyi::org {
using store::Params;

namespace {
const std::vector<table::Column> kStaffColumns = {
    {"employee_no", {"工号", "employee_no", "职工号", "员工号", "人员编号", "工作证号", "employee no"}},
    {"name", {"姓名", "name"}},
    {"category", {"类别", "category", "人员类别", "岗位类别", "人员类型"}},
    {"title", {"职称", "title", "专业技术职称"}, false},
    {"node_code", {"科室编码", "node_code", "科室代码", "部门编码", "部门代码", "dept_code", "department_code"}, false},
    {"department", {"科室", "department", "dept", "科室名称", "部门", "部门名称", "所在科室", "所属科室"}, false},
};

const std::vector<std::pair<std::string, std::vector<std::string>>> kCategoryNames = {
    {"doctor", {"医师", "医生", "医师类", "临床医师"}},
    {"nurse", {"护士", "护理", "护理人员", "护士类"}},
    {"technician", {"医技", "技师", "医技人员"}},
    {"pharmacist", {"药师", "药剂", "药剂人员"}},
    {"admin", {"行政", "管理", "行政管理", "行政人员"}},
    {"logistics", {"后勤", "后勤人员", "工勤"}},
    {"window", {"窗口", "窗口人员", "收费窗口"}},
};

std::string shorten(const std::string& s) { return utf8_prefix(s, 40); }
}  // namespace

std::string staff_category_of(const std::string& text) {
  std::string low;
  for (char c : text) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto& [code, names] : kCategoryNames) {
    if (low == code) return code;
    for (auto& n : names)
      if (text == n) return code;
  }
  return "";
}

ImportResult OrgService::import_staff(const audit::Actor& who, const std::string& file, bool valid_rows_only,
                                      const std::function<bool(const std::string&)>& can_use, const std::string& within) {
  ImportResult res;
  auto rows = table::read(file);
  auto cols = table::match_header(rows[0], kStaffColumns);
  if (!cols.count("node_code") && !cols.count("department"))
    throw Error(422, "missing_column", "the header row has no column node_code (科室编码) or department (科室)", "department");
  auto accept = [&](const Node& n) {
    return can_use(n.path) && (within.empty() || n.path.compare(0, within.size(), within) == 0);
  };
  std::map<std::string, NodeMatch> nodes;
  std::set<std::pair<int64_t, std::string>> seen;
  std::map<int64_t, int64_t> units;                    // node -> institution
  std::map<int64_t, std::set<std::string>> existing;   // institution -> employee numbers stored
  std::vector<Staff> good;
  for (size_t i = 1; i < rows.size(); ++i) {
    int line = static_cast<int>(i) + 1;  // 1-based, header is line 1
    auto& r = rows[i];
    if (table::blank(r)) continue;
    auto err = [&](const char* field, const char* code, std::string message, const std::string& value) {
      res.errors.push_back({line, field, std::move(message), code, shorten(value)});
    };
    Staff s;
    s.employee_no = table::cell(r, cols, "employee_no");
    s.name = table::cell(r, cols, "name");
    std::string category = table::cell(r, cols, "category");
    s.title = table::cell(r, cols, "title");
    if (s.employee_no.empty()) {
      err("employee_no", "required", "employee number is missing", "");
      continue;
    }
    if (s.name.empty()) {
      err("name", "required", "name is missing", "");
      continue;
    }
    if (category.empty()) {
      err("category", "required", "category is missing", "");
      continue;
    }
    s.category = staff_category_of(category);
    if (s.category.empty()) {
      err("category", "bad_value", "category must be 医师/doctor, 护士/nurse, 医技/technician, 药师/pharmacist, 行政/admin, 后勤/logistics or 窗口/window", category);
      continue;
    }
    try {
      check_staff_fields(s);
    } catch (const Error& e) {
      bool long_text = std::string(e.what()).find("longer") != std::string::npos;
      res.errors.push_back({line, e.field(), e.what(), long_text ? "too_long" : "bad_value",
                            shorten(e.field() == "title" ? s.title : e.field() == "name" ? s.name : s.employee_no)});
      continue;
    }
    std::string code = table::cell(r, cols, "node_code"), dname = table::cell(r, cols, "department");
    std::string dept = code.empty() ? dname : code;
    const char* dfield = code.empty() ? "department" : "node_code";
    if (dept.empty()) {
      err(cols.count("node_code") ? "node_code" : "department", "required", "department is missing", "");
      continue;
    }
    auto it = nodes.find(dept);
    if (it == nodes.end()) it = nodes.emplace(dept, find_for_import(dept, accept)).first;
    if (it->second.ambiguous) {
      err(dfield, "ambiguous_department", "several departments have this name: use the department code", dept);
      continue;
    }
    if (!it->second.node) {
      err(dfield, "unknown_department", "no department with this code or name in your scope", dept);
      continue;
    }
    const Node& n = *it->second.node;
    if (!n.active) {
      err(dfield, "department_inactive", "the department is deactivated", dept);
      continue;
    }
    s.node_id = n.id;
    auto uit = units.find(s.node_id);
    if (uit == units.end()) uit = units.emplace(s.node_id, unit_of(n)).first;
    s.unit_id = uit->second;
    if (!seen.insert({s.unit_id, s.employee_no}).second) {
      err("employee_no", "duplicate_in_file", "employee number repeated in the file", s.employee_no);
      continue;
    }
    // One query per institution rather than one per row (20,000 round trips on PostgreSQL).
    auto eit = existing.find(s.unit_id);
    if (eit == existing.end()) {
      std::set<std::string> nos;
      for (auto& row : db_.query("SELECT employee_no FROM staff WHERE unit_id = ?", {s.unit_id})) nos.insert(row.str(0));
      eit = existing.emplace(s.unit_id, std::move(nos)).first;
    }
    if (eit->second.count(s.employee_no)) {
      err("employee_no", "already_exists", "employee number already exists in the institution", s.employee_no);
      continue;
    }
    s.id = new_id();
    good.push_back(s);
  }
  if (!res.errors.empty() && !valid_rows_only) return res;  // all or nothing: nothing stored
  if (good.empty()) return res;
  db_.write([&](store::Tx& tx) {
    int64_t t = now_ms();
    std::vector<Params> rows_out;
    for (auto& s : good)
      rows_out.push_back({s.id, s.node_id, s.unit_id, s.employee_no, s.name, s.category, s.title, int64_t{1}, t, t});
    tx.insert_rows("staff",
                   {"id", "node_id", "unit_id", "employee_no", "name", "category", "title", "active", "created_at",
                    "updated_at"},
                   rows_out);
    audit::record(tx, who, {"staff.import", "staff", 0, good[0].node_id, "", "", "",
                            fmt::format("导入 {} 人，{} 行有误未导入", good.size(), res.errors.size())});
  });
  res.imported = static_cast<int>(good.size());
  return res;
}

std::string OrgService::staff_template(const std::string& within) {
  auto d = example_department(within);
  std::string code = d ? d->code : "", name = d ? d->name : "内科";
  return table::csv_text({{"工号", "姓名", "类别", "职称", "科室编码", "科室"},
                          {"D0001", "张三", "医师", "主治医师", code, name},
                          {"N0001", "李四", "护士", "护师", "", name}});
}

}  // namespace manyi::org
