// Follow-up visits (出院回访) as a nurse works them, against a real `manyi serve` on each
// database: every attempt keeps its own note and time; 预约回访时间 moves the task's call day;
// failed calls never close a task by themselves (标记为无法联系 is offered after three and
// unreachable patients stay in the rate's denominator); the call screen lists the patient's
// earlier ratings and complaints of the caller's own scope only; a bad rating on a call names
// its 差评工单. Paper forms (意见箱): the date filled in, no future or pre-point dates, and the
// form number refused a second time at the same point.
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "metrics/satisfaction.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class FollowupHttp : public DemoServerTest {
 protected:
  static std::string day_text(int d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
    return buf;
  }
  static int today() { return period::local_day(now_ms()); }
  static std::string days_ago(int n) { return day_text(period::add_days(today(), -n)); }
  // Imports one patient of `dept` (a department code of H001) discharged `ago` days ago, due
  // 7 days after discharge; returns the task id.
  std::string import_one(const std::string& name, const std::string& phone, const std::string& dept, int ago) {
    auto h1 = as("hosp1");
    std::string csv = "姓名,手机号,出院科室,出院日期\n" + name + "," + phone + "," + dept + "," + days_ago(ago) + "\n";
    auto r = h1.request("POST", "/api/v1/followups/import?node=" + node("H001") + "&days=7", csv,
                        {{"Content-Type", "text/csv"}});
    EXPECT_EQ(r.status, 200) << r.body;
    auto rows = db->query("SELECT id FROM followup_tasks ORDER BY id DESC LIMIT 1");
    return std::to_string(rows[0].i64(0));
  }
  // Whether the task is among the open tasks of hosp1 with this ?due= filter.
  bool listed(const std::string& tid, const std::string& due) {
    auto r = as("hosp1").get("/api/v1/followups/tasks?status=open&limit=500&due=" + due);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body.find("\"" + tid + "\"") != std::string::npos;
  }
  std::string point_of(const std::string& node_code) {
    auto r = db->query("SELECT p.id FROM collection_points p JOIN org_nodes n ON n.id = p.node_id WHERE n.code = ? "
                       "AND p.active = 1 AND p.staff_id IS NULL ORDER BY p.id LIMIT 1",
                       {node_code});
    return std::to_string(r[0].i64(0));
  }
};

