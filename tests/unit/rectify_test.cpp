// The rectification ledger (RectifyService) on SQLite and PostgreSQL with the demo
// organisation: every transition allowed and refused, verification pass and redo, extensions,
// the escalation ladder (each level once), the cases 需整改 hook (through App's wiring), the
// import (all or nothing, GBK CSV), the export's columns, the public list and scope.
#include <gtest/gtest.h>

#include <algorithm>
#include <iconv.h>

#include "app/app.hpp"
#include "cases/service.hpp"
#include "core/calendar.hpp"
#include "store/subtree.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "core/table_file.hpp"
#include "metrics/series.hpp"
#include "org/roles.hpp"
#include "org/service.hpp"
#include "rectify/routes.hpp"
#include "rectify/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::testing::error_of;
namespace cal = manyi::calendar;

namespace {

int64_t at(const char* date, int h, int m = 0) {
  return cal::day_start(*cal::parse_date(date)) + (h * 60 + m) * 60'000LL;
}

std::string gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  std::string in = utf8, out(utf8.size() * 2 + 16, '\0');
  char* ip = in.data();
  char* op = out.data();
  size_t il = in.size(), ol = out.size();
  iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  out.resize(out.size() - ol);
  return out;
}

class Ledger : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    set_fake_now_ms(at("2026-03-02", 10));  // a Monday
    Config cfg;
    cfg.db_url = manyi::testing::demo_db_url(GetParam());
    cfg.case_scan_interval_ms = 0;
    app = std::make_unique<App>(cfg);
    app->db->migrate();
    svc = app->rectify.get();
    org = app->org.get();
  }
  void TearDown() override {
    app.reset();
    set_fake_now_ms(0);
  }

  int64_t node(const std::string& code) { return org->node_by_code(code).value().id; }
  std::string path(const std::string& code) { return org->node_by_code(code).value().path; }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(app->db->query(sql, p)).value_or(-1);
  }

  // A caller holding `role` on the node with `code`; each name its own user id.
  rectify::Who who(const std::string& name, const std::string& role, const std::string& code) {
    auto p = path(code);
    int64_t id = static_cast<int64_t>(std::hash<std::string>{}(name) % 1'000'000) + 1;
    return {{id, name, "127.0.0.1"}, name, [role, p](const std::string& perm, const std::string& target) {
              return org::role_has(role, perm) && target.rfind(p, 0) == 0;
            }};
  }
  rectify::Who bureau() { return who("bureau", "bureau_admin", "CITY"); }
  rectify::Who inspector() { return who("inspector", "inspector", "CITY"); }
  rectify::Who hosp1() { return who("hosp1", "unit_admin", "H001"); }
  rectify::Who hosp2() { return who("hosp2", "unit_admin", "H002"); }
  rectify::Who dept() { return who("dept", "dept_head", "H001-NK"); }

  rectify::Item make(const std::string& unit = "H001-NK", const std::string& problem = "病房卫生间无扶手") {
    rectify::NewItem in;
    in.unit_id = node(unit);
    in.problem = problem;
    in.source = "inspection";
    return svc->create(bureau(), in);
  }
  rectify::Item act(const rectify::Who& w, const rectify::Item& it, const std::string& action,
                    const std::string& note = "", std::optional<std::string> until = std::nullopt) {
    return svc->act(w, it.id, action, note, until);
  }
  rectify::Item submitted() {
    auto it = make();
    act(dept(), it, "start");
    rectify::Patch p;
    p.measures = "加装扶手，每周巡查";
    svc->patch(dept(), it.id, p);
    return act(dept(), it, "submit", "已加装扶手");
  }

  std::unique_ptr<App> app;
  rectify::RectifyService* svc = nullptr;
  org::OrgService* org = nullptr;
};

