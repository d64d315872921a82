// Imports as people's files arrive, over HTTP on each database: an HR office's GBK CSV with
// Chinese headers and categories, an .xlsx, departments by name within the institution; a
// medical-records export of discharged patients (出院科室, 住院号, landlines, a 10-digit
// "mobile" refused); a department head importing into their own department only; any bad row
// stores nothing and every error carries row, field and a code the console shows in Chinese;
// templates name the importing institution's own department.
#include <gtest/gtest.h>
#include <iconv.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.hpp"
#include "metrics/satisfaction.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

std::string gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  std::string out(utf8.size() * 2 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t il = utf8.size(), ol = out.size();
  char* o = out.data();
  EXPECT_NE(iconv(cd, &in, &il, &o, &ol), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - ol);
  EXPECT_NE(out, utf8);
  return out;
}

std::string xlsx(const std::vector<std::vector<std::string>>& rows) {
  auto path = (std::filesystem::temp_directory_path() / ("manyi-imp-" + std::to_string(getpid()) + ".xlsx")).string();
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, nullptr);
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < rows[r].size(); ++c)
      worksheet_write_string(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), rows[r][c].c_str(), nullptr);
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

std::string days_ago(int n) {
  int d = period::add_days(period::local_day(now_ms()), -n);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
  return buf;
}

class Imports : public DemoServerTest {
 protected:
  HttpResponse upload(HttpClient& c, const std::string& path, const std::string& bytes) {
    return c.request("POST", path, bytes, {{"Content-Type", "application/octet-stream"}});
  }
  // The errors of a rejected import as "row:field:code:value" lines.
  static std::vector<std::string> errors(const HttpResponse& r) {
    std::vector<std::string> out;
    auto j = r.js();  // keep the parsed body alive for the loop
    for (auto& e : j["errors"])
      out.push_back(std::to_string(e["row"].get<int>()) + ":" + e["field"].get<std::string>() + ":" +
                    e["code"].get<std::string>() + ":" + e["value"].get<std::string>());
    return out;
  }
  int64_t staff_count() { return count("SELECT COUNT(*) FROM staff"); }
  int64_t tasks() { return count("SELECT COUNT(*) FROM followup_tasks"); }
};

TEST_P(Imports, StaffFromAnHrOfficesGbkCsvWithChineseHeadersAndCategories) {
  auto c = as("hosp1");
  std::string file = gbk(
      "工号,姓名,类别,职称,科室编码\r\n"
      "GB-1,张医生,医师,主治医师,H001-NK\r\n"
      "GB-2,李护士,护士,护师,内科\r\n"          // a department by its name in the institution
      "GB-3,王药师,pharmacist,,H001-WK\r\n");   // codes still accepted
  auto r = upload(c, "/api/v1/staff/import", file);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 3);
  auto rows = db->query("SELECT s.name, s.category, n.code FROM staff s JOIN org_nodes n ON n.id = s.node_id "
                        "WHERE s.employee_no LIKE 'GB-%' ORDER BY s.employee_no");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].str(0), "张医生");
  EXPECT_EQ(rows[0].str(1), "doctor");
  EXPECT_EQ(rows[1].str(1), "nurse");
  EXPECT_EQ(rows[1].str(2), "H001-NK");
  EXPECT_EQ(rows[2].str(1), "pharmacist");
}