TEST_P(FollowupHttp, AttemptsKeepTheirNotesAndACallBackMovesTheCallDay) {
  auto h1 = as("hosp1");
  std::string tid = import_one("周回访", "13900005555", "内科", 10);  // due 3 days ago
  EXPECT_TRUE(listed(tid, "overdue"));
  EXPECT_FALSE(listed(tid, "today"));
  auto a1 = h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "not_reached"}, {"note", "无人接听"}});
  ASSERT_EQ(a1.status, 200) << a1.body;
  // 预约回访时间: only on an attempt that did not reach the patient, and not in the past.
  int64_t tomorrow_10 = period::day_start_ms(period::add_days(today(), 1)) + 10 * 3600 * 1000;
  auto past = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                      {{"outcome", "not_reached"}, {"callback_at", now_ms() - 3600 * 1000}});
  EXPECT_EQ(past.status, 422);
  EXPECT_EQ(past.js()["error"]["code"], "callback_in_past");
  EXPECT_EQ(past.js()["error"]["field"], "callback_at");
  auto on_reached = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                            {{"outcome", "reached"}, {"overall", 5}, {"callback_at", tomorrow_10}});
  EXPECT_EQ(on_reached.status, 422);
  EXPECT_EQ(on_reached.js()["error"]["field"], "callback_at");
  auto a2 = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                    {{"outcome", "not_reached"}, {"note", "患者在开会，约明早十点"}, {"callback_at", tomorrow_10}});
  ASSERT_EQ(a2.status, 200) << a2.body;
  EXPECT_EQ(a2.js()["call_date"], day_text(period::add_days(today(), 1)));
  EXPECT_EQ(a2.js()["callback_at"], tomorrow_10);
  EXPECT_EQ(a2.js()["due_date"], days_ago(3));  // the rate's period does not move
  // Rescheduled to tomorrow: neither overdue nor due today any more.
  EXPECT_FALSE(listed(tid, "overdue"));
  EXPECT_FALSE(listed(tid, "today"));
  // Both attempts, each with its own note and time, on the call screen.
  auto screen = h1.get("/api/v1/followups/tasks/" + tid).js();
  ASSERT_EQ(screen["history"].size(), 2u) << screen.dump();
  EXPECT_EQ(screen["history"][0]["note"], "无人接听");
  EXPECT_TRUE(screen["history"][0]["callback_at"].is_null());
  EXPECT_EQ(screen["history"][1]["note"], "患者在开会，约明早十点");
  EXPECT_EQ(screen["history"][1]["callback_at"], tomorrow_10);
  EXPECT_EQ(screen["history"][1]["outcome_label"], "未接通");
  EXPECT_LE(screen["history"][0]["at"].get<int64_t>(), screen["history"][1]["at"].get<int64_t>());
  EXPECT_FALSE(screen["history"][0]["by"].get<std::string>().empty());
  // A call back later today puts the task in 今日应访.
  int64_t soon = now_ms() + 2 * 60 * 1000;
  if (period::local_day(soon) == today()) {
    auto a3 = h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "not_reached"}, {"callback_at", soon}});
    ASSERT_EQ(a3.status, 200) << a3.body;
    EXPECT_TRUE(listed(tid, "today"));
    EXPECT_FALSE(listed(tid, "overdue"));
  }
  // Another hospital can neither see nor record attempts of this task.
  EXPECT_EQ(as("hosp2").post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "not_reached"}}).status, 403);
}

TEST_P(FollowupHttp, FailedCallsNeverCloseATaskAndUnreachableStaysInTheRate) {
  auto h1 = as("hosp1");
  std::string tid = import_one("吴无人", "13900006666", "骨科", 45);  // due 38 days ago
  auto early = h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "unreachable"}});
  EXPECT_EQ(early.status, 409);
  EXPECT_EQ(early.js()["error"]["code"], "too_few_attempts");
  EXPECT_EQ(early.js()["error"]["field"], "outcome");
  for (int i = 1; i <= 3; ++i) {
    auto a = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                     {{"outcome", "not_reached"}, {"note", "第" + std::to_string(i) + "次无人接听"}});
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.js()["status"], "not_reached");  // was: the third silently became 无法联系
    EXPECT_EQ(a.js()["attempts"], i);
  }
  EXPECT_TRUE(listed(tid, "overdue"));
  auto screen = h1.get("/api/v1/followups/tasks/" + tid).js();
  bool offered = false;
  for (auto& o : screen["outcomes"]) offered = offered || o["code"] == "unreachable";
  EXPECT_TRUE(offered) << screen["outcomes"].dump();
  EXPECT_EQ(screen["unreachable_after"], 3);
  auto mark = h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "unreachable"}, {"note", "空号"}});
  ASSERT_EQ(mark.status, 200) << mark.body;
  EXPECT_EQ(mark.js()["status"], "unreachable");
  EXPECT_EQ(mark.js()["attempts"], 3);  // the mark is a decision, not a call
  EXPECT_FALSE(listed(tid, "overdue"));
  EXPECT_EQ(h1.get("/api/v1/followups/tasks/" + tid).js()["history"].size(), 4u);
  // The rate of 骨科 for its due day: the unreachable patient is in the denominator.
  auto rates = h1.get("/api/v1/followups/rates?node=" + node("H001") + "&period=custom&from=" + days_ago(38) +
                      "&to=" + days_ago(38));
  ASSERT_EQ(rates.status, 200) << rates.body;
  auto rj = rates.js();
  EXPECT_NE(rj["rule"].get<std::string>().find("无法联系的患者计入应回访"), std::string::npos);
  bool seen = false;
  for (auto& x : rj["items"])
    if (x["name"] == "骨科") {
      seen = true;
      EXPECT_EQ(x["due"], 1);
      EXPECT_EQ(x["unreachable"], 1);
      EXPECT_EQ(x["contacted"], 0);
      EXPECT_DOUBLE_EQ(x["rate"].get<double>(), 0.0);
      EXPECT_EQ(x["met"], false);
    }
  EXPECT_TRUE(seen) << rates.body;
}