TEST_P(Ledger, CreateSetsCodeDeadlineAndHistory) {
  auto it = make();
  EXPECT_EQ(it.status, "pending");
  EXPECT_EQ(it.code, "ZG20260302-0001");
  EXPECT_EQ(make().code, "ZG20260302-0002");  // (the third is below)
  EXPECT_EQ(it.unit_name, "内科");
  EXPECT_EQ(it.inst_id, node("H001"));
  // 15 working days from Monday 2 March 2026: Monday 23 March, end of day.
  EXPECT_EQ(it.deadline_at, cal::day_start(*cal::parse_date("2026-03-24")) - 1);
  EXPECT_EQ(it.limit_days, 15);
  rectify::NewItem named;
  named.unit_id = node("H001-NK");
  named.problem = "问题";
  named.responsible_user_id = org->user_by_name("dept").value().id;
  auto n = svc->create(bureau(), named);
  EXPECT_EQ(n.responsible_user_id, named.responsible_user_id);
  EXPECT_EQ(n.responsible.value_or(""), "内科 主任");
  rectify::NewItem hz;
  hz.unit_id = node("H001");
  hz.problem = "消防通道堆放杂物";
  hz.hazard = true;
  hz.severity = "major";
  auto h = svc->create(bureau(), hz);
  EXPECT_EQ(h.limit_days, 5);
  EXPECT_EQ(h.deadline_at, cal::day_start(*cal::parse_date("2026-03-10")) - 1);
  hz.severity.reset();
  EXPECT_EQ(svc->create(bureau(), hz).limit_days, 10) << "a hazard without severity is general";
  auto tl = svc->history(it.id);
  ASSERT_EQ(tl.size(), 1u);
  EXPECT_EQ(tl[0].action, "create");
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'rectification.new' AND node_id = ?",
                  {node("H001-NK")}),
            3);
}

