// Inspections (InspectService) on SQLite and PostgreSQL with the demo organisation: the periods
// of each cadence, task generation across a month and a quarter (idempotent, once with two
// instances), the overdue ladder, performing a task (scored by the forms engine, stored with
// its version, idempotent on draft_id), refusals that store nothing, findings → ledger items,
// covert results hidden until published, scope between hospitals, 自查 and the coverage board.
#include <gtest/gtest.h>

#include <thread>

#include "app/app.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "forms/service.hpp"
#include "inspect/periods.hpp"
#include "inspect/service.hpp"
#include "metrics/series.hpp"
#include "org/roles.hpp"
#include "org/service.hpp"
#include "rectify/service.hpp"
#include "support/testing.hpp"
#include "workflow/calendar_store.hpp"

using namespace manyi;
using manyi::testing::error_of;
namespace cal = manyi::calendar;

namespace {

int64_t at(const char* date, int h, int m = 0) {
  return cal::day_start(*cal::parse_date(date)) + (h * 60 + m) * 60'000LL;
}
cal::Day day(const char* date) { return *cal::parse_date(date); }

const std::string kPng = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(64, '\x07');

}  // namespace

// ---- periods (pure) ----

TEST(InspectPeriods, EachCadenceHasItsKeyAndDueDate) {
  cal::Calendar c;
  // Daily: working days only, due at the end of that day.
  auto d = inspect::slot_at("daily", day("2026-03-02"), c);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->key, "2026-03-02");
  EXPECT_EQ(d->due_at, cal::day_start(day("2026-03-03")) - 1);
  EXPECT_FALSE(inspect::slot_at("daily", day("2026-03-07"), c)) << "a Saturday has no daily task";
  // Weekly: ISO weeks (1 January 2026 is a Thursday: week 1), due on the Friday.
  auto w = inspect::slot_at("weekly", day("2026-03-04"), c);
  EXPECT_EQ(w->key, "2026-W10");
  EXPECT_EQ(w->from, day("2026-03-02"));
  EXPECT_EQ(w->due_at, cal::day_start(day("2026-03-07")) - 1);
  EXPECT_EQ(inspect::slot_at("weekly", day("2026-01-01"), c)->key, "2026-W01");
  EXPECT_EQ(inspect::slot_at("weekly", day("2027-01-01"), c)->key, "2026-W53");
  // Monthly: February 2026 ends on a Saturday, so its tasks are due on Friday the 27th.
  auto m = inspect::slot_at("monthly", day("2026-02-10"), c);
  EXPECT_EQ(m->key, "2026-02");
  EXPECT_EQ(m->due_at, cal::day_start(day("2026-02-28")) - 1);
  // Quarterly, and a holiday on the last day moves the due date back.
  auto q = inspect::slot_at("quarterly", day("2026-05-20"), c);
  EXPECT_EQ(q->key, "2026-Q2");
  EXPECT_EQ(q->due_at, cal::day_start(day("2026-07-01")) - 1);
  c.set(day("2026-06-30"), {false, "假日"});
  EXPECT_EQ(inspect::slot_at("quarterly", day("2026-05-20"), c)->due_at, cal::day_start(day("2026-06-30")) - 1);
  // Once: only inside the window.
  EXPECT_FALSE(inspect::slot_at("once", day("2026-03-01"), c, day("2026-03-02"), day("2026-03-06")));
  EXPECT_EQ(inspect::slot_at("once", day("2026-03-03"), c, day("2026-03-02"), day("2026-03-06"))->key, "once");
  // Keys read back, and keys of another cadence refused.
  for (auto& [cad, key] : std::vector<std::pair<std::string, std::string>>{
           {"daily", "2026-03-02"}, {"weekly", "2026-W10"}, {"weekly", "2026-W53"}, {"monthly", "2026-03"},
           {"quarterly", "2026-Q1"}}) {
    auto s = inspect::slot_of(cad, key, c);
    ASSERT_TRUE(s) << cad << " " << key;
    EXPECT_EQ(s->key, key);
  }
  EXPECT_FALSE(inspect::slot_of("monthly", "2026-13", c));
  EXPECT_FALSE(inspect::slot_of("quarterly", "2026-03", c));
  EXPECT_FALSE(inspect::slot_of("weekly", "2025-W53", c)) << "2025 has 52 ISO weeks";
}