TEST_P(FollowupHttp, CallScreenShowsThePatientsEarlierRatingsAndComplaintsOfTheCallersScopeOnly) {
  auto h1 = as("hosp1");
  auto h2 = as("hosp2");
  const std::string phone = "13900007777";
  // The patient rated H001 and H002 before, and complained about both.
  auto r1 = h1.post("/api/v1/ratings", {{"point_id", point_of("H001-NK")}, {"channel", "phone"}, {"overall", 2},
                                        {"comment", "一院内科等候太久"}, {"phone", phone}});
  ASSERT_EQ(r1.status, 201) << r1.body;
  auto r2 = h2.post("/api/v1/ratings", {{"point_id", point_of("H002-NK")}, {"channel", "phone"}, {"overall", 4},
                                        {"comment", "二院的留言不可见"}, {"phone", phone}});
  ASSERT_EQ(r2.status, 201) << r2.body;
  auto c1 = as("handler").post("/api/v1/cases", {{"type", "complaint"}, {"channel", "hotline"}, {"node_id", node("H001-NK")},
                                                 {"content", "一院内科护士态度差"}, {"complainant_phone", phone}});
  ASSERT_EQ(c1.status, 201) << c1.body;
  auto c2 = h2.post("/api/v1/cases", {{"type", "complaint"}, {"channel", "hotline"}, {"node_id", node("H002-NK")},
                                      {"content", "二院的投诉不可见"}, {"complainant_phone", phone}});
  ASSERT_EQ(c2.status, 201) << c2.body;
  std::string tid = import_one("钱既往", phone, "内科", 8);
  auto screen = h1.get("/api/v1/followups/tasks/" + tid);
  ASSERT_EQ(screen.status, 200) << screen.body;
  auto s = screen.js();
  ASSERT_EQ(s["earlier_ratings"].size(), 1u) << s["earlier_ratings"].dump();
  EXPECT_EQ(s["earlier_ratings"][0]["comment"], "一院内科等候太久");
  EXPECT_EQ(s["earlier_ratings"][0]["overall"], 2);
  EXPECT_EQ(s["earlier_ratings"][0]["id"], r1.js()["id"]);
  // The bad rating's own 差评工单 and the hotline complaint, both of H001.
  EXPECT_EQ(s["earlier_cases"].size(), 2u) << s["earlier_cases"].dump();
  bool complaint = false;
  for (auto& k : s["earlier_cases"]) complaint = complaint || k["summary"] == "一院内科护士态度差";
  EXPECT_TRUE(complaint);
  EXPECT_EQ(screen.body.find("二院"), std::string::npos);
  // Masked as elsewhere: the lists carry no phone number (the screen's own patient_phone aside).
  EXPECT_EQ(s["earlier_ratings"].dump().find(phone), std::string::npos);
  EXPECT_EQ(s["earlier_cases"].dump().find(phone), std::string::npos);
  // A department head of another department sees the patient's ratings of their department only.
  auto dept = as("dept").get("/api/v1/followups/tasks/" + tid);
  if (dept.status == 200) EXPECT_EQ(dept.body.find("二院"), std::string::npos);
}