TEST_P(Ledger, BadInputIsRefusedNamingTheFieldAndNothingIsStored) {
  auto bad = [&](std::function<void(rectify::NewItem&)> change, const char* field) {
    rectify::NewItem in;
    in.unit_id = node("H001");
    in.problem = "问题";
    change(in);
    auto e = error_of([&] { svc->create(bureau(), in); });
    EXPECT_EQ(e.status(), 422) << field;
    EXPECT_EQ(e.field(), field);
  };
  bad([](auto& in) { in.problem = "  "; }, "problem");
  bad([](auto& in) { in.problem = std::string(2001 * 3, 'a'); }, "problem");
  bad([](auto& in) { in.unit_id = 987654321; }, "unit_id");
  bad([](auto& in) { in.source = "rumour"; }, "source");
  bad([](auto& in) { in.deadline = "2026-02-30"; }, "deadline");
  bad([](auto& in) { in.deadline = "2026-03-01"; }, "deadline");  // yesterday
  bad([](auto& in) { in.severity = "major"; }, "severity");       // not a hazard
  bad([](auto& in) { in.responsible = std::string(51, 'x'); }, "responsible");
  auto hosp2_user = org->user_by_name("hosp2").value().id;
  bad([&](auto& in) { in.responsible_user_id = hosp2_user; }, "responsible_user_id");  // another institution
  bad([](auto& in) { in.responsible_user_id = 987654321; }, "responsible_user_id");
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
  // Outside the caller's scope: 403; a dept head may not create (no manage).
  rectify::NewItem in;
  in.unit_id = node("H002");
  in.problem = "问题";
  EXPECT_EQ(error_of([&] { svc->create(hosp1(), in); }).status(), 403);
  in.unit_id = node("H001-NK");
  EXPECT_EQ(error_of([&] { svc->create(dept(), in); }).status(), 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
}

TEST_P(Ledger, EveryTransitionAllowedAndRefused) {
  auto it = make();
  auto expect = [](const Error& e, int status, const std::string& code, const std::string& field = "") {
    EXPECT_EQ(e.status(), status) << e.what();
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
  };
  // pending: submit / verify / redo are not possible yet; the inspector may not start.
  expect(error_of([&] { act(dept(), it, "submit", "做完了"); }), 409, "invalid_state");
  expect(error_of([&] { act(inspector(), it, "verify"); }), 409, "invalid_state");
  expect(error_of([&] { act(inspector(), it, "start"); }), 403, "forbidden");
  expect(error_of([&] { act(dept(), it, "fly"); }), 404, "not_found");
  EXPECT_EQ(svc->actions(dept(), it, now_ms()), (std::vector<std::string>{"start", "request_extension"}));
  it = act(dept(), it, "start");
  EXPECT_EQ(it.status, "rectifying");
  expect(error_of([&] { act(dept(), it, "start"); }), 409, "invalid_state");
  // submit: the note (整改情况) and the measures are required.
  expect(error_of([&] { act(dept(), it, "submit", " "); }), 422, "invalid_field", "note");
  expect(error_of([&] { act(dept(), it, "submit", "已整改"); }), 422, "invalid_field", "measures");
  rectify::Patch p;
  p.measures = "加装扶手";
  p.cause = "设施老化";
  it = svc->patch(dept(), it.id, p);
  EXPECT_EQ(it.measures.value_or(""), "加装扶手");
  rectify::Patch manage;
  manage.problem = "改写问题";
  EXPECT_EQ(error_of([&] { svc->patch(dept(), it.id, manage); }).status(), 403) << "manage fields need manage";
  it = act(dept(), it, "submit", "已加装扶手");
  EXPECT_EQ(it.status, "submitted");
  // verify: not the dept head (no permission), never a verifier of the owner unit itself; the
  // hospital's admin may (院级验收) as its inspector may.
  expect(error_of([&] { act(dept(), it, "verify"); }), 403, "forbidden");
  EXPECT_EQ(svc->actions(hosp1(), it, now_ms()), (std::vector<std::string>{"verify", "redo", "cancel"}));
  expect(error_of([&] { act(who("ins", "inspector", "H001-NK"), it, "verify"); }), 403, "owner_cannot_verify");
  // A hospital's own inspector (院级) verifies a department's item.
  auto hosp_inspector = who("qc", "inspector", "H001");
  EXPECT_EQ(svc->actions(hosp_inspector, it, now_ms()), (std::vector<std::string>{"verify", "redo", "cancel"}));
  it = act(hosp_inspector, it, "verify", "现场查看，已整改到位");
  EXPECT_EQ(it.status, "closed");
  EXPECT_TRUE(it.closed_at.has_value());
  EXPECT_EQ(it.verified_by.value_or(""), "qc");
  EXPECT_FALSE(it.next_check_at.has_value());
  // closed: nothing more, no edits.
  for (const char* a : {"start", "submit", "verify", "redo", "cancel", "request_extension"})
    expect(error_of([&] { act(bureau(), it, a, "理由", "2026-04-30"); }), 409, "invalid_state");
  expect(error_of([&] { svc->patch(dept(), it.id, p); }), 409, "invalid_state");
  // cancel: reason required, verify permission, from any open state.
  auto other = make("H001");
  expect(error_of([&] { act(inspector(), other, "cancel"); }), 422, "invalid_field", "reason");
  expect(error_of([&] { act(hosp1(), other, "cancel", "重复"); }), 403, "owner_cannot_verify");
  expect(error_of([&] { act(who("qc", "inspector", "H001"), other, "cancel", "重复"); }), 403, "owner_cannot_verify");
  other = act(inspector(), other, "cancel", "重复登记");
  EXPECT_EQ(other.status, "cancelled");
  EXPECT_FALSE(other.next_check_at.has_value());
  auto tl = svc->history(it.id);
  std::vector<std::string> actions;
  for (auto& e : tl) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "start", "edit", "submit", "verify"}));
  // Two creations, start, edit, submit, verify, cancel; refusals leave nothing.
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'rectification.%'"), 7);
}