// ---- the service on both databases ----

namespace {

class Inspections : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    set_fake_now_ms(at("2026-03-02", 9));  // a Monday
    Config cfg;
    cfg.db_url = manyi::testing::demo_db_url(GetParam());
    cfg.case_scan_interval_ms = 0;
    app = std::make_unique<App>(cfg);
    app->db->migrate();
    svc = app->inspect.get();
    org = app->org.get();
    tmpl = app->forms->by_code("window-check")->id;
  }
  void TearDown() override {
    app.reset();
    set_fake_now_ms(0);
  }

  int64_t node(const std::string& code) { return org->node_by_code(code).value().id; }
  std::string path(const std::string& code) { return org->node_by_code(code).value().path; }
  int64_t user(const std::string& name) { return org->user_by_name(name).value().id; }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(app->db->query(sql, p)).value_or(-1);
  }

  // A caller holding `role` on the node with `code`, as user `name`.
  inspect::Grants who(const std::string& name, const std::string& role, const std::string& code) {
    inspect::Grants g;
    auto u = org->user_by_name(name);
    g.actor = {u ? u->id : 1, name, "127.0.0.1"};
    g.name = name;
    for (auto* perm : {"inspection.read", "inspection.plan", "inspection.perform", "inspection.publish"})
      if (org::role_has(role, perm)) g.paths[perm].push_back(path(code));
    return g;
  }
  inspect::Grants bureau() { return who("bureau", "bureau_admin", "CITY"); }
  inspect::Grants inspector() { return who("inspector", "inspector", "CITY"); }
  inspect::Grants hosp1() { return who("hosp1", "unit_admin", "H001"); }
  inspect::Grants hosp2() { return who("hosp2", "unit_admin", "H002"); }

  // A user with `role` on the node `code`.
  int64_t make_user(const std::string& username, const std::string& role, const std::string& code) {
    audit::Actor sys{0, "system", "local"};
    auto u = org->create_user(sys, username, username, "Manyi-demo-1", node(code), 0, false);
    org->grant(sys, u.id, role, node(code));
    return u.id;
  }

  inspect::Plan plan(const std::string& cadence, std::vector<std::string> units, bool covert = false,
                     std::vector<int64_t> inspectors = {}) {
    inspect::PlanInput in;
    in.name = "窗口服务检查 " + cadence;
    in.owner_node_id = node("CITY");
    in.template_id = tmpl;
    std::vector<int64_t> ids;
    for (auto& u : units) ids.push_back(node(u));
    in.node_ids = ids;
    in.cadence = cadence;
    in.covert = covert;
    in.inspectors = inspectors.empty() ? std::vector<int64_t>{user("inspector")} : inspectors;
    return svc->create_plan(bureau(), in);
  }
  inspect::Task task_of(const inspect::Plan& p, const std::string& unit) {
    auto r = app->db->query("SELECT id FROM inspection_tasks WHERE plan_id = ? AND node_id = ? ORDER BY id DESC",
                            {p.id, node(unit)});
    EXPECT_FALSE(r.empty());
    return svc->get_task(inspect::Grants{{}, "system", {}, true}, r[0].i64(0));
  }
  // The window checklist with 3 deductions (greet 6, mandarin 6, wait 5); quarrel vetoes.
  inspect::Submit sheet(const std::string& draft, bool quarrel = false) {
    inspect::Submit s;
    s.draft_id = draft;
    s.subject = "挂号收费窗口";
    s.answers = {{"greet", 2.0},  {"mandarin", 4.0}, {"badge", 0.0}, {"guide", 0.0}, {"elderly", forms::NotApplicable{}},
                 {"wait", 1.0},   {"notice", std::string("complete")}, {"cash", std::string("yes")},
                 {"quarrel", std::string(quarrel ? "yes" : "no")}};
    s.notes = {{"greet", "两名收费员未打招呼"}};
    return s;
  }

  std::unique_ptr<App> app;
  inspect::InspectService* svc = nullptr;
  org::OrgService* org = nullptr;
  int64_t tmpl = 0;
};

}  // namespace