TEST_P(Imports, StaffFromXlsxWithEnglishHeaders) {
  auto c = as("hosp1");
  auto r = upload(c, "/api/v1/staff/import",
                  xlsx({{"employee_no", "name", "category", "title", "department"},
                        {"XL-1", "赵一", "医技", "", "外科"},
                        {"XL-2", "钱二", "nurse", "主管护师", "H001-NK"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff WHERE employee_no = 'XL-1' AND category = 'technician'"), 1);
}

TEST_P(Imports, StaffBadRowsStoreNothingAndNameRowFieldAndCode) {
  auto c = as("hosp1");
  int64_t before = staff_count();
  std::string file = gbk(
      "工号,姓名,类别,职称,科室\r\n"
      "BAD-1,甲,医师,,内科\r\n"
      "BAD-2,乙,厨师,,内科\r\n"        // unknown category
      "BAD-3,丙,护士,,内科二\r\n"      // no such department
      "BAD-4,丁,护士,,H002-NK\r\n"     // another hospital's department: not in hosp1's scope
      "BAD-1,戊,护士,,外科\r\n"        // repeated employee number
      ",己,护士,,外科\r\n");           // missing employee number
  auto r = upload(c, "/api/v1/staff/import", file);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.js()["error"]["code"], "import_rejected");
  EXPECT_EQ(r.js()["imported"], 0);
  EXPECT_EQ(errors(r), (std::vector<std::string>{"3:category:bad_value:厨师", "4:department:unknown_department:内科二",
                                                 "5:department:unknown_department:H002-NK",
                                                 "6:employee_no:duplicate_in_file:BAD-1", "7:employee_no:required:"}));
  EXPECT_EQ(staff_count(), before);
  // Already stored numbers are refused on a second import.
  auto again = upload(c, "/api/v1/staff/import", gbk("工号,姓名,类别,科室\nGB-9,甲,医师,内科\n"));
  ASSERT_EQ(again.status, 200) << again.body;
  auto dup = upload(c, "/api/v1/staff/import", gbk("工号,姓名,类别,科室\nGB-9,甲,医师,内科\n"));
  EXPECT_EQ(errors(dup), (std::vector<std::string>{"2:employee_no:already_exists:GB-9"}));
}

TEST_P(Imports, StaffFileErrorsAreCodedAndNameTheFile) {
  auto c = as("hosp1");
  auto missing = upload(c, "/api/v1/staff/import", gbk("工号,姓名,科室\nA,甲,内科\n"));
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.js()["error"]["code"], "missing_column");
  EXPECT_EQ(missing.js()["error"]["field"], "category");
  auto xls = upload(c, "/api/v1/staff/import", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(600, '\0'));
  EXPECT_EQ(xls.status, 422);
  EXPECT_EQ(xls.js()["error"]["code"], "unsupported_file");
  EXPECT_EQ(xls.js()["error"]["field"], "file");
  auto zip = upload(c, "/api/v1/staff/import", "PK\x03\x04 not really");
  EXPECT_EQ(zip.js()["error"]["code"], "unsupported_file");
  EXPECT_EQ(upload(c, "/api/v1/staff/import", "").js()["error"]["code"], "empty_file");
}

TEST_P(Imports, DepartmentNamesAreLookedUpWithinTheChosenInstitution) {
  auto b = as("bureau");
  std::string file = gbk("工号,姓名,类别,科室\nBU-1,甲,医师,内科\n");
  // Every hospital has a 内科: the bureau must say which, or use the code.
  auto amb = upload(b, "/api/v1/staff/import", file);
  ASSERT_EQ(amb.status, 422) << amb.body;
  EXPECT_EQ(errors(amb), (std::vector<std::string>{"2:department:ambiguous_department:内科"}));
  auto ok = upload(b, "/api/v1/staff/import?node=" + node("H002"), file);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff s JOIN org_nodes n ON n.id = s.node_id WHERE s.employee_no = 'BU-1' AND n.code = 'H002-NK'"), 1);
  // A hospital cannot aim the import at another hospital.
  auto h1 = as("hosp1");
  EXPECT_EQ(upload(h1, "/api/v1/staff/import?node=" + node("H002"), file).status, 403);
}

TEST_P(Imports, StaffTemplateUsesTheInstitutionsOwnDepartment) {
  auto h2 = as("hosp2");
  auto t = h2.get("/api/v1/staff/import/template");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_NE(t.headers["content-type"].find("text/csv"), std::string::npos);
  EXPECT_EQ(t.body.rfind("\xEF\xBB\xBF工号,姓名,类别,职称,科室编码,科室\r\n", 0), 0u) << t.body;
  EXPECT_NE(t.body.find("H002-"), std::string::npos) << t.body;
  EXPECT_EQ(t.body.find("H001-"), std::string::npos) << t.body;
  // The template imports as it is.
  auto r = upload(h2, "/api/v1/staff/import", t.body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 2);
}

TEST_P(Imports, FollowupsFromAMedicalRecordsExport) {
  auto c = as("hosp1");
  int64_t before = tasks();
  std::string d = days_ago(20);
  std::string file = gbk("住院号,姓名,性别,手机号,出院科室,出院日期\r\n"
                         "2025000123,王大明,男,13800001111,内科," + d + "\r\n"
                         "2025000124,李小红,女,0571-88888888,外科," + d + " 10:30\r\n"
                         "2025000125,赵小刚,男,138 0000 2222,H001-GK," + d + "\r\n");
  auto r = upload(c, "/api/v1/followups/import?node=" + node("H001") + "&days=7", file);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 3);
  EXPECT_EQ(tasks(), before + 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM followup_tasks WHERE phone_mask = '057******8888'"), 1);
}

TEST_P(Imports, FollowupBadRowsStoreNothing) {
  auto c = as("hosp1");
  int64_t before = tasks();
  std::string d = days_ago(10);
  std::string file = gbk("姓名,联系电话,出院科室,出院日期\n"
                         "甲,13800001111,内科," + d + "\n"
                         "乙,1380000111,内科," + d + "\n"       // 10 digits: not a mobile
                         "丙,88888888,内科," + d + "\n"          // landline without area code
                         "丁,13800003333,不存在科," + d + "\n"
                         "戊,13800004444,内科,明天\n"
                         "己,13800005555,内科," + days_ago(-3) + "\n");
  auto r = upload(c, "/api/v1/followups/import?node=" + node("H001"), file);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.js()["error"]["code"], "import_rejected");
  EXPECT_EQ(errors(r), (std::vector<std::string>{"3:phone:bad_phone:1380000111", "4:phone:bad_phone:88888888",
                                                 "5:department:unknown_department:不存在科", "6:discharge_date:bad_date:明天",
                                                 "7:discharge_date:future_date:" + days_ago(-3)}));
  EXPECT_EQ(tasks(), before);
  auto miss = upload(c, "/api/v1/followups/import?node=" + node("H001"), gbk("住院号,姓名,出院科室,出院日期\n1,甲,内科,2025-01-01\n"));
  EXPECT_EQ(miss.js()["error"]["code"], "missing_column");
  EXPECT_EQ(miss.js()["error"]["field"], "phone");
}

TEST_P(Imports, ADepartmentHeadImportsIntoTheirOwnDepartmentOnly) {
  auto c = as("dept");  // 内科 of 市第一人民医院
  int64_t before = tasks();
  std::string d = days_ago(5);
  auto bad = upload(c, "/api/v1/followups/import", gbk("姓名,手机号,出院科室,出院日期\n甲,13800001111,内科," + d +
                                                       "\n乙,13800002222,外科," + d + "\n"));
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(errors(bad), (std::vector<std::string>{"3:department:unknown_department:外科"}));
  EXPECT_EQ(tasks(), before);
  auto in_nk = [&] {
    return count("SELECT COUNT(*) FROM followup_tasks t JOIN org_nodes n ON n.id = t.node_id JOIN org_nodes u ON u.id = t.unit_id "
                 "WHERE n.code = 'H001-NK' AND u.code = 'H001'");
  };
  int64_t nk = in_nk();
  auto ok = upload(c, "/api/v1/followups/import", gbk("姓名,手机号,出院科室,出院日期\n甲,13800001111,内科," + d + "\n"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["imported"], 1);
  EXPECT_EQ(in_nk(), nk + 1);
  EXPECT_EQ(tasks(), before + 1);
  EXPECT_EQ(upload(c, "/api/v1/followups/import?node=" + node("H001"), "x").status, 403);
  // The template names the head's own department.
  auto t = c.get("/api/v1/followups/import/template");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.body.rfind("\xEF\xBB\xBF住院号,姓名,手机号,出院科室,出院日期\r\n", 0), 0u) << t.body;
  EXPECT_NE(t.body.find(",内科,"), std::string::npos) << t.body;
}

TEST_P(Imports, FollowupTemplateUsesTheHospitalsDepartment) {
  auto h2 = as("hosp2");
  auto t = h2.get("/api/v1/followups/import/template?node=" + node("H002"));
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.body.find("H001"), std::string::npos);
  auto r = upload(h2, "/api/v1/followups/import?node=" + node("H002"), t.body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 2);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Db, Imports, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