TEST_P(Ledger, RedoCountsAndSetsANewDeadline) {
  auto it = submitted();
  auto e = error_of([&] { act(inspector(), it, "redo"); });
  EXPECT_EQ(e.field(), "reason");
  set_fake_now_ms(at("2026-03-05", 9));  // Thursday
  it = act(inspector(), it, "redo", "扶手高度不符合规范");
  EXPECT_EQ(it.status, "rectifying");
  EXPECT_EQ(it.redo_count, 1);
  // 15 working days from Thursday 5 March: Thursday 26 March.
  EXPECT_EQ(it.deadline_at, cal::day_start(*cal::parse_date("2026-03-27")) - 1);
  EXPECT_EQ(it.level, 0);
  it = act(dept(), it, "submit", "已重新安装");
  it = act(inspector(), it, "redo", "仍不到位", "2026-04-10");
  EXPECT_EQ(it.redo_count, 2);
  EXPECT_EQ(it.deadline_at, cal::day_start(*cal::parse_date("2026-04-11")) - 1);
  it = act(dept(), it, "submit", "第三次整改");
  EXPECT_EQ(error_of([&] { act(inspector(), it, "redo", "再改", "2026-03-01"); }).field(), "until");
  set_fake_now_ms(at("2026-04-08", 15));  // within the extended deadline of 10 April
  it = act(inspector(), it, "verify");
  EXPECT_EQ(it.status, "closed");
  EXPECT_EQ(it.redo_count, 2);
  // 销号 counts in the ledger's metric series for the department, the hospital and the city.
  auto april = period::month_period(2026, 4);
  for (auto code : {"H001-NK", "H001", "CITY"}) {
    auto on_time = metrics::series::subtree(*app->db, node(code), "rectify.on_time", april);
    EXPECT_EQ(on_time.num, 1) << code;
    EXPECT_EQ(on_time.den, 1) << code;
    auto redo = metrics::series::subtree(*app->db, node(code), "rectify.redo", april);
    EXPECT_EQ(redo.num, 1) << code;
    EXPECT_DOUBLE_EQ(redo.sum, 2) << code;
    auto days = metrics::series::subtree(*app->db, node(code), "rectify.days_to_close", april);
    EXPECT_EQ(days.n, 1) << code;
    EXPECT_NEAR(days.mean(), (at("2026-04-08", 15) - at("2026-03-02", 10)) / double(cal::kDayMs), 1e-6) << code;
  }
  EXPECT_EQ(metrics::series::subtree(*app->db, node("H002"), "rectify.on_time", april).den, 0) << "another hospital";
  EXPECT_EQ(metrics::series::subtree(*app->db, node("CITY"), "rectify.on_time", period::month_period(2026, 3)).den, 0);
}

TEST_P(Ledger, ExtensionBeforeTheDeadlineApprovedOrRefused) {
  auto it = make();
  it = act(dept(), it, "start");
  EXPECT_EQ(error_of([&] { act(dept(), it, "request_extension", "需采购"); }).field(), "until");
  EXPECT_EQ(error_of([&] { act(dept(), it, "request_extension", "", "2026-04-30"); }).field(), "reason");
  EXPECT_EQ(error_of([&] { act(dept(), it, "request_extension", "需采购", "2026-03-20"); }).field(), "until")
      << "not after the deadline (23 March)";
  it = act(dept(), it, "request_extension", "扶手需采购", "2026-04-30");
  ASSERT_TRUE(it.extension.has_value());
  EXPECT_EQ(it.extension->until, "2026-04-30");
  EXPECT_EQ(error_of([&] { act(dept(), it, "request_extension", "再延", "2026-05-30"); }).code(), "extension_pending");
  EXPECT_EQ(error_of([&] { act(dept(), it, "approve_extension"); }).status(), 403);
  EXPECT_EQ(error_of([&] { act(who("qc", "inspector", "H001-NK"), it, "approve_extension"); }).code(),
            "owner_cannot_verify");
  it = act(inspector(), it, "approve_extension", "同意");
  EXPECT_FALSE(it.extension.has_value());
  EXPECT_EQ(it.deadline_at, cal::day_start(*cal::parse_date("2026-05-01")) - 1);
  EXPECT_EQ(error_of([&] { act(inspector(), it, "approve_extension"); }).code(), "no_extension");
  // Refused: the deadline stays.
  it = act(dept(), it, "request_extension", "再延一个月", "2026-05-29");
  it = act(inspector(), it, "refuse_extension", "理由不充分");
  EXPECT_FALSE(it.extension.has_value());
  EXPECT_EQ(it.deadline_at, cal::day_start(*cal::parse_date("2026-05-01")) - 1);
  // The one who asked never decides it, though a bureau admin holds both permissions.
  it = act(bureau(), it, "request_extension", "专项经费未到位", "2026-05-29");
  EXPECT_EQ(error_of([&] { act(bureau(), it, "approve_extension"); }).status(), 403);
  auto mine = svc->actions(bureau(), *svc->find(it.id), now_ms());
  auto theirs = svc->actions(inspector(), *svc->find(it.id), now_ms());
  EXPECT_EQ(std::count(mine.begin(), mine.end(), "approve_extension"), 0);
  EXPECT_EQ(std::count(theirs.begin(), theirs.end(), "approve_extension"), 1);
  it = act(inspector(), it, "refuse_extension", "不予延期");
  // After the deadline: too late to ask.
  set_fake_now_ms(at("2026-05-06", 9));
  auto e = error_of([&] { act(dept(), it, "request_extension", "来不及", "2026-06-30"); });
  EXPECT_EQ(e.status(), 409);
  EXPECT_EQ(e.code(), "past_deadline");
  EXPECT_TRUE(svc->find(it.id)->overdue_at(now_ms()));
}