TEST_P(Inspections, TasksPerCadenceAcrossAMonthAndAQuarterOncePerPeriod) {
  auto daily = plan("daily", {"H001-NK", "H002-NK"});
  auto weekly = plan("weekly", {"H001-NK", "H002-NK"});
  auto monthly = plan("monthly", {"H001-NK", "H002-NK"});
  auto quarterly = plan("quarterly", {"H001-NK", "H002-NK"});
  auto tasks = [&](const inspect::Plan& p) {
    return count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {p.id});
  };
  // Every day from 1 March to 30 April, twice a day (the job runs again and again).
  int made = 0;
  for (cal::Day d = day("2026-03-01"); d <= day("2026-04-30"); ++d) {
    set_fake_now_ms(cal::day_start(d) + 9 * 3600'000LL);
    made += svc->generate(now_ms());
    set_fake_now_ms(cal::day_start(d) + 15 * 3600'000LL);
    EXPECT_EQ(svc->generate(now_ms()), 0) << "a second run the same day makes nothing";
  }
  auto c = workflow::load_calendar(*app->db);
  EXPECT_EQ(tasks(daily), 2 * c.count_workdays(day("2026-03-01"), day("2026-04-30")));
  EXPECT_EQ(tasks(weekly), 2 * 10) << "ISO weeks 9 to 18";
  EXPECT_EQ(tasks(monthly), 2 * 2);
  EXPECT_EQ(tasks(quarterly), 2 * 2) << "2026-Q1 and 2026-Q2";
  EXPECT_EQ(made, tasks(daily) + tasks(weekly) + tasks(monthly) + tasks(quarterly));
  // Periods, due dates and the template version kept per task.
  auto q1 = app->db->query("SELECT period, due_at, version_id, status FROM inspection_tasks WHERE plan_id = ? AND node_id = ? "
                           "ORDER BY period",
                           {quarterly.id, node("H001-NK")});
  ASSERT_EQ(q1.size(), 2u);
  EXPECT_EQ(q1[0].str(0), "2026-Q1");
  EXPECT_EQ(q1[1].str(0), "2026-Q2");
  auto last = day("2026-03-31");
  while (!c.is_workday(last)) --last;
  EXPECT_EQ(q1[0].i64(1), cal::day_start(last + 1) - 1);
  EXPECT_EQ(q1[0].i64(2), app->forms->get(tmpl)->current_version_id);
  EXPECT_EQ(q1[0].str(3), "due");
  // The coverage series counts every task once (den) on its unit.
  auto f = metrics::series::subtree(*app->db, node("H001-NK"), "inspect.coverage", period::month_period(2026, 3));
  EXPECT_EQ(f.den, tasks(daily) / 2 - c.count_workdays(day("2026-04-01"), day("2026-04-30")) + 5 + 1)
      << "March: its working days, the weeks beginning in March (10-14), the month; week 9 counts in February "
         "and the quarter on 1 January, the days their periods begin";
  // An archived plan makes no more tasks.
  svc->archive_plan(bureau(), daily.id);
  set_fake_now_ms(at("2026-05-04", 9));
  svc->generate(now_ms());
  EXPECT_EQ(tasks(daily), 2 * c.count_workdays(day("2026-03-01"), day("2026-04-30")));
  EXPECT_EQ(tasks(monthly), 2 * 3);
}

TEST_P(Inspections, AUnitAddedMidPeriodGetsItsTaskAtTheNextRun) {
  inspect::PlanInput in;
  in.name = "科室月度检查";
  in.template_id = tmpl;
  in.scope_node_id = node("H002");
  in.node_kind = "department";
  in.cadence = "monthly";
  in.inspectors = std::vector<int64_t>{user("inspector")};
  auto p = svc->create_plan(bureau(), in);
  int made = svc->generate(now_ms());
  EXPECT_GT(made, 2);
  EXPECT_EQ(svc->generate(now_ms()), 0);
  org->create_node({0, "system", "local"}, node("H002"), "department", "H002-NEW", "新设科室");
  EXPECT_EQ(svc->generate(now_ms()), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {p.id}), made + 1);
}

