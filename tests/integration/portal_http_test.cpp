// The complaints portal (src/portal) over HTTP against a real `manyi serve` on each database:
// the public form /c with its inlined context, the tracking page /t, the 整改情况公示 page /g, the public unit look-ups
// with bad input, and the console's inbox counts, statistics and Excel exports — scoped to the
// caller, so one hospital never counts or exports another's cases.
#include <gtest/gtest.h>

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

// The UTF-8 file name of a Content-Disposition header (filename*=UTF-8''…), decoded.
std::string utf8_file_name(const std::string& cd) {
  auto at = cd.find("filename*=UTF-8''");
  if (at == std::string::npos) return "";
  std::string enc = cd.substr(at + 17), out;
  for (size_t i = 0; i < enc.size() && enc[i] != ';'; ++i)
    if (enc[i] == '%' && i + 2 < enc.size()) {
      out += static_cast<char>(std::stoi(enc.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += enc[i];
    }
  return out;
}

class PortalHttp : public DemoServerTest {
 protected:
  // A public complaint about a node; returns its tracking code.
  std::string complain(const std::string& node_code, const std::string& text) {
    auto pub = server->client();
    auto r = pub.post("/api/v1/public/cases", {{"type", "complaint"},
                                               {"point", node_code},
                                               {"content", text},
                                               {"phone", "13912345678"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.js().value("tracking_code", "");
  }
};

std::string context_of(const std::string& html) {
  auto at = html.find("var CTX = ");
  if (at == std::string::npos) return "";
  auto end = html.find(";\n", at);
  return html.substr(at + 10, end - at - 10);
}

TEST_P(PortalHttp, ComplaintFormInlinesTheUnitAndPointOfTheLink) {
  auto pub = server->client();
  auto page = pub.get("/c?unit=H001&point=H001-NK");
  ASSERT_EQ(page.status, 200);
  auto ctx = json::parse(context_of(page.body));
  EXPECT_EQ(ctx["unit"]["name"], "市第一人民医院");
  EXPECT_EQ(ctx["unit"]["id"], node("H001"));
  EXPECT_EQ(ctx["point"]["name"], "内科");
  EXPECT_EQ(ctx["types"][0]["name"], "投诉");
  // Integrity categories are not offered to the public (they are routed, not chosen).
  ASSERT_FALSE(ctx["categories"].empty());
  for (auto& c : ctx["categories"]) EXPECT_NE(c["code"], "ethics");

  // A point of another hospital is ignored; the unit of a bare point is found.
  ctx = json::parse(context_of(pub.get("/c?unit=H001&point=H002-NK").body));
  EXPECT_TRUE(ctx["point"].is_null());
  EXPECT_EQ(ctx["unit"]["code"], "H001");
  ctx = json::parse(context_of(pub.get("/c?point=H002-NK").body));
  EXPECT_EQ(ctx["unit"]["code"], "H002");

  // Unknown or hostile codes give the plain form, never markup from the link.
  page = pub.get("/c?unit=%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("alert(1)"), std::string::npos);
  EXPECT_TRUE(json::parse(context_of(page.body))["unit"].is_null());

  auto track = pub.get("/t?code=ABC");
  EXPECT_EQ(track.status, 200);
  EXPECT_NE(track.body.find("办理进度查询"), std::string::npos);
}

// 整改情况公示 (/g): the unit named by the link — an org code, or the point of a rating page's
// link — is inlined for the page, which then reads that unit's public items.
TEST_P(PortalHttp, RectificationPageInlinesTheUnitOfTheLink) {
  auto pub = server->client();
  auto page = pub.get("/g?unit=H001");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("整改情况公示"), std::string::npos);
  EXPECT_NE(page.body.find("/api/v1/public/rectifications?unit="), std::string::npos);
  auto ctx = json::parse(context_of(page.body));
  EXPECT_EQ(ctx["unit"]["code"], "H001");
  EXPECT_EQ(ctx["unit"]["name"], "市第一人民医院");
  // A department's code or a point's names its institution.
  EXPECT_EQ(json::parse(context_of(pub.get("/g?unit=H002-NK").body))["unit"]["code"], "H002");
  EXPECT_EQ(json::parse(context_of(pub.get("/g?point=H001-NK").body))["unit"]["code"], "H001");
  // Unknown or hostile codes give the page without a unit, never markup from the link.
  page = pub.get("/g?unit=%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("alert(1)"), std::string::npos);
  EXPECT_TRUE(json::parse(context_of(page.body))["unit"].is_null());
}

TEST_P(PortalHttp, PublicUnitLookupsRejectBadInput) {
  auto pub = server->client();
  auto r = pub.get("/api/v1/public/units?q=%E4%B8%AD%E5%8C%BB");  // 中医
  ASSERT_EQ(r.status, 200);
  bool found = false;
  auto units = r.js();
  for (auto& u : units["items"]) found = found || u["code"] == "H002";
  EXPECT_TRUE(found) << r.body;
  EXPECT_EQ(pub.get("/api/v1/public/units?q=%25").js()["items"].size(), 0u);  // % is not a wildcard
  EXPECT_EQ(pub.get("/api/v1/public/units?q=" + std::string(101, 'a')).status, 422);
  auto bad = pub.get("/api/v1/public/units?q=%FF%FE");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "q");

  auto depts = pub.get("/api/v1/public/units/H001/departments");
  ASSERT_EQ(depts.status, 200);
  bool nk = false;
  auto list = depts.js();
  for (auto& d : list["items"]) {
    EXPECT_EQ(d["kind"], "department");
    nk = nk || d["code"] == "H001-NK";
  }
  EXPECT_TRUE(nk);
  EXPECT_EQ(pub.get("/api/v1/public/units/H001-NK/departments").status, 404);  // not an institution
  EXPECT_EQ(pub.get("/api/v1/public/units/%FF/departments").status, 400);  // not UTF-8 text: refused before routing
  EXPECT_EQ(pub.get("/api/v1/public/units/NOPE/departments").status, 404);
}

TEST_P(PortalHttp, CountsAndStatisticsAreScopedToTheCaller) {
  auto code = complain("H001-NK", "内科医生态度生硬，不耐烦，问两句就训斥人");
  // An open case in a county hospital too: the demo's worked cases leave open work wherever its
  // last weeks happen to fall, and the bureau must count more than one hospital's in any case.
  complain("H201-NK", "内科排队太久，等了两个多小时");
  auto hosp1 = as("hosp1"), hosp2 = as("hosp2"), bureau = as("bureau");

  auto c1 = hosp1.get("/api/v1/case-reports/counts");
  ASSERT_EQ(c1.status, 200) << c1.body;
  auto c2 = hosp2.get("/api/v1/case-reports/counts").js();
  auto cb = bureau.get("/api/v1/case-reports/counts").js();
  int64_t open1 = store::scalar_i64(db->query(
                                         "SELECT COUNT(*) FROM cases WHERE unit_id = ? AND status IN "
                                         "('pending', 'processing', 'waiting')",
                                         {node("H001")}))
                      .value_or(-1);
  EXPECT_EQ(c1.js()["unit"].get<int64_t>(), open1);
  EXPECT_GT(cb["unit"].get<int64_t>(), c1.js()["unit"].get<int64_t>());
  EXPECT_GE(cb["unit"].get<int64_t>(), c1.js()["unit"].get<int64_t>() + c2["unit"].get<int64_t>());
  // Another hospital's node is refused, not silently empty.
  EXPECT_EQ(hosp2.get("/api/v1/case-reports/counts?node=" + node("H001")).status, 403);
  EXPECT_EQ(hosp2.get("/api/v1/case-reports/stats?node=" + node("H001")).status, 403);
  EXPECT_EQ(server->client().get("/api/v1/case-reports/counts").status, 401);

  auto s1 = hosp1.get("/api/v1/case-reports/stats?from=2000-01-01&to=2100-12-31").js();
  auto s2 = hosp2.get("/api/v1/case-reports/stats?from=2000-01-01&to=2100-12-31").js();
  for (auto& u : s2["by_unit"]) EXPECT_NE(u["name"], "市第一人民医院");
  bool complaint = false;
  for (auto& t : s1["by_type"]) complaint = complaint || (t["code"] == "complaint" && t["count"].get<int64_t>() >= 1);
  EXPECT_TRUE(complaint) << s1.dump();
  EXPECT_EQ(hosp1.get("/api/v1/case-reports/stats?from=2026-13-01").status, 422);

  // The case list export holds the case for its hospital and not for the other.
  auto x1 = hosp1.get("/api/v1/case-reports/cases.xlsx?code=" + code);
  ASSERT_EQ(x1.status, 200);
  EXPECT_EQ(x1.body.substr(0, 2), "PK");
  auto x2 = hosp2.get("/api/v1/case-reports/cases.xlsx?code=" + code);
  ASSERT_EQ(x2.status, 200);
  EXPECT_LT(x2.body.size(), x1.body.size());  // header row only
  EXPECT_EQ(hosp1.get("/api/v1/case-reports/cases.xlsx?status=bogus").status, 422);
  auto xs = bureau.get("/api/v1/case-reports/stats.xlsx");
  ASSERT_EQ(xs.status, 200);
  EXPECT_EQ(xs.body.substr(0, 2), "PK");
  // Exports are audited.
  EXPECT_GE(store::scalar_i64(db->query("SELECT COUNT(*) FROM audit_log WHERE action = 'case.export'")).value_or(0), 3);
}

// 投诉统计 by department (科室): a case about a window counts under the window's department,
// the figures match the cases table, the rows add up to the total, and a hospital sees only
// its own departments.
TEST_P(PortalHttp, StatisticsBreakDownByDepartmentWithinTheCallersScope) {
  complain("H001-NK", "内科医生态度生硬，问两句就不耐烦");
  complain("H001-SFC-1", "收费窗口多收了挂号费，要求退费");
  complain("H002-NK", "内科候诊排队两个小时");
  auto hosp1 = as("hosp1"), hosp2 = as("hosp2");
  std::string all = "?from=2000-01-01&to=2100-12-31";
  auto r = hosp1.get("/api/v1/case-reports/stats" + all);
  ASSERT_EQ(r.status, 200) << r.body;
  auto s1 = r.js();
  ASSERT_TRUE(s1["by_department"].is_array());
  int64_t sum = 0;
  std::map<std::string, json> by_name;
  for (auto& d : s1["by_department"]) {
    sum += d["count"].get<int64_t>();
    EXPECT_EQ(d["unit_name"], "市第一人民医院");
    EXPECT_TRUE(d.contains("on_time_rate") && d.contains("avg_handling_days") && d.contains("reopen_rate") &&
                d.contains("satisfaction_rate") && d.contains("overdue"));
    by_name[d["name"].get<std::string>()] = d;
  }
  EXPECT_EQ(sum, s1["total"].get<int64_t>());
  auto count_about = [&](const std::string& dept_code) {
    return store::scalar_i64(db->query("SELECT COUNT(*) FROM cases c JOIN org_nodes n ON n.id = c.node_id "
                                       "LEFT JOIN org_nodes d ON d.id = n.parent_id WHERE c.sensitive = 0 AND "
                                       "(n.code = ? OR (n.kind = 'point' AND d.code = ?))",
                                       {dept_code, dept_code}))
        .value_or(-1);
  };
  ASSERT_TRUE(by_name.count("内科"));
  ASSERT_TRUE(by_name.count("收费处"));
  EXPECT_EQ(by_name["内科"]["id"], node("H001-NK"));
  EXPECT_GE(by_name["收费处"]["count"].get<int64_t>(), 1);
  // hosp1 may see the integrity cases too; compare the non-integrity count as a floor.
  EXPECT_GE(by_name["内科"]["count"].get<int64_t>(), count_about("H001-NK"));
  EXPECT_GE(by_name["收费处"]["count"].get<int64_t>(), count_about("H001-SFC"));
  // Another hospital never sees the first one's departments.
  auto s2 = hosp2.get("/api/v1/case-reports/stats" + all).js();
  ASSERT_GT(s2["by_department"].size(), 0u);
  for (auto& d : s2["by_department"]) EXPECT_NE(d["unit_name"], "市第一人民医院");
  // Narrowed to one department: that department only.
  auto nk = hosp1.get("/api/v1/case-reports/stats" + all + "&node=" + node("H001-NK")).js();
  ASSERT_EQ(nk["by_department"].size(), 1u) << nk["by_department"].dump();
  EXPECT_EQ(nk["by_department"][0]["name"], "内科");
  EXPECT_EQ(nk["by_department"][0]["count"], nk["total"]);
}

TEST_P(PortalHttp, CaseExportsAreNamedInChineseWithTheUnitAndPeriod) {
  auto hosp1 = as("hosp1");
  auto x = hosp1.get("/api/v1/case-reports/cases.xlsx?from=2026-11-01&to=2026-11-30");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 200);
  auto cd = x.headers["content-disposition"];
  EXPECT_EQ(utf8_file_name(cd), "市第一人民医院_投诉案件清单_2026-11-01至2026-11-30.xlsx") << cd;
  EXPECT_NE(cd.find("filename=\"cases_2026-11-01_2026-11-30.xlsx\""), std::string::npos) << cd;
  auto s = hosp1.get("/api/v1/case-reports/stats.xlsx?from=2026-01-01&to=2026-12-31&node=" + node("H001"));
  ASSERT_EQ(s.status, 200) << s.body.substr(0, 200);
  EXPECT_EQ(utf8_file_name(s.headers["content-disposition"]), "市第一人民医院_投诉统计_2026-01-01至2026-12-31.xlsx");
  // Another hospital's node is refused, so its name never reaches a file name.
  auto other = hosp1.get("/api/v1/case-reports/cases.xlsx?node=" + node("H002"));
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.headers.count("content-disposition"), 0u);
  // Without a period the name says up to which day it runs.
  auto all = hosp1.get("/api/v1/case-reports/cases.xlsx");
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(utf8_file_name(all.headers["content-disposition"]).find("市第一人民医院_投诉案件清单_截至"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Db, PortalHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