TEST_P(Ledger, AnOverdueItemEscalatesOncePerLevel) {
  auto it = make();
  auto notices = [&](const char* kind, const std::string& unit) {
    return count("SELECT COUNT(*) FROM notifications WHERE kind = ? AND node_id = ?", {kind, node(unit)});
  };
  EXPECT_EQ(svc->run_escalations(at("2026-03-05", 10)), 0) << "nothing due yet";
  // Warned at 70% of the working time (整改临期) → the owner.
  EXPECT_EQ(svc->run_escalations(it.warn_at), 1);
  EXPECT_EQ(svc->run_escalations(it.warn_at + 1000), 0);
  EXPECT_EQ(notices("rectification.warning", "H001-NK"), 1);
  // Overdue (整改逾期) → the institution, and the owner in-app.
  EXPECT_EQ(svc->run_escalations(it.deadline_at + 1), 1);
  EXPECT_EQ(svc->run_escalations(it.deadline_at + 2), 0);
  EXPECT_EQ(notices("rectification.overdue", "H001"), 1);
  EXPECT_EQ(notices("rectification.overdue", "H001-NK"), 1);
  // 逾期督办 → the bureau above the institution; then nothing more.
  EXPECT_EQ(svc->run_escalations(it.supervise_at), 1);
  EXPECT_EQ(svc->run_escalations(it.supervise_at + cal::kDayMs * 30), 0);
  EXPECT_EQ(notices("rectification.supervise", "CITY"), 1);
  auto after = *svc->find(it.id);
  EXPECT_EQ(after.level, 3);
  EXPECT_FALSE(after.next_check_at.has_value());
  int escalations = 0;
  for (auto& e : svc->history(it.id)) escalations += e.action == "escalate";
  EXPECT_EQ(escalations, 3);
  // Several levels at once are fired once each; a closed item never escalates.
  auto late = make();
  EXPECT_EQ(svc->run_escalations(late.supervise_at + 1), 3);
  auto closed = make("H002");
  act(inspector(), closed, "cancel", "撤销");
  EXPECT_EQ(svc->run_escalations(closed.supervise_at + 1), 0);
}

TEST_P(Ledger, ACaseMarkedNeedsRectificationOpensAPublicItem) {
  auto& cases = *app->cases;
  cases::NewCase in;
  in.type = "complaint";
  in.channel = "web";
  in.node_id = node("H001-NK");
  in.content = "内科护士态度恶劣，我的电话 13812345678";
  in.complainant_name = "张三";
  in.complainant_phone = "13812345678";
  auto opened = cases.open(in);
  cases::Who handler{{2, "handler", "127.0.0.1"}, "handler", [p = path("H001")](const std::string& perm, const std::string& t) {
                       return org::role_has("handler", perm) && t.rfind(p, 0) == 0;
                     }};
  cases.accept(handler, opened.id, std::nullopt);
  cases::ReplyInput r;
  r.reply = "经查属实，已批评教育。";
  r.outcome = "substantiated";
  r.needs_rectification = true;
  auto c = cases.reply(handler, opened.id, r);
  ASSERT_TRUE(c.needs_rectification);
  rectify::ListFilter f;
  f.scope = {path("H001")};
  f.source = "complaint";
  auto items = svc->list(f, nullptr);
  ASSERT_EQ(items.size(), 1u);
  auto& it = items[0];
  EXPECT_EQ(it.source_ref.value_or(""), c.tracking_code);
  EXPECT_EQ(it.source_id, c.id);
  EXPECT_EQ(it.unit_id, node("H001"));
  EXPECT_TRUE(it.is_public);
  EXPECT_EQ(it.status, "pending");
  // Public: no phone number.
  auto pub = svc->public_items("H001");
  ASSERT_TRUE(pub.has_value());
  ASSERT_EQ(pub->second.size(), 1u);
  EXPECT_EQ(pub->second[0].problem.find("13812345678"), std::string::npos) << pub->second[0].problem;
  // Reopened and answered again: still one item.
  cases.callback(handler, c.id, "unsatisfied", "不满意");
  cases.reply(handler, c.id, r);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications WHERE source_id = ?", {c.id}), 1);
}