TEST_P(Inspections, TwoInstancesGenerateEachTaskOnce) {
  auto p = plan("monthly", {"H001-NK", "H002-NK", "H001", "H002"});
  Config cfg;
  cfg.db_url = app->db->url();
  cfg.case_scan_interval_ms = 0;
  App other(cfg);
  int a = 0, b = 0;
  std::thread t1([&] { a = svc->generate(now_ms()); });
  std::thread t2([&] { b = other.inspect->generate(now_ms()); });
  t1.join();
  t2.join();
  EXPECT_EQ(a + b, 4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {p.id}), 4);
  auto f = metrics::series::subtree(*app->db, node("CITY"), "inspect.coverage", period::month_period(2026, 3));
  EXPECT_EQ(f.den, 4);
}

TEST_P(Inspections, AnOverdueTaskTellsTheInspectorThenThePlannerOnce) {
  auto p = plan("weekly", {"H001-NK", "H002-NK"});
  svc->generate(now_ms());
  auto late = task_of(p, "H001-NK");
  auto done = task_of(p, "H002-NK");
  svc->perform(inspector(), done.id, sheet("d-ok"));
  EXPECT_EQ(svc->run_escalations(late.due_at), 0) << "due, not yet overdue";
  EXPECT_EQ(svc->run_escalations(late.due_at + 1), 1);
  EXPECT_EQ(svc->run_escalations(late.due_at + 2), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'inspection.overdue' AND user_id = ?",
                  {user("inspector")}),
            1);
  EXPECT_EQ(task_of(p, "H001-NK").status, "overdue");
  EXPECT_EQ(svc->run_escalations(late.supervise_at), 1);
  EXPECT_EQ(svc->run_escalations(late.supervise_at + cal::kDayMs * 30), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'inspection.supervise' AND node_id = ?",
                  {node("CITY")}),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind LIKE 'inspection.%' AND body LIKE '%中医院%'"), 0)
      << "the task done in time never escalates";
  // An overdue task may still be inspected (late); then it is done.
  svc->perform(inspector(), late.id, sheet("d-late"));
  EXPECT_EQ(task_of(p, "H001-NK").status, "done");
}

TEST_P(Inspections, PerformScoresStoresFindingsAndASecondSendIsTheSame) {
  auto p = plan("monthly", {"H001-NK", "H002-NK"});
  svc->generate(now_ms());
  auto t = task_of(p, "H001-NK");
  auto [x, replayed] = svc->perform(inspector(), t.id, sheet("phone-1"));
  EXPECT_FALSE(replayed);
  EXPECT_EQ(x.code.substr(0, 10), "JC20260302");
  EXPECT_NEAR(x.score, 73.0 / 90.0 * 100, 0.01);
  EXPECT_EQ(x.grade, "良好");
  auto resp = svc->response(x.response_id);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->version_id, t.version_id);
  EXPECT_EQ(resp->node_id, node("H001-NK"));
  auto f = svc->findings(x.id);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].item_id, "greet");
  EXPECT_EQ(f[0].kind, "deduction");
  EXPECT_DOUBLE_EQ(f[0].deduction, 6);
  EXPECT_EQ(f[0].note.value_or(""), "两名收费员未打招呼");
  EXPECT_EQ(f[1].item_id, "mandarin");
  EXPECT_DOUBLE_EQ(f[1].deduction, 6) << "capped at deduct_cap";
  EXPECT_EQ(f[2].item_id, "wait");
  // The phone sends it again after losing the network: the same inspection, nothing new.
  auto [again, was] = svc->perform(inspector(), t.id, sheet("phone-1"));
  EXPECT_TRUE(was);
  EXPECT_EQ(again.id, x.id);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 1);
  // Another draft on the done task, or the same draft on another task: refused.
  auto e = error_of([&] { svc->perform(inspector(), t.id, sheet("phone-2")); });
  EXPECT_EQ(e.status(), 409);
  EXPECT_EQ(e.code(), "task_done");
  auto other = task_of(p, "H002-NK");
  e = error_of([&] { svc->perform(inspector(), other.id, sheet("phone-1")); });
  EXPECT_EQ(e.code(), "draft_id_used");
  EXPECT_EQ(e.field(), "draft_id");
  // A veto: its own finding, the score forced to 0.
  auto [v, _] = svc->perform(inspector(), other.id, sheet("phone-3", true));
  EXPECT_TRUE(v.vetoed);
  EXPECT_DOUBLE_EQ(v.score, 0);
  auto vf = svc->findings(v.id);
  ASSERT_EQ(vf.size(), 4u);
  EXPECT_EQ(vf[3].item_id, "quarrel");
  EXPECT_EQ(vf[3].kind, "veto");
  EXPECT_EQ(task_of(p, "H002-NK").status, "done");
}