TEST_P(FollowupHttp, ABadRatingOnACallNamesItsCase) {
  auto h1 = as("hosp1");
  std::string tid = import_one("孙差评", "13900008888", "外科", 9);
  auto done = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                      {{"outcome", "reached"}, {"overall", 1}, {"comment", "术后换药没人管"}});
  ASSERT_EQ(done.status, 200) << done.body;
  ASSERT_TRUE(done.js()["case_id"].is_string()) << done.body;
  std::string code = done.js()["case_code"];
  auto k = h1.get("/api/v1/cases/" + done.js()["case_id"].get<std::string>());
  ASSERT_EQ(k.status, 200) << k.body;
  EXPECT_EQ(k.js()["tracking_code"], code);
  EXPECT_EQ(k.js()["type"], "bad_review");
  auto hist = h1.get("/api/v1/followups/tasks/" + tid).js()["history"];
  EXPECT_EQ(hist[0]["case_id"], done.js()["case_id"]);
  // A good rating opens none.
  std::string t2 = import_one("李好评", "13900009999", "外科", 9);
  auto good = h1.post("/api/v1/followups/tasks/" + t2 + "/outcome", {{"outcome", "reached"}, {"overall", 5}});
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_TRUE(good.js()["case_id"].is_null());
}

TEST_P(FollowupHttp, PaperFormsKeepTheirDateAndNumber) {
  auto h1 = as("hosp1");
  std::string pt = point_of("H001-NK"), other = point_of("H001-WK");
  int last_month = period::add_days(today() / 100 * 100 + 1, -1);  // the last day of last month
  auto r = h1.post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 4},
                                       {"filled_on", day_text(last_month)}, {"form_no", "YJX-0001"}});
  ASSERT_EQ(r.status, 201) << r.body;
  int64_t id = std::stoll(r.js()["id"].get<std::string>());
  EXPECT_EQ(db->query("SELECT day FROM ratings WHERE id = ?", {id})[0].i64(0), last_month);
  EXPECT_EQ(period::local_day(db->query("SELECT created_at FROM ratings WHERE id = ?", {id})[0].i64(0)), last_month);
  // The same number at the same point is refused, naming the field; at another point it is another form.
  auto again = h1.post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 5},
                                           {"form_no", " YJX-0001 "}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.js()["error"]["code"], "duplicate_form_no");
  EXPECT_EQ(again.js()["error"]["field"], "form_no");
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE point_id = ? AND overall = 5 AND channel = 'opinion_box' AND id > ?",
                  {std::stoll(pt), id}),
            0);
  EXPECT_EQ(h1.post("/api/v1/ratings", {{"point_id", other}, {"channel", "opinion_box"}, {"overall", 5},
                                        {"form_no", "YJX-0001"}})
                .status,
            201);
  // No future date; not before the point existed; a date, not text.
  auto future = h1.post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 4},
                                            {"filled_on", day_text(period::add_days(today(), 1))}});
  EXPECT_EQ(future.status, 422);
  EXPECT_EQ(future.js()["error"]["code"], "future_date");
  EXPECT_EQ(future.js()["error"]["field"], "filled_on");
  auto early = h1.post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 4},
                                           {"filled_on", days_ago(3 * 366)}});
  EXPECT_EQ(early.status, 422);
  EXPECT_EQ(early.js()["error"]["code"], "before_point");
  EXPECT_EQ(early.js()["error"]["field"], "filled_on");
  auto text = h1.post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 4},
                                          {"filled_on", "上个月"}});
  EXPECT_EQ(text.status, 422);
  EXPECT_EQ(text.js()["error"]["field"], "filled_on");
  // Another hospital cannot enter forms at this point.
  EXPECT_EQ(as("hosp2").post("/api/v1/ratings", {{"point_id", pt}, {"channel", "opinion_box"}, {"overall", 4},
                                                 {"form_no", "YJX-0002"}})
                .status,
            403);
}

INSTANTIATE_TEST_SUITE_P(Db, FollowupHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