TEST_P(Ledger, PublicListShowsOnlyPublicItemsOfTheSubtree) {
  auto hidden = make("H001-NK", "内部问题");
  rectify::NewItem in;
  in.unit_id = node("H001-NK");
  in.problem = "门诊候诊区座椅不足";
  in.is_public = true;
  auto shown = svc->create(hosp1(), in);
  in.unit_id = node("H002");
  svc->create(hosp2(), in);
  auto pub = svc->public_items("H001");
  ASSERT_TRUE(pub.has_value());
  EXPECT_EQ(pub->first, "市第一人民医院");
  ASSERT_EQ(pub->second.size(), 1u);
  EXPECT_EQ(pub->second[0].problem, "门诊候诊区座椅不足");
  EXPECT_EQ(pub->second[0].status, "pending");
  EXPECT_FALSE(svc->public_items("NOPE").has_value());
  (void)hidden;
  (void)shown;
}

TEST_P(Ledger, ScopeKeepsUnitsApart) {
  auto mine = make("H001-NK");
  rectify::NewItem in;
  in.unit_id = node("H002");
  in.problem = "中医院的问题";
  auto theirs = svc->create(hosp2(), in);
  EXPECT_EQ(error_of([&] { svc->get(hosp1(), theirs.id); }).status(), 404);
  EXPECT_EQ(error_of([&] { act(hosp1(), theirs, "start"); }).status(), 404);
  EXPECT_EQ(error_of([&] { svc->attach(hosp1(), theirs.id, "a.png", "\x89PNG\r\n\x1a\n0000"); }).status(), 404);
  rectify::Patch p;
  p.measures = "x";
  EXPECT_EQ(error_of([&] { svc->patch(hosp1(), theirs.id, p); }).status(), 404);
  rectify::ListFilter f;
  f.scope = {path("H001")};
  for (auto& it : svc->list(f, nullptr)) EXPECT_NE(it.id, theirs.id);
  auto k = svc->counts({path("H001")}, "", now_ms());
  EXPECT_EQ(k.total, 1);
  EXPECT_EQ(k.pending, 1);
  k = svc->counts({path("CITY")}, "", now_ms());
  EXPECT_EQ(k.total, 2);
  (void)mine;
}

TEST_P(Ledger, ListFiltersAndKeysetCursor) {
  for (int i = 0; i < 5; ++i) make("H001-NK", "问题" + std::to_string(i));
  auto overdue = make("H001", "过期的问题");
  rectify::ListFilter f;
  f.scope = {path("CITY")};
  f.limit = 2;
  int64_t next = 0;
  auto page = svc->list(f, &next);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].id, overdue.id) << "newest first";
  f.cursor = next;
  auto page2 = svc->list(f, &next);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_LT(page2[0].id, page[1].id);
  // The city's scope (read by walking the id order on SQLite) and a hospital's (its path range)
  // filter alike.
  f = {};
  f.scope = {path("CITY")};
  f.status = "pending";
  EXPECT_EQ(svc->list(f, nullptr).size(), 6u);
  f.scope = {path("H001")};
  EXPECT_EQ(svc->list(f, nullptr).size(), 6u);
  f.status = "closed";
  EXPECT_EQ(svc->list(f, nullptr).size(), 0u);
  f = {};
  f.scope = {path("CITY")};
  f.q = "过期";
  EXPECT_EQ(svc->list(f, nullptr).size(), 1u);
  f.q = overdue.code;
  EXPECT_EQ(svc->list(f, nullptr).size(), 1u);
  f.q.clear();
  f.node_path = path("H001-NK");
  EXPECT_EQ(svc->list(f, nullptr).size(), 5u);
  set_fake_now_ms(at("2026-04-01", 9));
  f.node_path.clear();
  f.overdue = true;
  EXPECT_EQ(svc->list(f, nullptr).size(), 6u);
  EXPECT_EQ(svc->counts({path("CITY")}, "", now_ms()).overdue, 6);
}