TEST_P(Inspections, RefusalsNameTheFieldAndStoreNothing) {
  int64_t volunteer = make_user("volunteer1", "supervisor", "CITY");
  auto p = plan("monthly", {"H001-NK"});
  auto mine = plan("monthly", {"H002-NK"}, false, {volunteer});
  svc->generate(now_ms());
  auto t = task_of(p, "H001-NK");
  // An answer out of range.
  auto bad = sheet("x1");
  bad.answers["greet"] = 99.0;
  auto e = error_of([&] { svc->perform(inspector(), t.id, bad); });
  EXPECT_EQ(e.status(), 422);
  EXPECT_EQ(e.field(), "answers.greet");
  // A bad draft id.
  e = error_of([&] { svc->perform(inspector(), t.id, sheet("has space")); });
  EXPECT_EQ(e.field(), "draft_id");
  // A supervisor on a task not assigned to them: not even visible.
  auto sup = who("volunteer1", "supervisor", "CITY");
  e = error_of([&] { svc->perform(sup, t.id, sheet("x2")); });
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(error_of([&] { svc->get_task(sup, t.id); }).status(), 404);
  // The supervisor sees only the task assigned to them.
  inspect::TaskFilter f;
  f.mine = true;
  auto list = svc->list_tasks(sup, f, nullptr);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].plan_id, mine.id);
  f.mine = false;
  EXPECT_EQ(svc->list_tasks(sup, f, nullptr).size(), 1u);
  EXPECT_EQ(error_of([&] { svc->get_plan(sup, p.id); }).status(), 404);
  // A hospital inspector may not be assigned to a plan covering another hospital.
  int64_t h1_inspector = make_user("h1insp", "inspector", "H001");
  e = error_of([&] { plan("monthly", {"H002-NK"}, false, {h1_inspector}); });
  EXPECT_EQ(e.field(), "inspectors");
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspections"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 0);
  // A photo that is not an image.
  auto [x, _] = svc->perform(inspector(), t.id, sheet("x3"));
  e = error_of([&] { svc->add_photo(inspector(), x.id, "greet", "a.jpg", "MZ\x90\x00 not an image"); });
  EXPECT_EQ(e.code(), "unsupported_type");
  EXPECT_EQ(e.field(), "file");
  e = error_of([&] { svc->add_photo(inspector(), x.id, "nope", "a.png", kPng); });
  EXPECT_EQ(e.field(), "item");
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_response_photos"), 0);
  auto ph = svc->add_photo(inspector(), x.id, "greet", "a.png", kPng);
  EXPECT_EQ(ph.item_id, "greet");
  EXPECT_EQ(svc->photos(x.response_id).size(), 1u);
}

