// Inspections over HTTP against a real `manyi serve` on each database, its jobs running: a plan
// → tasks made by the job → a phone's inspection (sent twice after losing the network) →
// findings → ledger items of the inspected unit; a covert result invisible to the hospital
// until published; a hospital inspector cannot inspect another hospital; a 社会监督员 sees and
// fills in only the task assigned to them; bad input names the field and stores nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(64, '\x07');

class InspectHttp : public DemoServerTest {
 protected:
  void SetUp() override {
    start_in_setup = false;
    DemoServerTest::SetUp();
    // The jobs (task generation, overdue scan) every 100 ms.
    start({"--case-scan-interval", "100", "--public-rate", "100", "--public-burst", "500"});
  }
  std::string template_id(HttpClient& c) {
    auto r = c.get("/api/v1/forms/templates?kind=checklist");
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = r.js();
    for (auto& t : body["items"])
      if (t.value("code", "") == "window-check") return t["id"];
    ADD_FAILURE() << "no window-check template: " << r.body.substr(0, 300);
    return "";
  }
  std::string user_id(const std::string& username) {
    return std::to_string(count("SELECT id FROM users WHERE username = ?", {username}));
  }
  // A user made by the bureau with `role` on `unit`.
  std::string make_user(const std::string& username, const std::string& role, const std::string& unit) {
    auto b = as("bureau");
    auto u = b.post("/api/v1/users", {{"username", username}, {"display_name", "监督员 " + username},
                                      {"password", "Jiandu-pass-9"}, {"node_id", node(unit)},
                                      {"must_change_password", false}});
    EXPECT_EQ(u.status, 201) << u.body;
    std::string id = u.js().value("id", "");
    auto g = b.post("/api/v1/users/" + id + "/grants", {{"role", role}, {"node_id", node(unit)}});
    EXPECT_EQ(g.status, 201) << g.body;
    return id;
  }
  json plan_body(HttpClient& c, std::vector<std::string> units, json extra = json::object()) {
    json ids = json::array();
    for (auto& u : units) ids.push_back(node(u));
    json body = {{"name", "窗口服务规范检查"}, {"template_id", template_id(c)}, {"owner_node_id", node("CITY")},
                 {"node_ids", ids}, {"cadence", "monthly"}, {"inspectors", {user_id("inspector")}}};
    body.update(extra);
    return body;
  }
  // The caller's tasks once the job has made them.
  json my_tasks(HttpClient& c, size_t at_least, const std::string& query = "mine=1") {
    json items;
    for (int i = 0; i < 100; ++i) {
      auto r = c.get("/api/v1/inspection-tasks?" + query);
      EXPECT_EQ(r.status, 200) << r.body;
      items = r.js()["items"];
      if (items.size() >= at_least) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return items;
  }
  json answers(int greet = 2, bool quarrel = false) {
    return {{"greet", greet}, {"mandarin", 4}, {"badge", 0}, {"guide", 0}, {"elderly", {{"na", true}}}, {"wait", 1},
            {"notice", "complete"}, {"cash", "yes"}, {"quarrel", quarrel ? "yes" : "no"}};
  }
};

TEST_P(InspectHttp, PlanTasksInspectionFindingsLedger) {
  auto b = as("bureau");
  auto made = b.post("/api/v1/inspection-plans", plan_body(b, {"H001-NK", "H002-NK"}));
  ASSERT_EQ(made.status, 201) << made.body;
  auto plan = made.js();
  EXPECT_EQ(plan["cadence"], "monthly");
  EXPECT_EQ(plan["inspectors"], json({user_id("inspector")}));
  auto ins = as("inspector");
  auto tasks = my_tasks(ins, 2);
  ASSERT_EQ(tasks.size(), 2u);
  std::string task;
  for (auto& t : tasks)
    if (t["unit"]["id"] == node("H001-NK")) task = t["id"];
  auto one = ins.get("/api/v1/inspection-tasks/" + task);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.js()["status"], "due");
  EXPECT_EQ(one.js()["checklist"]["definition"]["code"], "window-check");
  EXPECT_EQ(one.js()["can_perform"], true);
  // The phone submits; the answer is lost; it sends the same draft again.
  json body = {{"draft_id", "phone-7f3a"}, {"answers", answers()}, {"notes", {{"greet", "两名收费员未打招呼"}}}};
  auto first = ins.post("/api/v1/inspection-tasks/" + task + "/inspection", body);
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = ins.post("/api/v1/inspection-tasks/" + task + "/inspection", body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.js()["replayed"], true);
  EXPECT_EQ(again.js()["id"], first.js()["id"]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections"), 1);
  std::string id = first.js()["id"];
  // A photo of the greeting item; not an image is refused.
  auto photo = ins.request("POST", "/api/v1/inspections/" + id + "/photos?item=greet&name=p.png", kPng,
                           {{"Content-Type", "image/png"}});
  ASSERT_EQ(photo.status, 201) << photo.body;
  auto notimg = ins.request("POST", "/api/v1/inspections/" + id + "/photos?item=greet&name=p.png",
                            "%PDF-1.4 not a photo", {{"Content-Type", "image/png"}});
  EXPECT_EQ(notimg.status, 422);
  EXPECT_EQ(notimg.js()["error"]["field"], "file");
  // The detail: per-item scores, findings, photos.
  auto got = ins.get("/api/v1/inspections/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  auto j = got.js();
  EXPECT_EQ(j["template"]["name"], "窗口服务规范检查");
  EXPECT_EQ(j["items"][0]["item_id"], "greet");
  EXPECT_EQ(j["items"][0]["label"], "未主动招呼、未使用文明用语（处）");
  EXPECT_EQ(j["items"][0]["deduction"], 6);
  ASSERT_EQ(j["findings"].size(), 3u);
  ASSERT_EQ(j["photos"].size(), 1u);
  EXPECT_EQ(ins.get("/api/v1/inspections/" + id + "/photos/" + j["photos"][0]["id"].get<std::string>()).body, kPng);
  // The hospital sees the overt result, without the inspector's name.
  auto h1 = as("hosp1");
  auto seen = h1.get("/api/v1/inspections/" + id);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_TRUE(seen.js()["inspector"].is_null());
  EXPECT_EQ(as("hosp2").get("/api/v1/inspections/" + id).status, 404);
  // Confirm the first two deductions: two ledger items of 内科, source inspection.
  json pick = {j["findings"][0]["id"], j["findings"][1]["id"]};
  auto conf = ins.post("/api/v1/inspections/" + id + "/findings/confirm", {{"findings", pick}});
  ASSERT_EQ(conf.status, 200) << conf.body;
  std::string item = conf.js()["findings"][0]["rectification_id"];
  auto ledger = as("dept").get("/api/v1/rectifications/" + item);
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  EXPECT_EQ(ledger.js()["source"], "inspection");
  EXPECT_EQ(ledger.js()["source_ref"], j["code"]);
  EXPECT_EQ(ledger.js()["unit"]["id"], node("H001-NK"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications WHERE source = 'inspection'"), 2);
  EXPECT_EQ(ins.post("/api/v1/inspections/" + id + "/findings/confirm", json::object()).status, 409);
  // The coverage board: one of two done.
  auto cov = b.get("/api/v1/inspection-coverage?plan=" + plan["id"].get<std::string>());
  ASSERT_EQ(cov.status, 200) << cov.body;
  EXPECT_EQ(cov.js()["total"], 2);
  EXPECT_EQ(cov.js()["done"], 1);
  EXPECT_EQ(cov.js()["rate"], 0.5);
  EXPECT_EQ(cov.js()["met"], false);
}

TEST_P(InspectHttp, ACovertVisitIsInvisibleToTheHospitalUntilPublished) {
  auto b = as("bureau");
  auto made = b.post("/api/v1/inspection-plans", plan_body(b, {"H001-NK"}, {{"covert", true}, {"name", "医德医风暗访"}}));
  ASSERT_EQ(made.status, 201) << made.body;
  auto ins = as("inspector");
  auto tasks = my_tasks(ins, 1);
  ASSERT_EQ(tasks.size(), 1u);
  auto r = ins.post("/api/v1/inspection-tasks/" + tasks[0]["id"].get<std::string>() + "/inspection",
                    {{"draft_id", "covert-1"}, {"answers", answers(1)}});
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.js()["id"];
  EXPECT_TRUE(r.js()["published_at"].is_null());
  auto h1 = as("hosp1");
  EXPECT_EQ(h1.get("/api/v1/inspections/" + id).status, 404);
  EXPECT_EQ(h1.get("/api/v1/inspections").js()["items"].size(), 0u);
  EXPECT_EQ(h1.get("/api/v1/inspection-plans").js()["items"].size(), 0u);
  EXPECT_EQ(as("dept").get("/api/v1/inspections/" + id).status, 404);
  EXPECT_EQ(ins.post("/api/v1/inspections/" + id + "/findings/confirm", json::object()).js()["error"]["code"],
            "not_published");
  // The hospital's admin publishes its own plans' results, not the bureau's: this visit does not
  // exist for it yet.
  EXPECT_EQ(h1.post("/api/v1/inspections/" + id + "/publish", json::object()).status, 404);
  auto pub = ins.post("/api/v1/inspections/" + id + "/publish", json::object());
  ASSERT_EQ(pub.status, 200) << pub.body;
  EXPECT_FALSE(pub.js()["published_at"].is_null());
  auto seen = h1.get("/api/v1/inspections/" + id);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_TRUE(seen.js()["inspector"].is_null()) << "the hospital is not told who visited";
  EXPECT_EQ(h1.get("/api/v1/inspections").js()["items"].size(), 1u);
  EXPECT_EQ(as("hosp2").get("/api/v1/inspections/" + id).status, 404);
}

TEST_P(InspectHttp, AHospitalInspectorCannotInspectAnotherHospital) {
  std::string h1insp = make_user("h1_insp", "inspector", "H001");
  auto b = as("bureau");
  // Assigning them to H002 is refused, naming the field.
  auto bad = b.post("/api/v1/inspection-plans", plan_body(b, {"H002-NK"}, {{"inspectors", {h1insp}}}));
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "inspectors");
  // A plan for H002 exists; the H001 inspector neither sees nor performs its task.
  ASSERT_EQ(b.post("/api/v1/inspection-plans", plan_body(b, {"H002-NK"})).status, 201);
  auto ins = as("inspector");
  auto tasks = my_tasks(ins, 1);
  ASSERT_EQ(tasks.size(), 1u);
  std::string task = tasks[0]["id"];
  auto h = server->client();
  ASSERT_EQ(h.login("h1_insp", "Jiandu-pass-9").status, 200);
  EXPECT_EQ(h.get("/api/v1/inspection-tasks").js()["items"].size(), 0u);
  EXPECT_EQ(h.get("/api/v1/inspection-tasks/" + task).status, 404);
  auto r = h.post("/api/v1/inspection-tasks/" + task + "/inspection", {{"draft_id", "x"}, {"answers", answers()}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(h.get("/api/v1/inspection-tasks?node=" + node("H002")).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections"), 0);
  // A hospital admin plans only inside its hospital.
  auto h1 = as("hosp1");
  auto out = h1.post("/api/v1/inspection-plans",
                     plan_body(h1, {"H002-NK"}, {{"owner_node_id", node("H001")}, {"inspectors", json::array()},
                                                 {"self_inspection", true}}));
  EXPECT_EQ(out.status, 422);
  EXPECT_EQ(out.js()["error"]["field"], "node_ids");
  EXPECT_EQ(h1.post("/api/v1/inspection-plans", plan_body(h1, {"H002-NK"})).status, 403);
}

TEST_P(InspectHttp, ASupervisorSeesAndFillsInOnlyTheTaskAssignedToThem) {
  std::string sup = make_user("volunteer", "supervisor", "CITY");
  auto b = as("bureau");
  ASSERT_EQ(b.post("/api/v1/inspection-plans", plan_body(b, {"H001-NK"}, {{"inspectors", {sup}}, {"covert", true}})).status,
            201);
  ASSERT_EQ(b.post("/api/v1/inspection-plans", plan_body(b, {"H002-NK"})).status, 201);
  auto ins = as("inspector");
  auto other = my_tasks(ins, 1);
  ASSERT_EQ(other.size(), 1u);
  auto v = server->client();
  ASSERT_EQ(v.login("volunteer", "Jiandu-pass-9").status, 200);
  auto mine = my_tasks(v, 1);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["unit"]["id"], node("H001-NK"));
  EXPECT_EQ(my_tasks(v, 1, "").size(), 1u);
  // Nothing else: plans, results, the board, another task.
  EXPECT_EQ(v.get("/api/v1/inspection-plans").status, 403);
  EXPECT_EQ(v.get("/api/v1/inspections").status, 403);
  EXPECT_EQ(v.get("/api/v1/rectifications").status, 403);
  std::string theirs = other[0]["id"];
  EXPECT_EQ(v.get("/api/v1/inspection-tasks/" + theirs).status, 404);
  EXPECT_EQ(v.post("/api/v1/inspection-tasks/" + theirs + "/inspection", {{"draft_id", "v1"}, {"answers", answers()}}).status,
            404);
  // An answer out of range names the item; then the real one.
  std::string task = mine[0]["id"];
  auto bad = v.post("/api/v1/inspection-tasks/" + task + "/inspection", {{"draft_id", "v2"}, {"answers", answers(99)}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "answers.greet");
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 0);
  auto ok = v.post("/api/v1/inspection-tasks/" + task + "/inspection", {{"draft_id", "v2"}, {"answers", answers()}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  std::string id = ok.js()["id"];
  EXPECT_EQ(v.get("/api/v1/inspections/" + id).status, 200) << "their own inspection";
  EXPECT_EQ(v.post("/api/v1/inspections/" + id + "/publish", json::object()).status, 403);
}

// Without the jobs: the tasks of the current period exist as soon as the plan is made (the
// console's 我的检查任务 shows them at once), and making them again adds nothing.
class InspectHttpNoJobs : public InspectHttp {
 protected:
  void SetUp() override {
    start_in_setup = false;
    DemoServerTest::SetUp();
    start({"--case-scan-interval", "0"});
  }
};

TEST_P(InspectHttpNoJobs, APlanHasItsTasksRightAfterItIsMade) {
  auto b = as("bureau");
  auto made = b.post("/api/v1/inspection-plans", plan_body(b, {"H001-NK", "H002-NK"}));
  ASSERT_EQ(made.status, 201) << made.body;
  std::string plan = made.js()["id"];
  auto ins = as("inspector");
  auto r = ins.get("/api/v1/inspection-tasks?mine=1&plan=" + plan);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.js()["items"].size(), 2u) << r.body;
  EXPECT_EQ(r.js()["items"][0]["status"], "due");
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {int64_t{std::stoll(plan)}}), 2);
  // Archived and reactivated: the same period's tasks, not a second set.
  ASSERT_EQ(b.del("/api/v1/inspection-plans/" + plan).status, 204);
  auto back = b.patch("/api/v1/inspection-plans/" + plan, {{"active", true}});
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {int64_t{std::stoll(plan)}}), 2);
  // Refused input makes neither a plan nor tasks.
  auto bad = b.post("/api/v1/inspection-plans", plan_body(b, {"H001-NK"}, {{"cadence", "yearly"}}));
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "cadence");
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks"), 2);
}

// The plan dialog's picker: who may inspect all the coverage, for a planner who cannot read the
// user accounts; another hospital's planner and a department head are refused.
TEST_P(InspectHttpNoJobs, TheInspectorPickerOffersWhoMayInspectAllTheCoverage) {
  auto names = [](const HttpResponse& r) {
    std::set<std::string> out;
    auto body = r.js();
    for (auto& u : body["items"]) out.insert(u["username"].get<std::string>());
    return out;
  };
  auto ins = as("inspector");
  ASSERT_EQ(ins.get("/api/v1/users").status, 403);  // no user.read: the picker is its own lookup
  auto r = ins.get("/api/v1/inspection-inspectors?node=" + node("H001"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = names(r);
  EXPECT_TRUE(all.count("inspector")) << r.body;
  EXPECT_TRUE(all.count("supervisor")) << r.body;  // 社会监督员 at the city: every unit below
  EXPECT_TRUE(all.count("hosp1")) << r.body;       // the hospital's own inspectors
  EXPECT_FALSE(all.count("hosp2")) << r.body;      // another hospital's may not inspect this one
  EXPECT_FALSE(all.count("dept")) << r.body;       // a department head performs no inspections
  auto q = ins.get("/api/v1/inspection-inspectors?q=%E7%9B%91%E7%9D%A3&node=" + node("H001"));  // 监督
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(names(q), std::set<std::string>({"supervisor"})) << q.body;
  EXPECT_EQ(as("hosp1").get("/api/v1/inspection-inspectors?node=" + node("H002")).status, 403);
  EXPECT_EQ(as("dept").get("/api/v1/inspection-inspectors?node=" + node("H001-NK")).status, 403);
  auto missing = ins.get("/api/v1/inspection-inspectors");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.js()["error"]["field"], "node");
}

INSTANTIATE_TEST_SUITE_P(Db, InspectHttpNoJobs, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
INSTANTIATE_TEST_SUITE_P(Db, InspectHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
