// Cases over HTTP against a real `manyi serve` on each database: a citizen's complaint from
// the public form through handling, reply and the citizen's own rating on the tracking page;
// what other units, roles and the public may see; bad requests; the calendar admin.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class CasesHttp : public DemoServerTest {
 protected:
  int64_t count_cases() { return count("SELECT COUNT(*) FROM cases"); }
};

TEST_P(CasesHttp, CitizenComplaintFromFormToRatedReply) {
  auto handler = as("handler");
  auto stats0 = handler.get("/api/v1/cases/stats").js();
  auto pub = server->client();
  auto opts = pub.get("/api/v1/public/cases/options");
  ASSERT_EQ(opts.status, 200);
  EXPECT_EQ(opts.js()["types"][0]["name"], "投诉");

  // The fields of the issue: the unit and point by their printed codes, name and phone.
  auto made = pub.post("/api/v1/public/cases", {{"type", "complaint"},
                                                {"unit", "H001"},
                                                {"point", "H001-NK"},
                                                {"content", "内科护士态度很差，不耐烦，还训斥我母亲"},
                                                {"name", "李四"},
                                                {"phone", "13912345678"}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string code = made.js()["tracking_code"];
  ASSERT_EQ(code.size(), 10u);

  // The code alone is not enough when a phone number was left: its last four digits are asked too.
  EXPECT_EQ(pub.get("/api/v1/public/cases/" + code).status, 404);
  EXPECT_EQ(pub.get("/api/v1/public/cases/" + code + "?phone_last4=0000").status, 404);
  auto track = pub.get("/api/v1/public/cases/" + code + "?phone_last4=5678");
  ASSERT_EQ(track.status, 200);
  EXPECT_EQ(track.js()["status_name"], "待受理");
  EXPECT_EQ(track.js()["node_name"], "内科");
  EXPECT_FALSE(track.js()["can_rate"].get<bool>());
  EXPECT_EQ(track.body.find("13912345678"), std::string::npos);
  EXPECT_EQ(track.body.find("139****5678"), std::string::npos);  // not even masked
  EXPECT_EQ(pub.get("/api/v1/public/cases/AAAAAAAAAA?phone_last4=5678").status, 404);

  auto list = handler.get("/api/v1/cases?code=" + code.substr(0, 5) + "-" + code.substr(5));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.js()["items"].size(), 1u);
  auto item = list.js()["items"][0];
  EXPECT_EQ(item["phone"], "139****5678");
  EXPECT_EQ(item["complainant"], "李*");
  // Suggested from the text, down to the sub-category (训斥 → 语言粗暴).
  EXPECT_EQ(item["category"], "attitude_rude");
  EXPECT_EQ(item["category_name"], "服务态度 · 语言粗暴");
  EXPECT_EQ(item["owner"]["name"], "市第一人民医院");
  EXPECT_EQ(item["node"]["name"], "内科");  // the point named by its code
  EXPECT_EQ(list.body.find("13912345678"), std::string::npos);
  std::string id = item["id"];
  // The detail names the words that chose the category.
  auto detail_js = handler.get("/api/v1/cases/" + id).js();
  auto matched = detail_js["matched_keywords"].get<std::vector<std::string>>();
  for (const char* w : {"态度", "不耐烦", "训斥"})
    EXPECT_NE(std::find(matched.begin(), matched.end(), w), matched.end()) << w << " " << detail_js["matched_keywords"].dump();
  // A keyword finds it in the list; the top category's filter covers its sub-category.
  auto has_id = [&](const std::string& query) {
    auto r = handler.get("/api/v1/cases?" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    auto js = r.js();  // keep the parsed body alive for the loop
    for (auto& it : js["items"])
      if (it["id"] == id) return true;
    return false;
  };
  EXPECT_TRUE(has_id("q=%E8%AE%AD%E6%96%A5%E6%88%91%E6%AF%8D%E4%BA%B2"));  // 训斥我母亲
  EXPECT_FALSE(has_id("q=%E8%AE%AD%E6%96%A5%E6%88%91%E7%88%B6%E4%BA%B2"));  // 训斥我父亲
  EXPECT_TRUE(has_id("category=attitude"));
  EXPECT_FALSE(has_id("category=charges"));
  EXPECT_EQ(handler.get("/api/v1/cases?q=" + std::string(101, 'a')).status, 422);
  // The suggestion endpoint shows the same words.
  auto sug = handler.post("/api/v1/cases/suggest-category", {{"content", "收费处多收了挂号费"}});
  ASSERT_EQ(sug.status, 200) << sug.body;
  EXPECT_EQ(sug.js()["category"], "charges_over");
  EXPECT_EQ(sug.js()["category_name"], "收费 · 多收乱收");
  EXPECT_EQ(sug.js()["matched"], json({"收费", "挂号费", "多收"}));  // the words of the shipped rules (0016)

  auto contact = handler.get("/api/v1/cases/" + id + "/contact");
  ASSERT_EQ(contact.status, 200);
  EXPECT_EQ(contact.js()["phone"], "13912345678");
  auto dept = as("dept");
  EXPECT_EQ(dept.get("/api/v1/cases/" + id).status, 200);  // about 内科: the head sees it
  EXPECT_EQ(dept.get("/api/v1/cases/" + id + "/contact").status, 403);

  auto before = handler.get("/api/v1/cases/" + id).js()["actions"];
  EXPECT_NE(std::find(before.begin(), before.end(), "accept"), before.end());
  EXPECT_EQ(std::find(before.begin(), before.end(), "callback"), before.end());
  auto dept_actions = dept.get("/api/v1/cases/" + id).js()["actions"];
  EXPECT_EQ(std::find(dept_actions.begin(), dept_actions.end(), "accept"), dept_actions.end());
  auto acc = handler.post("/api/v1/cases/" + id + "/accept", json::object());
  ASSERT_EQ(acc.status, 200) << acc.body;
  EXPECT_EQ(acc.js()["status"], "processing");
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/accept", json::object()).js()["error"]["code"], "invalid_state");
  auto rep = handler.post("/api/v1/cases/" + id + "/reply",
                          {{"reply", "经调查核实，已对当事护士批评教育，并向您致歉。"}, {"outcome", "substantiated"}});
  ASSERT_EQ(rep.status, 200) << rep.body;
  EXPECT_EQ(rep.js()["status_name"], "已答复");

  track = pub.get("/api/v1/public/cases/" + code + "?phone_last4=5678");
  EXPECT_TRUE(track.js()["can_rate"].get<bool>());
  EXPECT_EQ(track.js()["reply"], "经调查核实，已对当事护士批评教育，并向您致歉。");
  EXPECT_EQ(
      pub.post("/api/v1/public/cases/" + code + "/callback", {{"result", "satisfied"}, {"phone_last4", "1234"}}).status,
      404);
  auto rated = pub.post("/api/v1/public/cases/" + code + "/callback",
                        {{"result", "basically_satisfied"}, {"phone_last4", "5678"}});
  ASSERT_EQ(rated.status, 200) << rated.body;
  EXPECT_EQ(rated.js()["status"], "closed");
  EXPECT_EQ(pub.post("/api/v1/public/cases/" + code + "/callback?phone_last4=5678", {{"result", "satisfied"}}).status,
            409);

  auto detail = handler.get("/api/v1/cases/" + id);
  ASSERT_EQ(detail.status, 200);
  EXPECT_EQ(detail.js()["callback_name"], "基本满意");
  EXPECT_EQ(detail.js()["events"].size(), 4u);  // register, accept, reply, callback
  auto stats = handler.get("/api/v1/cases/stats");
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.js()["total"].get<int64_t>(), stats0["total"].get<int64_t>() + 1);
  EXPECT_EQ(stats.js()["basically_satisfied"].get<int64_t>(), stats0["basically_satisfied"].get<int64_t>() + 1);
  EXPECT_EQ(stats.js()["replied"].get<int64_t>(), stats0["replied"].get<int64_t>() + 1);
}

TEST_P(CasesHttp, OtherUnitsRolesAndAnonymousSeeNothing) {
  auto handler = as("handler");
  auto made = handler.post("/api/v1/cases", {{"type", "complaint"},
                                             {"channel", "hotline"},
                                             {"node_id", node("H001-SFC")},
                                             {"content", "收费处多收了挂号费"},
                                             {"complainant_phone", "13800000001"}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string id = made.js()["id"];
  EXPECT_EQ(made.js()["owner"]["name"], "市第一人民医院");  // 首问负责: the handler's unit
  EXPECT_EQ(made.js()["category"], "charges_over");
  EXPECT_EQ(made.js()["category_name"], "收费 · 多收乱收");

  auto hosp2 = as("hosp2");
  EXPECT_EQ(hosp2.get("/api/v1/cases/" + id).status, 404);
  EXPECT_EQ(hosp2.post("/api/v1/cases/" + id + "/accept", json::object()).status, 404);
  EXPECT_EQ(hosp2.get("/api/v1/cases/" + id + "/contact").status, 404);
  auto l = hosp2.get("/api/v1/cases?limit=500");
  ASSERT_EQ(l.status, 200);
  EXPECT_EQ(l.body.find(id), std::string::npos);
  json listed = l.js();  // iterated below: a temporary's member would be freed before the loop (ASan)
  for (auto& item : listed["items"]) EXPECT_EQ(item["unit_id"], node("H002"));
  EXPECT_TRUE(hosp2.get("/api/v1/cases?code=" + made.js()["tracking_code"].get<std::string>()).js()["items"].empty());
  EXPECT_EQ(hosp2.get("/api/v1/cases?node=" + node("H001")).status, 403);
  EXPECT_EQ(hosp2.get("/api/v1/cases/stats?node=" + node("H001")).status, 403);
  // Registering a case about another institution is refused.
  EXPECT_EQ(hosp2
                .post("/api/v1/cases",
                      {{"type", "complaint"}, {"channel", "visit"}, {"node_id", node("H001")}, {"content", "x"}})
                .status,
            403);

  auto staff = as("staff");
  EXPECT_EQ(staff.get("/api/v1/cases").status, 403);
  auto anon = server->client();
  EXPECT_EQ(anon.get("/api/v1/cases/" + id).status, 401);
  // A signed-in request without the CSRF token changes nothing.
  handler.send_csrf = false;
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/accept", json::object()).status, 403);
  handler.send_csrf = true;
  // Unchanged: registered by an operator, the case was received at once (办理中).
  EXPECT_EQ(made.js()["status"], "processing");
  EXPECT_EQ(handler.get("/api/v1/cases/" + id).js()["status"], "processing");

  auto bureau = as("bureau");
  EXPECT_EQ(bureau.get("/api/v1/cases/" + id).status, 200);
  EXPECT_EQ(bureau.post("/api/v1/cases/" + id + "/supervise", {{"note", "x"}, {"days", 99}}).js()["error"]["field"],
            "days");
  // 督办 with the bureau's own deadline: three working days from today, as the calendar counts.
  auto sup = bureau.post("/api/v1/cases/" + id + "/supervise", {{"note", "请三日内办结并报告"}, {"days", 3}});
  ASSERT_EQ(sup.status, 200) << sup.body;
  EXPECT_EQ(sup.js()["level_name"], "督办");
  auto due = bureau.get("/api/v1/calendar/deadline?days=3").js();
  EXPECT_EQ(sup.js()["deadline_at"], due["deadline_at"]);
  auto tl = bureau.get("/api/v1/cases/" + id).js();
  EXPECT_NE(tl["events"].back()["note"].get<std::string>().find("督办期限：" + due["deadline"].get<std::string>()),
            std::string::npos)
      << tl["events"].dump();
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/supervise", {{"note", "x"}}).status, 403);
}

TEST_P(CasesHttp, ReopeningKeepsTheSubmissionTimeOnThePublicPageAndInTheFigures) {
  auto pub = server->client();
  auto made = pub.post("/api/v1/public/cases", {{"type", "complaint"},
                                                {"unit", "H001"},
                                                {"content", "收费处多收了挂号费"},
                                                {"phone", "13912340001"}});
  ASSERT_EQ(made.status, 201) << made.body;
  std::string code = made.js()["tracking_code"];
  auto track = [&] { return pub.get("/api/v1/public/cases/" + code + "?phone_last4=0001").js(); };
  int64_t received = track()["received_at"];
  auto handler = as("handler");
  std::string id = handler.get("/api/v1/cases?code=" + code).js()["items"][0]["id"];
  ASSERT_EQ(handler.post("/api/v1/cases/" + id + "/accept", json::object()).status, 200);
  ASSERT_EQ(handler.post("/api/v1/cases/" + id + "/reply", {{"reply", "已退费。"}, {"outcome", "substantiated"}}).status, 200);
  auto figures = [&] { return handler.get("/api/v1/case-reports/stats?node=" + node("H001")).js(); };
  auto before = figures();

  auto rated = pub.post("/api/v1/public/cases/" + code + "/callback",
                        {{"result", "unsatisfied"}, {"comment", "还要道歉。"}, {"phone_last4", "0001"}});
  ASSERT_EQ(rated.status, 200) << rated.body;
  auto t = track();
  EXPECT_EQ(t["status"], "processing");
  EXPECT_EQ(t["received_at"].get<int64_t>(), received);  // 提交时间 stays
  auto detail = handler.get("/api/v1/cases/" + id).js();
  EXPECT_EQ(detail["received_at"].get<int64_t>(), received);
  EXPECT_GE(detail["reopened_at"].get<int64_t>(), received);
  EXPECT_EQ(t["deadline_at"], detail["deadline_at"]);
  // The public history: the rating and the reopening, in public words, without "。，".
  auto& ev = t["events"];
  ASSERT_GE(ev.size(), 4u);
  EXPECT_EQ(ev[ev.size() - 2]["note"], "您的评价：不满意");
  EXPECT_EQ(ev.back()["action"], "reopen");
  EXPECT_EQ(ev.back()["note"].get<std::string>().rfind("重新办理，答复期限 ", 0), 0u) << ev.dump();
  EXPECT_EQ(t.dump().find("。，"), std::string::npos);

  // Answered again: the figures still measure the first answer (one answer, same time taken).
  ASSERT_EQ(handler.post("/api/v1/cases/" + id + "/reply", {{"reply", "已当面致歉。"}, {"outcome", "substantiated"}}).status,
            200);
  auto after = figures();
  EXPECT_EQ(after["replied"], before["replied"]);
  EXPECT_EQ(after["on_time_rate"], before["on_time_rate"]);
  EXPECT_EQ(after["avg_handling_days"], before["avg_handling_days"]);
  EXPECT_EQ(after["reopened"].get<int64_t>(), before["reopened"].get<int64_t>() + 1);
}

TEST_P(CasesHttp, WrongPhoneDigitsLockTheCodeForAnHour) {
  auto pub = server->client();
  auto file = [&](const std::string& phone) {
    auto made = pub.post("/api/v1/public/cases",
                         {{"type", "complaint"}, {"unit", "H001"}, {"content", "查询进度"}, {"phone", phone}});
    EXPECT_EQ(made.status, 201) << made.body;
    return made.js()["tracking_code"].get<std::string>();
  };
  auto code = file("13912342222"), other = file("13912343333");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(pub.get("/api/v1/public/cases/" + code + "?phone_last4=9999").status, 404);
  // Even the right digits now wait, on every route that checks them; another code does not.
  auto locked = pub.get("/api/v1/public/cases/" + code + "?phone_last4=2222");
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(locked.js()["error"]["code"], "track_locked");
  EXPECT_EQ(locked.js()["error"]["field"], "phone_last4");
  ASSERT_TRUE(locked.headers.count("retry-after"));
  int wait = std::stoi(locked.headers["retry-after"]);
  EXPECT_GT(wait, 3500);
  EXPECT_LE(wait, 3600);
  auto cb = pub.post("/api/v1/public/cases/" + code + "/callback", {{"result", "satisfied"}, {"phone_last4", "2222"}});
  EXPECT_EQ(cb.status, 429);
  EXPECT_TRUE(cb.headers.count("retry-after"));
  auto up = pub.request("POST", "/api/v1/public/cases/" + code + "/attachments?phone_last4=2222&name=a.png", "x");
  EXPECT_EQ(up.status, 429);
  EXPECT_EQ(pub.get("/api/v1/public/cases/" + other + "?phone_last4=3333").status, 200);
  EXPECT_EQ(count("SELECT failures FROM case_track_failures c JOIN cases k ON k.id = c.case_id WHERE k.tracking_code = ?",
                  {code}),
            5);
}

TEST_P(CasesHttp, BadRequestsGetFieldErrorsAndStoreNothing) {
  auto pub = server->client();
  int64_t before = count_cases();
  auto bad = [&](const json& body, int status, const std::string& field) {
    auto r = pub.post("/api/v1/public/cases", body);
    EXPECT_EQ(r.status, status) << body.dump() << " " << r.body;
    if (!field.empty()) {
      EXPECT_EQ(r.js()["error"]["field"], field) << r.body;
    }
  };
  json ok = {{"type", "complaint"}, {"unit", "H001"}, {"content", "排队太久"}, {"phone", "13912345678"}};
  auto with = [&](const char* k, json v) {
    json b = ok;
    b[k] = std::move(v);
    return b;
  };
  auto without = [&](const char* k) {
    json b = ok;
    b.erase(k);
    return b;
  };
  bad(with("type", "adverse_event"), 422, "type");  // staff reports are not a public form
  bad(without("type"), 422, "type");
  bad(without("phone"), 422, "phone");
  bad(with("phone", "call me"), 422, "phone");
  bad(with("phone", 13912345678), 422, "phone");
  bad(without("unit"), 422, "unit");
  bad(with("unit", "NOSUCH"), 422, "unit");
  bad(with("unit", "H001'--"), 422, "unit");
  bad(with("point", "H002-NK"), 422, "point");  // a department of another hospital
  bad(with("point", "NOSUCHPOINT"), 422, "point");
  bad(with("name", std::string(300, 'x')), 422, "name");
  bad(with("content", ""), 422, "content");
  bad(with("content", 42), 422, "content");
  // The console's form of the target (node_id) is accepted when no code is given.
  json by_id = without("unit");
  by_id["node_id"] = "abc";
  bad(by_id, 422, "node_id");
  by_id["node_id"] = "123456789";
  bad(by_id, 422, "node_id");
  bad(with("category", "astrology"), 422, "category");
  bad(with("channel", "hotline"), 422, "channel");
  auto garbage = pub.request("POST", "/api/v1/public/cases", "{not json");
  EXPECT_EQ(garbage.status, 400);
  auto huge = pub.post("/api/v1/public/cases", with("content", std::string(20000, 'a')));
  EXPECT_EQ(huge.status, 413);
  EXPECT_EQ(count_cases(), before);

  auto handler = as("handler");
  auto made = handler.post(
      "/api/v1/cases",
      {{"type", "suggestion"}, {"channel", "opinion_box"}, {"node_id", node("H001")}, {"content", "建议增加自助机"}});
  ASSERT_EQ(made.status, 201);
  std::string id = made.js()["id"];
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/reply", json::object()).js()["error"]["field"], "reply");
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/transfer", {{"to_node_id", "1"}}).js()["error"]["field"],
            "to_node_id");
  EXPECT_EQ(handler.post("/api/v1/cases/" + id + "/extension", {{"days", 99}, {"reason", "x"}}).js()["error"]["field"],
            "days");
  EXPECT_EQ(handler.post("/api/v1/cases/999999/accept", json::object()).status, 404);
  EXPECT_EQ(handler.post("/api/v1/cases/abc/accept", json::object()).status, 404);
  EXPECT_EQ(handler.get("/api/v1/cases?status=lost").js()["error"]["field"], "status");
  EXPECT_EQ(handler.get("/api/v1/cases?limit=9999").js()["error"]["field"], "limit");
  EXPECT_EQ(handler.get("/api/v1/cases?from=2026-13-01").js()["error"]["field"], "from");
  // Unchanged by the bad requests: 办理中 since registration (the operator received it).
  EXPECT_EQ(handler.get("/api/v1/cases/" + id).js()["status"], "processing");
  EXPECT_EQ(count_cases(), before + 1);
}

TEST_P(CasesHttp, CalendarIsEditedByTheBureauOnly) {
  auto hosp1 = as("hosp1");
  auto y = hosp1.get("/api/v1/calendar?year=2026");
  ASSERT_EQ(y.status, 200);
  EXPECT_TRUE(y.js()["has_data"].get<bool>());
  EXPECT_EQ(y.js()["workdays"], 248);
  EXPECT_EQ(hosp1.get("/api/v1/calendar?year=20x6").status, 422);
  auto dl = hosp1.get("/api/v1/calendar/deadline?from=2026-02-13&days=5");
  EXPECT_EQ(dl.js()["deadline"], "2026-02-27");
  EXPECT_EQ(hosp1.request("PUT", "/api/v1/calendar/days/2026-03-04", R"({"workday":false})").status, 403);

  auto bureau = as("bureau");
  auto put = bureau.request("PUT", "/api/v1/calendar/days/2026-03-04", R"({"workday":false,"name":"地方假日"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_FALSE(put.js()["workday"].get<bool>());
  EXPECT_EQ(hosp1.get("/api/v1/calendar/deadline?from=2026-03-02&days=5").js()["deadline"], "2026-03-10");
  EXPECT_EQ(bureau.request("PUT", "/api/v1/calendar/days/2026-03-04", R"({"workday":null})").status, 200);
  EXPECT_EQ(hosp1.get("/api/v1/calendar/deadline?from=2026-03-02&days=5").js()["deadline"], "2026-03-09");
  EXPECT_EQ(bureau.request("PUT", "/api/v1/calendar/days/2026-02-30", R"({"workday":true})").status, 422);

  auto imp = bureau.post("/api/v1/calendar/import",
                         {{"years",
                           {{"2027",
                             {{"holidays", {{{"name", "元旦"}, {"from", "2027-01-01"}, {"to", "2027-01-03"}}}},
                              {"workdays", {"2027-01-09"}}}}}}});
  ASSERT_EQ(imp.status, 200) << imp.body;
  EXPECT_EQ(imp.js()["days"], 4);
  EXPECT_EQ(bureau.post("/api/v1/calendar/import", {{"years", {{"2027", {{"workdays", {"2028-01-01"}}}}}}}).status,
            422);
  EXPECT_EQ(hosp1.get("/api/v1/calendar?year=2027").js()["days"].size(), 4u);

  EXPECT_EQ(hosp1.request("PUT", "/api/v1/cases/sla/complaint", R"({"reply_days":3,"multi_days":8})").status, 403);
  auto sla =
      bureau.request("PUT", "/api/v1/cases/sla/complaint", R"({"reply_days":3,"multi_days":8,"warn_ratio":0.5})");
  ASSERT_EQ(sla.status, 200) << sla.body;
  EXPECT_EQ(sla.js()["name"], "投诉");
  EXPECT_EQ(bureau.request("PUT", "/api/v1/cases/sla/nonsense", R"({"reply_days":3,"multi_days":8})").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Db, CasesHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