TEST_P(Inspections, ConfirmedFindingsBecomeLedgerItemsOfTheInspectedUnit) {
  auto p = plan("monthly", {"H001-NK", "H002-NK"});
  svc->generate(now_ms());
  auto [x, _] = svc->perform(inspector(), task_of(p, "H001-NK").id, sheet("c1", true));
  auto all = svc->findings(x.id);
  ASSERT_EQ(all.size(), 4u);  // 3 deductions and the veto
  // Default: every deduction (the veto only when chosen).
  auto out = svc->confirm(inspector(), x.id, {});
  int items = 0;
  for (auto& f : out) items += f.rectification_id != 0;
  EXPECT_EQ(items, 3);
  EXPECT_EQ(out[3].rectification_id, 0);
  auto it = *app->rectify->find(out[0].rectification_id);
  EXPECT_EQ(it.unit_id, node("H001-NK"));
  EXPECT_EQ(it.source, "inspection");
  EXPECT_EQ(it.source_ref.value_or(""), x.code);
  EXPECT_EQ(it.limit_days, 15);
  EXPECT_NE(it.problem.find("未主动招呼"), std::string::npos);
  EXPECT_NE(it.problem.find("两名收费员未打招呼"), std::string::npos);
  EXPECT_EQ(error_of([&] { svc->confirm(inspector(), x.id, {}); }).code(), "already_confirmed");
  // A finding of another inspection, a bad severity, a past deadline: refused, nothing stored.
  auto [y, __] = svc->perform(inspector(), task_of(p, "H002-NK").id, sheet("c2", true));
  auto yf = svc->findings(y.id);
  int64_t before = count("SELECT COUNT(*) FROM rectifications");
  inspect::Confirm in;
  in.findings = std::vector<int64_t>{all[0].id};
  EXPECT_EQ(error_of([&] { svc->confirm(inspector(), y.id, in); }).field(), "findings");
  in.findings = std::vector<int64_t>{yf[0].id, yf[3].id};
  in.deadline = "2026-01-01";
  EXPECT_EQ(error_of([&] { svc->confirm(inspector(), y.id, in); }).field(), "deadline");
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_findings WHERE rectification_id IS NOT NULL AND inspection_id = ?", {y.id}), 0);
  // The veto chosen as a major hazard (隐患): 5 working days.
  in.deadline.reset();
  in.severity[yf[3].id] = "major";
  auto got = svc->confirm(inspector(), y.id, in);
  auto hazard = *app->rectify->find(got[3].rectification_id);
  EXPECT_TRUE(hazard.hazard);
  EXPECT_EQ(hazard.limit_days, 5);
  EXPECT_EQ(hazard.unit_id, node("H002-NK"));
  // A confirmed inspection takes no more photos.
  EXPECT_EQ(error_of([&] { svc->add_photo(inspector(), y.id, "greet", "a.png", kPng); }).code(), "inspection_final");
}

TEST_P(Inspections, ACovertResultIsHiddenFromTheHospitalUntilPublished) {
  auto p = plan("monthly", {"H001-NK"}, true);
  svc->generate(now_ms());
  auto [x, _] = svc->perform(inspector(), task_of(p, "H001-NK").id, sheet("v1"));
  EXPECT_FALSE(x.published_at);
  auto h1 = hosp1();
  EXPECT_EQ(error_of([&] { svc->get(h1, x.id); }).status(), 404);
  EXPECT_TRUE(svc->list(h1, 0, "", 0, 50, nullptr).empty());
  EXPECT_EQ(error_of([&] { svc->get_plan(h1, p.id); }).status(), 404);
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'inspection.result'"), 0);
  EXPECT_EQ(metrics::series::subtree(*app->db, node("H001"), "inspect.score", period::month_period(2026, 3)).n, 0);
  EXPECT_EQ(error_of([&] { svc->confirm(inspector(), x.id, {}); }).code(), "not_published");
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
  // The hospital may not publish it; the inspector does.
  EXPECT_EQ(error_of([&] { svc->publish(h1, x.id); }).status(), 404);
  svc->publish(inspector(), x.id);
  auto seen = svc->get(h1, x.id);
  EXPECT_TRUE(seen.published_at);
  EXPECT_FALSE(svc->planner_side(h1, seen)) << "the hospital is not told who visited";
  EXPECT_EQ(svc->list(h1, 0, "", 0, 50, nullptr).size(), 1u);
  EXPECT_EQ(error_of([&] { svc->get(hosp2(), x.id); }).status(), 404);
  auto score = metrics::series::subtree(*app->db, node("H001"), "inspect.score", period::month_period(2026, 3));
  EXPECT_EQ(score.n, 1);
  EXPECT_NEAR(score.mean(), x.score, 0.01);
  EXPECT_EQ(svc->confirm(inspector(), x.id, {}).size(), 3u);
}