// The counts come from per-node rows kept with every change (rectification_counts): for every
// scope, before and after the escalation scan, after 销号, redo, extension and cancel, they equal
// counting the items themselves.
TEST_P(Ledger, CountsEqualCountingTheItemsForEveryScope) {
  std::vector<rectify::Item> items;
  for (auto unit : {"H001-NK", "H001-NK", "H001", "H002", "H001-NK", "H002"}) items.push_back(make(unit));
  act(dept(), items[0], "start");
  auto sub = submitted();
  act(inspector(), sub, "verify", "已核实");
  auto redo = submitted();
  act(inspector(), redo, "redo", "扶手不牢固", "2026-05-29");
  act(inspector(), items[3], "cancel", "重复登记");
  act(dept(), items[1], "request_extension", "需采购", "2026-04-30");
  act(inspector(), items[1], "approve_extension");
  auto check = [&](const std::string& label) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> scopes = {
        {{path("CITY")}, ""},          {{path("H001")}, ""},           {{path("H001-NK")}, ""},
        {{path("H002")}, ""},          {{path("CITY")}, path("H001")}, {{path("H001"), path("H001-NK")}, ""},
        {{path("H001")}, path("H002")}, {{path("H001"), path("H002")}, ""}};
    for (auto& [scope, node] : scopes) {
      auto k = svc->counts(scope, node, now_ms());
      store::Params p;
      std::string where = store::subtree_condition("unit_path", scope, p);
      if (!node.empty()) {
        where += " AND unit_path >= ? AND unit_path < ?";
        p.push_back(node);
        p.push_back(store::subtree_upper(node));
      }
      auto n = [&](const std::string& cond) { return count("SELECT COUNT(*) FROM rectifications WHERE " + where + cond, p); };
      std::string at = label + " scope " + scope[0] + (scope.size() > 1 ? "+" : "") + " node " + node;
      EXPECT_EQ(k.total, n("")) << at;
      EXPECT_EQ(k.pending, n(" AND status = 'pending'")) << at;
      EXPECT_EQ(k.rectifying, n(" AND status = 'rectifying'")) << at;
      EXPECT_EQ(k.submitted, n(" AND status = 'submitted'")) << at;
      EXPECT_EQ(k.closed, n(" AND status = 'closed'")) << at;
      EXPECT_EQ(k.cancelled, n(" AND status = 'cancelled'")) << at;
      store::Params q = p;
      q.insert(q.begin(), now_ms());
      EXPECT_EQ(k.overdue, count("SELECT COUNT(*) FROM rectifications WHERE status IN ('pending', 'rectifying', "
                                 "'submitted') AND deadline_at < ? AND " + where,
                                 q))
          << at;
    }
  };
  check("at once");
  EXPECT_GT(svc->counts({path("CITY")}, "", now_ms()).total, 0);
  // Past most deadlines: overdue before the scan has looked, then after it.
  set_fake_now_ms(at("2026-04-20", 9));
  check("before the scan");
  EXPECT_GT(svc->counts({path("CITY")}, "", now_ms()).overdue, 0);
  svc->run_escalations(now_ms());
  check("after the scan");
  // An overdue item closed late leaves the overdue figure; one extended past today too.
  auto late = *svc->find(items[0].id);
  rectify::Patch pm;
  pm.measures = "已整改";
  svc->patch(dept(), late.id, pm);
  act(dept(), late, "submit", "已整改");
  act(inspector(), late, "verify");
  check("after a late 销号");
}

