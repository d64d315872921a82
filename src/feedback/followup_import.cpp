// Importing discharged patients for follow-up calls from a medical-records export: the file is
// read by core/table_file; departments by code or by name within the institution; mainland
// mobile and landline numbers only (a number nobody can call would count against the rate).
#include <fmt/format.h>

#include <map>

#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/cn_phone.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/table_file.hpp"
#include "feedback/followup.hpp"
#include "core/period.hpp"

namespace manyi::feedback {
using store::Value;

namespace {
const std::vector<table::Column> kColumns = {
    {"name", {"姓名", "name", "患者姓名", "病人姓名", "patient_name"}},
    {"phone", {"手机号", "phone", "手机", "手机号码", "联系电话", "电话", "联系方式", "患者电话", "mobile"}},
    {"department", {"出院科室", "department", "科室", "科室名称", "科室编码", "科室代码", "department_code", "dept"}},
    {"discharge_date", {"出院日期", "discharge_date", "出院时间", "出院日期时间"}},
};

// 2025-03-07, 2025/3/7, 2025.3.7, 2025年3月7日, 20250307, "2025-03-07 10:30[:00]", or an
// Excel date serial (45723) as an .xlsx stores a date cell. 0 when it is none of these.
size_t chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

int parse_day(const std::string& s) {
  std::string t = s;
  for (const char* zh : {"\xE5\xB9\xB4", "\xE6\x9C\x88"}) {  // 年 月
    for (size_t p; (p = t.find(zh)) != std::string::npos;) t.replace(p, 3, "-");
  }
  if (auto p = t.find("\xE6\x97\xA5"); p != std::string::npos) t.erase(p);  // 日 and what follows
  if (auto p = t.find_first_of(" T"); p != std::string::npos) t.erase(p);   // a time of day
  for (auto& c : t)
    if (c == '/' || c == '.') c = '-';
  int y = 0, m = 0, d = 0;
  if (t.size() == 8 && t.find_first_not_of("0123456789") == std::string::npos) {
    y = std::stoi(t.substr(0, 4));
    m = std::stoi(t.substr(4, 2));
    d = std::stoi(t.substr(6, 2));
  } else if (!t.empty() && t.size() <= 6 && t.find_first_not_of("0123456789") == std::string::npos) {
    int serial = std::stoi(t);
    if (serial < 20000 || serial > 80000) return 0;  // 1954 … 2119
    // Excel day 25569 is 1970-01-01.
    int64_t ms = (static_cast<int64_t>(serial) - 25569) * 86'400'000LL;
    return period::local_day(ms);  // UTC midnight is 08:00 the same day in Shanghai
  } else {
    char tail;
    if (std::sscanf(t.c_str(), "%d-%d-%d%c", &y, &m, &d, &tail) != 3) return 0;
  }
  try {
    auto ds = fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
    return period::custom_period(ds, ds).from;
  } catch (const Error&) {
    return 0;
  }
}
}  // namespace

FollowupImport FollowupService::import_file(const audit::Actor& who, const org::Node& at, const std::string& file,
                                            int days_after, bool valid_rows_only,
                                            const std::function<bool(const std::string&)>& can_use) {
  if (days_after < 0 || days_after > 365) throw invalid("days", "days must be 0…365");
  std::optional<org::Node> unit = at;
  if (at.kind != "institution") unit = fb_.org().node(fb_.org().unit_of(at));
  if (!unit || unit->kind != "institution")
    throw invalid("node", "patients are imported into an institution or one of its departments");
  auto rows = table::read(file);
  auto cols = table::match_header(rows[0], kColumns);
  std::string key = cases::pii::data_key(fb_.db());
  struct Row {
    int64_t node;
    std::string name, phone;
    int day;
  };
  std::vector<Row> good;
  FollowupImport res;
  std::map<std::string, org::OrgService::NodeMatch> nodes;
  // A department named in the file: under `at` (the department itself for a department head).
  auto accept = [&](const org::Node& n) {
    return n.path.compare(0, at.path.size(), at.path) == 0 && (n.id != unit->id) && can_use(n.path);
  };
  int today = period::local_day(now_ms());
  for (size_t i = 1; i < rows.size(); ++i) {
    auto& r = rows[i];
    int line = static_cast<int>(i) + 1;
    if (table::blank(r)) continue;
    auto err = [&](const char* field, const char* code, std::string message, const std::string& value) {
      res.errors.push_back({line, field, std::move(message), code, utf8_prefix(value, 40)});
    };
    std::string name = table::cell(r, cols, "name"), phone = table::cell(r, cols, "phone"),
                dept = table::cell(r, cols, "department"), date = table::cell(r, cols, "discharge_date");
    if (name.empty()) {
      err("name", "required", "name is missing", "");
      continue;
    }
    if (chars(name) > 50 || !jv::valid_text(name)) {
      err("name", "too_long", "name is longer than 50 characters", name);
      continue;
    }
    if (phone.empty()) {
      err("phone", "required", "phone is missing", "");
      continue;
    }
    auto ph = cn_phone::parse(phone);
    if (ph.kind == cn_phone::Kind::invalid) {
      err("phone", "bad_phone", "not a mainland mobile (11 digits, 1[3-9]…) or a landline with area code (0571-88888888)", phone);
      continue;
    }
    if (dept.empty()) {
      err("department", "required", "department is missing", "");
      continue;
    }
    auto it = nodes.find(dept);
    if (it == nodes.end()) it = nodes.emplace(dept, fb_.org().find_for_import(dept, accept)).first;
    if (it->second.ambiguous) {
      err("department", "ambiguous_department", "several departments have this name: use the department code", dept);
      continue;
    }
    if (!it->second.node) {
      err("department", "unknown_department", fmt::format("no department with this code or name in {}", at.name), dept);
      continue;
    }
    if (!it->second.node->active) {
      err("department", "department_inactive", "the department is deactivated", dept);
      continue;
    }
    if (date.empty()) {
      err("discharge_date", "required", "discharge date is missing", "");
      continue;
    }
    int day = parse_day(date);
    if (!day) {
      err("discharge_date", "bad_date", "discharge date must be a date such as 2025-03-07", date);
      continue;
    }
    if (day > today) {
      err("discharge_date", "future_date", "discharge date is in the future", date);
      continue;
    }
    good.push_back({it->second.node->id, name, ph.number, day});
  }
  if (!res.errors.empty() && !valid_rows_only) return res;
  if (good.empty()) return res;
  fb_.db().write([&](store::Tx& tx) {
    int64_t t = now_ms();
    for (auto& g : good) {
      std::string hash = cases::pii::phone_hash(key, g.phone);
      if (!tx.query("SELECT 1 FROM followup_tasks WHERE node_id = ? AND phone_hash = ? AND discharge_day = ?",
                    {g.node, hash, int64_t{g.day}})
               .empty()) {
        ++res.duplicates;
        continue;
      }
      int64_t due = period::add_days(g.day, days_after);
      tx.exec("INSERT INTO followup_tasks(id, unit_id, node_id, name_enc, name_mask, phone_enc, phone_mask, phone_hash, "
              "discharge_day, due_day, call_day, status, attempts, created_at, created_by) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',0,?,?)",
              {new_id(), unit->id, g.node, store::Blob{cases::pii::seal(key, g.name)}, cases::pii::mask_name(g.name),
               store::Blob{cases::pii::seal(key, g.phone)}, cases::pii::mask_phone(g.phone), hash, int64_t{g.day}, due,
               due, t, who.user_id ? Value(who.user_id) : Value(nullptr)});
      ++res.imported;
    }
    audit::record(tx, who, {"feedback.followup.import", "followup_task", 0, at.id, at.path, "", "",
                            fmt::format("导入 {} 名患者，重复 {} 名，{} 行有误", res.imported,
                                        res.duplicates, res.errors.size())});
  });
  return res;
}

std::string FollowupService::import_template(const org::Node& at) {
  std::string name = at.kind == "department" ? at.name : "";
  if (name.empty())
    if (auto d = fb_.org().example_department(at.path)) name = d->name;
  if (name.empty()) name = "内科";
  int yesterday = period::add_days(period::local_day(now_ms()), -1);
  std::string day = fmt::format("{:04d}-{:02d}-{:02d}", yesterday / 10000, yesterday / 100 % 100, yesterday % 100);
  return table::csv_text({{"住院号", "姓名", "手机号", "出院科室", "出院日期"},
                          {"2025000123", "张三", "13800001111", name, day},
                          {"2025000124", "李四", "0571-88888888", name, day}});
}

}  // namespace manyi::feedback