TEST_P(Inspections, AUnitInspectsItselfAndTheCoverageBoardCounts) {
  // 自查: H001 plans for its own departments and performs them itself.
  inspect::PlanInput in;
  in.name = "内科自查";
  in.template_id = tmpl;
  in.scope_node_id = node("H001");
  in.node_kind = "department";
  in.cadence = "monthly";
  in.self_inspection = true;
  in.target = 0.5;
  auto p = svc->create_plan(hosp1(), in);
  EXPECT_EQ(p.owner_node_id, node("H001"));
  EXPECT_EQ(error_of([&] { svc->create_plan(hosp1(), [&] {
              auto o = in;
              o.scope_node_id = node("H002");
              return o;
            }()); }).status(),
            403);
  svc->generate(now_ms());
  int64_t depts = count("SELECT COUNT(*) FROM org_nodes WHERE kind = 'department' AND active = 1 AND path LIKE ?",
                        {path("H001") + "%"});
  ASSERT_GT(depts, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_tasks WHERE plan_id = ?", {p.id}), depts);
  auto t = task_of(p, "H001-NK");
  // The bureau sees it on the board but it is not the bureau's to perform; hosp2 sees nothing.
  auto e = error_of([&] { svc->perform(bureau(), t.id, sheet("s0")); });
  EXPECT_EQ(e.status(), 403);
  EXPECT_EQ(e.field(), "task_id");
  EXPECT_EQ(error_of([&] { svc->perform(hosp2(), t.id, sheet("s0")); }).status(), 404);
  inspect::TaskFilter mine;
  mine.mine = true;
  EXPECT_EQ(static_cast<int64_t>(svc->list_tasks(hosp1(), mine, nullptr).size()), depts);
  auto [x, _] = svc->perform(hosp1(), t.id, sheet("s1"));
  auto items = svc->confirm(hosp1(), x.id, {});
  EXPECT_EQ(app->rectify->find(items[0].rectification_id)->source, "self_inspection");
  // One done, one overdue (the clock past the due date), the rest due.
  auto late = task_of(p, "H001-WK");
  set_fake_now_ms(late.due_at + 1);
  auto c = svc->coverage(hosp1(), p.id, std::nullopt);
  EXPECT_EQ(c.period, "2026-03");
  EXPECT_EQ(c.total, depts);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.overdue, depts - 1) << "every open task is overdue past the due date";
  EXPECT_NEAR(c.rate, 1.0 / static_cast<double>(depts), 1e-9);
  EXPECT_EQ(error_of([&] { svc->coverage(hosp1(), p.id, std::string("2026-Q1")); }).field(), "period");
  EXPECT_EQ(error_of([&] { svc->coverage(hosp2(), p.id, std::nullopt); }).status(), 404);
  EXPECT_EQ(svc->coverage(bureau(), p.id, std::string("2026-03")).done, 1);
}

TEST_P(Inspections, BadPlansAreRefusedNamingTheField) {
  auto field = [&](std::function<void(inspect::PlanInput&)> change) {
    inspect::PlanInput in;
    in.name = "计划";
    in.owner_node_id = node("CITY");
    in.template_id = tmpl;
    in.scope_node_id = node("H001");
    in.cadence = "monthly";
    in.inspectors = std::vector<int64_t>{user("inspector")};
    change(in);
    return error_of([&] { svc->create_plan(bureau(), in); }).field();
  };
  EXPECT_EQ(field([](auto& in) { in.name = ""; }), "name");
  EXPECT_EQ(field([&](auto& in) { in.template_id = app->forms->by_code("outpatient")->id; }), "template_id");
  EXPECT_EQ(field([](auto& in) { in.cadence = "hourly"; }), "cadence");
  EXPECT_EQ(field([](auto& in) { in.cadence = "once"; }), "window_from");
  EXPECT_EQ(field([](auto& in) { in.target = 1.5; }), "target");
  EXPECT_EQ(field([](auto& in) { in.node_kind = "ward"; }), "node_kind");
  EXPECT_EQ(field([](auto& in) { in.inspectors = std::vector<int64_t>{}; }), "inspectors");
  EXPECT_EQ(field([](auto& in) { in.inspectors = std::vector<int64_t>{424242}; }), "inspectors");
  EXPECT_EQ(field([&](auto& in) { in.inspectors = std::vector<int64_t>{user("dept")}; }), "inspectors");
  EXPECT_EQ(field([&](auto& in) {
              in.scope_node_id = 0;
              in.node_ids = std::vector<int64_t>{node("H001"), node("H001")};
            }),
            "node_ids");
  EXPECT_EQ(field([&](auto& in) {
              in.owner_node_id = node("H001");
              in.scope_node_id = node("H002");
            }),
            "scope_node_id");
  EXPECT_EQ(field([](auto& in) {
              in.self_inspection = true;
              in.covert = true;
            }),
            "covert");
  EXPECT_EQ(count("SELECT COUNT(*) FROM inspection_plans"), 0);
}

INSTANTIATE_TEST_SUITE_P(Db, Inspections, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