TEST_P(Ledger, ImportIsAllOrNothingAndNamesTheBadRow) {
  std::string csv =
      "问题,来源,责任单位,责任人,整改措施,整改时限\n"
      "输液室呼叫器故障,检查发现,H001-NK,王护士长,更换呼叫器,2026-04-30\n"
      "挂号窗口排长队,投诉,不存在的医院,李主任,增开窗口,2026-04-30\n"
      "病历书写不规范,自查,市中医院,,,2026/5/8\n"
      ",暗访,H001,,,\n";
  auto res = svc->import_file(bureau(), gbk(csv));
  EXPECT_EQ(res.imported, 0);
  ASSERT_EQ(res.errors.size(), 2u);
  EXPECT_EQ(res.errors[0].row, 3);
  EXPECT_EQ(res.errors[0].field, "责任单位");
  EXPECT_NE(res.errors[0].message.find("不存在的医院"), std::string::npos);
  EXPECT_EQ(res.errors[1].row, 5);
  EXPECT_EQ(res.errors[1].field, "问题");
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0) << "nothing stored";
  // A unit admin may import only into its own institution.
  std::string good =
      "问题,来源,责任单位,责任人,整改措施,整改时限\n"
      "输液室呼叫器故障,检查发现,H001-NK,王护士长,更换呼叫器,2026-04-30\n"
      "病历书写不规范,自查,市中医院,,,2026/5/8\n";
  res = svc->import_file(hosp1(), good);
  ASSERT_EQ(res.errors.size(), 1u);
  EXPECT_EQ(res.errors[0].row, 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
  res = svc->import_file(bureau(), gbk(good));
  EXPECT_TRUE(res.errors.empty());
  EXPECT_EQ(res.imported, 2);
  auto r = app->db->query("SELECT code, source, responsible, measures, deadline_at FROM rectifications ORDER BY code");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].str(0), "ZG20260302-0001");
  EXPECT_EQ(r[0].str(1), "inspection");
  EXPECT_EQ(r[0].str(2), "王护士长");
  EXPECT_EQ(r[0].str(3), "更换呼叫器");
  EXPECT_EQ(r[0].i64(4), cal::day_start(*cal::parse_date("2026-05-01")) - 1);
  EXPECT_EQ(r[1].str(1), "self_inspection");
  // A missing column is a file-level error naming it.
  auto e = error_of([&] { svc->import_file(bureau(), "问题,来源\n某问题,自查\n"); });
  EXPECT_EQ(e.code(), "missing_column");
  EXPECT_EQ(e.field(), "责任单位");
}

TEST_P(Ledger, ExportHasTheBureauColumns) {
  auto it = submitted();
  act(inspector(), it, "verify");
  make("H002", "中医院的问题");
  rectify::ListFilter f;
  f.scope = {path("H001")};
  int64_t rows = 0;
  auto rowsx = table::read_xlsx(rectify::ledger_xlsx(*svc, f, &rows));
  EXPECT_EQ(rows, 1);
  ASSERT_EQ(rowsx.size(), 2u);
  // The bureaus' layout, and the item's 编号 last (an edited export imported back edits the items).
  EXPECT_EQ(rowsx[0], (std::vector<std::string>{"序号", "问题", "来源", "责任单位", "责任人", "整改措施", "整改时限",
                                                 "完成情况", "验收人", "销号日期", "编号"}));
  EXPECT_EQ(rowsx[1][0], "1");
  EXPECT_EQ(rowsx[1][1], "病房卫生间无扶手");
  EXPECT_EQ(rowsx[1][2], "检查发现");
  EXPECT_EQ(rowsx[1][3], "内科");
  EXPECT_EQ(rowsx[1][5], "加装扶手，每周巡查");
  EXPECT_EQ(rowsx[1][6], "2026-03-23");
  EXPECT_EQ(rowsx[1][7], "已销号");
  EXPECT_EQ(rowsx[1][8], "inspector");
  EXPECT_EQ(rowsx[1][9], "2026-03-02");
}

INSTANTIATE_TEST_SUITE_P(Db, Ledger, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
