// CaseService on SQLite and PostgreSQL with the demo organisation: intake, the SLA clock on
// the working-day calendar, the workflow (accept, transfer, reply, callback, reopen, pause,
// extension, merge, reject), the escalation ladder, visibility rules and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "app/app.hpp"
#include "audit/audit.hpp"
#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "notify/outbox.hpp"
#include "org/roles.hpp"
#include "org/service.hpp"
#include "support/sink.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::testing::error_of;
using manyi::testing::Sink;
using json = nlohmann::json;
namespace cal = manyi::calendar;

namespace {

int64_t at(const char* date, int h, int m = 0) {
  return cal::day_start(*cal::parse_date(date)) + (h * 60 + m) * 60'000LL;
}
int64_t end_of(const char* date) { return cal::day_start(*cal::parse_date(date) + 1) - 1; }

class Cases : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    set_fake_now_ms(at("2026-02-13", 10));  // the Friday before the 2026 Spring Festival
    db = store::open(manyi::testing::demo_db_url(GetParam()));
    db->migrate();
    org = std::make_unique<org::OrgService>(*db);
    svc = std::make_unique<cases::CaseService>(*db);
    // The demo's bad-review cases stay, but must not escalate into this test's counts.
    db->write([](store::Tx& tx) { tx.exec("UPDATE cases SET next_check_at = NULL"); });
  }
  void TearDown() override {
    svc.reset();
    set_fake_now_ms(0);
  }

  int64_t node(const std::string& code) { return org->node_by_code(code).value().id; }
  std::string path(const std::string& code) { return org->node_by_code(code).value().path; }
  int64_t user(const std::string& name) { return org->user_by_name(name).value().id; }

  // A caller holding `role` on the node with `code` (the demo users' grants).
  cases::Who who(const std::string& username, const std::string& role, const std::string& code) {
    auto p = path(code);
    return {{user(username), username, "127.0.0.1"},
            username,
            [role, p](const std::string& perm, const std::string& target) {
              return org::role_has(role, perm) && target.rfind(p, 0) == 0;
            }};
  }
  cases::Who handler() { return who("handler", "handler", "H001"); }
  cases::Who hosp1() { return who("hosp1", "unit_admin", "H001"); }
  cases::Who hosp2() { return who("hosp2", "unit_admin", "H002"); }
  cases::Who dept() { return who("dept", "dept_head", "H001-NK"); }
  cases::Who bureau() { return who("bureau", "bureau_admin", "CITY"); }

  cases::NewCase complaint(const std::string& content, const std::string& code = "H001-NK") {
    cases::NewCase c;
    c.type = "complaint";
    c.channel = "web";
    c.node_id = node(code);
    c.content = content;
    c.complainant_name = "张三";
    c.complainant_phone = "138 1234 5678";
    return c;
  }
  cases::Case open(const cases::NewCase& c) { return *svc->find(svc->open(c).id); }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db->query(sql, p)).value_or(-1);
  }
  static bool has(const std::vector<cases::Case>& v, int64_t id) {
    return std::any_of(v.begin(), v.end(), [&](const cases::Case& c) { return c.id == id; });
  }
  // Notifications about one case.
  int64_t notices(const std::string& kind, int64_t node_id, int64_t case_id) {
    return count("SELECT COUNT(*) FROM notifications WHERE kind = ? AND node_id = ? AND link = ?",
                 {kind, node_id, "/cases/" + std::to_string(case_id)});
  }
  std::vector<cases::Case> list_for(const std::vector<std::string>& read, const std::vector<std::string>& sens,
                                    bool overdue = false) {
    cases::ListFilter f;
    f.read_scope = read;
    f.sensitive_scope = sens;
    f.overdue = overdue;
    f.limit = 500;
    std::vector<cases::Case> out;
    int64_t next = 0;
    do {
      auto page = svc->list(f, &next);
      out.insert(out.end(), page.begin(), page.end());
      f.cursor = next;
    } while (next);
    return out;
  }

  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<cases::CaseService> svc;
};

TEST_P(Cases, IntakeRoutesToTheInstitutionOnTheCalendarAndEncryptsContact) {
  auto c = open(complaint("护士态度很差，不耐烦，还训斥我"));
  EXPECT_EQ(c.status, "pending");
  EXPECT_EQ(c.owner_node_id, node("H001"));
  EXPECT_EQ(c.unit_id, node("H001"));
  EXPECT_EQ(c.node_name, "内科");
  EXPECT_EQ(c.category, "attitude_rude");  // suggested from the text: 服务态度 · 语言粗暴 (训斥)
  EXPECT_FALSE(c.sensitive);
  EXPECT_EQ(c.sla_days, 5);
  // Received Friday 13 Feb 2026: Sat 14 is a make-up workday, 15–23 is the Spring Festival.
  EXPECT_EQ(c.deadline_at, end_of("2026-02-27"));
  EXPECT_GT(c.warn_at, at("2026-02-13", 10));
  EXPECT_LT(c.warn_at, c.deadline_at);
  EXPECT_EQ(c.supervise_at, end_of("2026-03-02"));  // + 2 working days (28 Feb is worked)
  EXPECT_EQ(c.tracking_code.size(), 10u);
  EXPECT_EQ(c.phone_mask, "138****5678");
  EXPECT_EQ(c.complainant_mask, "张*");

  auto raw = db->query("SELECT complainant_enc FROM cases WHERE id = ?", {c.id})[0].str(0);
  EXPECT_EQ(raw.find("13812345678"), std::string::npos);
  EXPECT_EQ(raw.find("张三"), std::string::npos);
  auto [name, phone] = svc->reveal_contact(handler(), c.id);
  EXPECT_EQ(name, "张三");
  EXPECT_EQ(phone, "13812345678");
  EXPECT_EQ(error_of([&] { svc->reveal_contact(dept(), c.id); }).status(), 403);  // no case.contact
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.contact.reveal'"), 1);

  // The tracking code is forgiving about case and separators.
  std::string sloppy = c.tracking_code.substr(0, 4) + "-" + c.tracking_code.substr(4);
  for (auto& ch : sloppy) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  ASSERT_TRUE(svc->by_tracking_code(sloppy).has_value());
  EXPECT_EQ(svc->by_tracking_code(sloppy)->id, c.id);
  EXPECT_FALSE(svc->by_tracking_code("ZZZZZZZZZZ").has_value());
  // Tracking by the public needs the phone's last four digits when a phone was left.
  EXPECT_TRUE(svc->track(sloppy, "5678").has_value());
  EXPECT_FALSE(svc->track(sloppy, "").has_value());
  EXPECT_FALSE(svc->track(sloppy, "1234").has_value());
  auto evs = svc->events(c.id, true);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].action, "register");
  EXPECT_EQ(notices("case.new", node("H001"), c.id), 1);
}

TEST_P(Cases, BadInputIsRefusedAndStoresNothing) {
  int64_t before = count("SELECT COUNT(*) FROM cases");
  int64_t events_before = count("SELECT COUNT(*) FROM case_events");
  auto bad = [&](auto mutate, const std::string& field) {
    auto c = complaint("等候时间太久");
    mutate(c);
    auto e = error_of([&] { svc->open(c); });
    EXPECT_EQ(e.status(), 422) << field;
    EXPECT_EQ(e.field(), field);
  };
  bad([](cases::NewCase& c) { c.type = "grievance"; }, "type");
  bad([](cases::NewCase& c) { c.channel = "pigeon"; }, "channel");
  bad([](cases::NewCase& c) { c.node_id = 12345; }, "node_id");
  bad([](cases::NewCase& c) { c.content = "  \n "; }, "content");
  bad([](cases::NewCase& c) { c.content = std::string(5001, 'x'); }, "content");
  bad([](cases::NewCase& c) { c.content = "bad \x01 control"; }, "content");
  bad([](cases::NewCase& c) { c.complainant_phone = "call me maybe"; }, "complainant_phone");
  bad([](cases::NewCase& c) { c.complainant_phone = "123"; }, "complainant_phone");
  bad([](cases::NewCase& c) { c.category = "astrology"; }, "category");
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases"), before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM case_events"), events_before);
}

TEST_P(Cases, IntegrityCasesGoToTheInstitutionAndAreHiddenFromTheDepartment) {
  auto in = complaint("主治医生收了红包才给安排手术");
  in.owner_node_id = node("H001-NK");  // even when first contact was the department itself
  auto c = open(in);
  EXPECT_EQ(c.category, "ethics_gift");  // 医德医风 · 收受红包
  EXPECT_TRUE(c.sensitive);
  EXPECT_EQ(c.owner_node_id, node("H001"));

  EXPECT_EQ(error_of([&] { svc->get(dept(), c.id); }).status(), 404);
  EXPECT_EQ(error_of([&] { svc->get(handler(), c.id); }).status(), 404);  // handlers lack case.sensitive
  EXPECT_FALSE(has(list_for({path("H001-NK")}, {}), c.id));
  EXPECT_FALSE(has(list_for({path("H001")}, {}), c.id));
  EXPECT_EQ(svc->get(hosp1(), c.id).id, c.id);
  EXPECT_TRUE(has(list_for({path("H001")}, {path("H001")}), c.id));

  auto e = error_of([&] { svc->transfer(hosp1(), c.id, node("H001-NK"), ""); });
  EXPECT_EQ(e.field(), "to_node_id");
  auto moved = svc->transfer(hosp1(), c.id, node("H001-XFB"), "请纪检监察室核查");
  EXPECT_EQ(moved.transfer_to_node_id, node("H001-XFB"));
}

TEST_P(Cases, FullLoopTransferReplyUnsatisfiedCallbackReopensThenCloses) {
  auto in = complaint("挂号收费多收了钱，窗口还推诿", "H001-SFC");
  in.channel = "hotline";
  in.registered_by = user("handler");
  in.registered_by_name = "受理员";
  in.owner_node_id = node("H001");
  auto c = open(in);
  EXPECT_EQ(c.assignee_id, user("handler"));  // 首问负责

  c = svc->accept(handler(), c.id, std::nullopt);
  EXPECT_EQ(c.status, "processing");
  c = svc->transfer(handler(), c.id, node("H001-NK"), "请内科核实");
  EXPECT_EQ(c.owner_node_id, node("H001"));  // still owned until accepted
  EXPECT_EQ(c.transfer_to_node_id, node("H001-NK"));
  EXPECT_EQ(error_of([&] { svc->transfer(handler(), c.id, node("H001-WK"), ""); }).code(), "transfer_pending");
  EXPECT_EQ(error_of([&] { svc->accept_transfer(hosp2(), c.id); }).status(), 404);
  EXPECT_TRUE(has(list_for({path("H001-NK")}, {}), c.id));  // the target sees what waits for it

  c = svc->accept_transfer(dept(), c.id);
  EXPECT_EQ(c.owner_node_id, node("H001-NK"));
  EXPECT_EQ(c.prev_owner_node_id, node("H001"));
  EXPECT_EQ(c.assignee_id, user("dept"));

  auto other_unit_staff = db->query("SELECT id FROM staff WHERE unit_id = ? LIMIT 1", {node("H002")})[0].i64(0);
  auto nk_staff = db->query("SELECT id FROM staff WHERE node_id = ? LIMIT 1", {node("H001-NK")})[0].i64(0);
  cases::ReplyInput r;
  r.reply = "经核实，多收费用已退还，并对窗口人员进行了批评教育。";
  r.outcome = "substantiated";
  r.responsible_staff = {other_unit_staff};
  EXPECT_EQ(error_of([&] { svc->reply(dept(), c.id, r); }).field(), "responsible_staff_ids");
  r.outcome.clear();
  r.responsible_staff.clear();
  EXPECT_EQ(error_of([&] { svc->reply(dept(), c.id, r); }).field(), "outcome");
  r.outcome = "substantiated";
  r.responsible_staff = {nk_staff};
  set_fake_now_ms(at("2026-02-24", 11));
  c = svc->reply(dept(), c.id, r);
  EXPECT_EQ(c.status, "replied");
  EXPECT_FALSE(c.late);
  EXPECT_EQ(count("SELECT COUNT(*) FROM case_staff WHERE staff_id = ? AND case_id = ?", {nk_staff, c.id}), 1);

  set_fake_now_ms(at("2026-02-25", 9));
  c = svc->callback(handler(), c.id, "unsatisfied", "退款未到账");
  EXPECT_EQ(c.status, "processing");
  EXPECT_EQ(c.reopen_count, 1);
  EXPECT_EQ(c.received_at, at("2026-02-13", 10));  // the receipt time never moves
  EXPECT_EQ(c.reopened_at, at("2026-02-25", 9));   // the reopening runs its own deadline
  EXPECT_EQ(c.deadline_at, end_of("2026-03-03"));  // 26, 27, 28 (worked), 2 and 3 Mar
  EXPECT_FALSE(c.replied_at.has_value());

  r.reply = "退款已于今日到账，再次致歉。";
  c = svc->reply(dept(), c.id, r);
  EXPECT_EQ(error_of([&] { svc->callback(handler(), c.id, "thrilled", ""); }).field(), "result");
  c = svc->callback(handler(), c.id, "satisfied", "");
  EXPECT_EQ(c.status, "closed");
  ASSERT_TRUE(c.closed_at.has_value());
  EXPECT_EQ(error_of([&] { svc->reply(dept(), c.id, r); }).code(), "invalid_state");

  std::vector<std::string> actions;
  for (auto& e : svc->events(c.id, false)) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"register", "accept", "transfer", "transfer_accept", "reply", "callback",
                                               "reopen", "reply", "callback"}));
  for (auto& e : svc->events(c.id, true)) EXPECT_NE(e.action, "transfer");  // internal routing stays internal
  auto v = audit::verify(*db);
  EXPECT_TRUE(v.ok);
  EXPECT_GE(count("SELECT COUNT(*) FROM audit_log WHERE entity = 'case' AND entity_id = ?", {c.id}), 8);
}

TEST_P(Cases, EscalationLadderFiresEachStepOnce) {
  auto c = open(complaint("候诊等了三个小时"));
  EXPECT_EQ(svc->run_escalations(now_ms()), 0);

  set_fake_now_ms(c.warn_at + 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 1);
  EXPECT_EQ(svc->find(c.id)->level, 1);
  EXPECT_EQ(notices("case.warning", node("H001"), c.id), 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 0);  // nothing fires twice

  set_fake_now_ms(c.deadline_at + 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 1);
  EXPECT_EQ(svc->find(c.id)->level, 2);
  EXPECT_EQ(notices("case.overdue", node("H001"), c.id), 1);
  EXPECT_TRUE(has(list_for({path("H001")}, {}, true), c.id));
  // Too late to ask for more time now.
  EXPECT_EQ(error_of([&] { svc->request_extension(hosp1(), c.id, 3, "需要调查"); }).code(), "past_deadline");

  set_fake_now_ms(c.supervise_at + 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 1);
  auto now = svc->find(c.id);
  EXPECT_EQ(now->level, 3);
  EXPECT_FALSE(now->next_check_at.has_value());
  // H001 sits directly under the city bureau: the bureau is told.
  EXPECT_EQ(notices("case.supervise", node("CITY"), c.id), 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 0);

  // A case that jumps straight past every step takes all three at once; a replied one none.
  auto late = open(complaint("环境太脏", "H101"));
  auto done = open(complaint("态度不好", "H101"));
  cases::ReplyInput r{"已处理", "partly", "", "", {}};
  svc->reply(who("bureau", "bureau_admin", "CITY"), done.id, r);
  set_fake_now_ms(late.supervise_at + 1);
  EXPECT_EQ(svc->run_escalations(now_ms()), 3);
  EXPECT_EQ(svc->find(done.id)->level, 0);
  // H101 is under the 城关区 county bureau, which gets the supervision notice.
  EXPECT_EQ(notices("case.supervise", node("C1"), late.id), 1);
}

TEST_P(Cases, PauseStopsTheClockAndResumeShiftsTheDeadline) {
  set_fake_now_ms(at("2026-03-02", 9));  // Monday, no holidays around
  auto c = open(complaint("检查报告迟迟拿不到"));
  EXPECT_EQ(c.deadline_at, end_of("2026-03-09"));
  c = svc->accept(handler(), c.id, std::nullopt);
  EXPECT_EQ(error_of([&] { svc->pause(handler(), c.id, ""); }).field(), "reason");
  set_fake_now_ms(at("2026-03-03", 9));
  c = svc->pause(handler(), c.id, "请提供缴费单据");
  EXPECT_EQ(c.status, "waiting");
  set_fake_now_ms(at("2026-03-20", 9));
  EXPECT_EQ(svc->run_escalations(now_ms()), 0);  // a paused case does not escalate
  set_fake_now_ms(at("2026-03-06", 9));
  c = svc->resume(handler(), c.id);
  EXPECT_EQ(c.status, "processing");
  // The pause touched Tuesday to Friday (Friday until 09:00): four working days later.
  EXPECT_EQ(c.deadline_at, end_of("2026-03-13"));
  EXPECT_EQ(c.level, 0);
}

TEST_P(Cases, ExtensionIsRequestedBeforeTheDeadlineAndApprovedOneLevelUp) {
  auto c = open(complaint("手术后护理不到位"));
  c = svc->transfer(hosp1(), c.id, node("H001-NK"), "");
  c = svc->accept_transfer(dept(), c.id);
  EXPECT_EQ(error_of([&] { svc->request_extension(dept(), c.id, 0, "x"); }).field(), "days");
  auto acts = [&](const cases::Who& w) { return svc->actions(w, *svc->find(c.id)); };
  auto can = [&](const cases::Who& w, const std::string& a) {
    auto v = acts(w);
    return std::find(v.begin(), v.end(), a) != v.end();
  };
  EXPECT_TRUE(can(dept(), "extension"));
  EXPECT_TRUE(can(dept(), "reply"));
  EXPECT_FALSE(can(dept(), "transfer"));  // department heads do not dispatch
  EXPECT_FALSE(can(hosp1(), "extension_decide"));
  c = svc->request_extension(dept(), c.id, 3, "涉及多个科室，需要会诊讨论");
  ASSERT_TRUE(c.ext_days.has_value());
  EXPECT_FALSE(can(dept(), "extension"));
  EXPECT_FALSE(can(dept(), "extension_decide"));
  EXPECT_TRUE(can(hosp1(), "extension_decide"));
  EXPECT_TRUE(acts(hosp2()).empty() || !can(hosp2(), "extension_decide"));
  EXPECT_EQ(error_of([&] { svc->request_extension(dept(), c.id, 2, "again"); }).code(), "extension_pending");
  EXPECT_EQ(error_of([&] { svc->decide_extension(dept(), c.id, true, ""); }).status(), 403);
  EXPECT_EQ(error_of([&] { svc->decide_extension(hosp2(), c.id, true, ""); }).status(), 404);
  int64_t old_deadline = c.deadline_at;
  c = svc->decide_extension(hosp1(), c.id, true, "同意");
  EXPECT_FALSE(c.ext_days.has_value());
  EXPECT_EQ(c.extended_days, 3);
  EXPECT_EQ(old_deadline, end_of("2026-02-27"));
  EXPECT_EQ(c.deadline_at, end_of("2026-03-03"));  // 28 Feb (worked), 2 and 3 Mar
}

TEST_P(Cases, AnotherInstitutionNeitherSeesNorTouches) {
  int64_t h2 = svc->stats({path("H002")}, {path("H002")}, "").total;
  int64_t city = svc->stats({path("CITY")}, {path("CITY")}, "").total;
  auto c = open(complaint("医生开药太贵"));
  EXPECT_EQ(error_of([&] { svc->get(hosp2(), c.id); }).status(), 404);
  EXPECT_EQ(error_of([&] { svc->accept(hosp2(), c.id, std::nullopt); }).status(), 404);
  EXPECT_EQ(error_of([&] { svc->reject(hosp2(), c.id, "不是我院"); }).status(), 404);
  EXPECT_FALSE(has(list_for({path("H002")}, {path("H002")}), c.id));
  EXPECT_TRUE(has(list_for({path("CITY")}, {}), c.id));
  EXPECT_EQ(svc->stats({path("H002")}, {path("H002")}, "").total, h2);
  EXPECT_EQ(svc->stats({path("CITY")}, {path("CITY")}, "").total, city + 1);
  EXPECT_EQ(svc->get(bureau(), c.id).id, c.id);
  // A department head sees cases about the department but may not dispatch them.
  EXPECT_EQ(svc->get(dept(), c.id).id, c.id);
  EXPECT_EQ(error_of([&] { svc->accept(dept(), c.id, std::nullopt); }).status(), 403);
  EXPECT_EQ(error_of([&] { svc->transfer(handler(), c.id, node("H002"), ""); }).status(), 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM case_events WHERE case_id = ?", {c.id}), 1);
}

TEST_P(Cases, MergeRejectReturnAndOneCasePerRating) {
  auto a = open(complaint("停车难，保安态度差"));
  auto b = open(complaint("停车场收费不合理"));
  auto dups = svc->duplicates_of(b);
  ASSERT_EQ(dups.size(), 1u);
  EXPECT_EQ(dups[0].id, a.id);
  EXPECT_EQ(error_of([&] { svc->merge(handler(), a.id, a.id); }).field(), "into_id");
  auto m = svc->merge(handler(), a.id, b.id);
  EXPECT_EQ(m.status, "merged");
  EXPECT_EQ(m.merged_into, b.id);
  EXPECT_EQ(error_of([&] { svc->merge(handler(), a.id, b.id); }).code(), "invalid_state");
  EXPECT_EQ(error_of([&] { svc->reject(handler(), b.id, " "); }).field(), "reason");
  EXPECT_EQ(svc->reject(handler(), b.id, "不属于本院管辖").status, "rejected");

  // Wrong routing: H001 returns a case up to the bureau, which may send it on.
  auto w = open(complaint("中医院的药房窗口排队太久"));
  w = svc->send_back(handler(), w.id, "反映的是市中医院");
  EXPECT_EQ(w.owner_node_id, node("CITY"));
  EXPECT_EQ(w.status, "pending");
  EXPECT_EQ(error_of([&] { svc->get(hosp2(), w.id); }).status(), 404);
  w = svc->transfer(bureau(), w.id, node("H002"), "转市中医院办理");
  w = svc->accept_transfer(hosp2(), w.id);
  EXPECT_EQ(w.owner_node_id, node("H002"));

  auto in = complaint("不满意");
  in.type = "bad_review";
  in.channel = "survey";
  in.source_rating_id = 777001;
  auto first = svc->open(in);
  auto second = svc->open(in);
  EXPECT_EQ(first.id, second.id);
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE source_rating_id = 777001"), 1);
}

TEST_P(Cases, ConcurrentAcceptsLetExactlyOneWin) {
  auto c = open(complaint("护士打针很疼还不耐烦"));
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      try {
        svc->accept(handler(), c.id, std::nullopt);
        ++ok;
      } catch (const Error& e) {
        if (e.code() == "invalid_state") ++conflicts;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM case_events WHERE case_id = ? AND action = 'accept'", {c.id}), 1);
}

TEST_P(Cases, PraiseClosesWithoutCallbackAndComplaintsDoNot) {
  auto in = complaint("感谢内科王医生耐心细致");
  in.type = "praise";
  auto p = open(in);
  EXPECT_EQ(p.sla_days, 10);
  p = svc->close(handler(), p.id, "已转达科室并通报表扬");
  EXPECT_EQ(p.status, "closed");
  auto c = open(complaint("态度差"));
  EXPECT_EQ(error_of([&] { svc->close(handler(), c.id, "算了"); }).code(), "reply_required");
}

TEST_P(Cases, CalendarAndTimeLimitsAreDataNotCode) {
  // A one-off day off (e.g. a local holiday) moves new deadlines.
  set_fake_now_ms(at("2026-03-02", 9));
  EXPECT_EQ(open(complaint("排队太久")).deadline_at, end_of("2026-03-09"));
  workflow::set_calendar_day(*db, {0, "test", ""}, *cal::parse_date("2026-03-04"), false, "地方假日");
  EXPECT_EQ(open(complaint("排队太久")).deadline_at, end_of("2026-03-10"));
  workflow::set_calendar_day(*db, {0, "test", ""}, *cal::parse_date("2026-03-04"), std::nullopt, "");
  EXPECT_EQ(open(complaint("排队太久")).deadline_at, end_of("2026-03-09"));

  // Importing a year replaces that year's exceptions; a bad file changes nothing.
  int64_t rows = count("SELECT COUNT(*) FROM calendar_days");
  EXPECT_EQ(error_of([&] {
              workflow::import_calendar(
                  *db, {}, R"({"years":{"2027":{"holidays":[{"name":"x","from":"2027-02-30","to":"2027-03-01"}]}}})");
            }).status(),
            422);
  EXPECT_EQ(error_of([&] { workflow::import_calendar(*db, {}, "not json"); }).status(), 400);
  EXPECT_EQ(count("SELECT COUNT(*) FROM calendar_days"), rows);
  EXPECT_EQ(
      workflow::import_calendar(
          *db, {},
          R"({"years":{"2027":{"holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-03"}],"workdays":["2027-01-09"]}}})"),
      4);
  EXPECT_EQ(count("SELECT COUNT(*) FROM calendar_days"), rows + 4);
  EXPECT_FALSE(workflow::load_calendar(*db).is_workday(*cal::parse_date("2027-01-01")));

  // Time limits per type.
  EXPECT_EQ(error_of([&] { svc->save_sla({}, {"complaint", "", 5, 10, 2, 1.5, true}); }).field(), "warn_ratio");
  EXPECT_EQ(error_of([&] { svc->save_sla({}, {"complaint", "", 5, 3, 2, 0.5, true}); }).field(), "multi_days");
  svc->save_sla({}, {"complaint", "", 3, 8, 2, 0.5, true});
  EXPECT_EQ(open(complaint("排队太久")).sla_days, 3);
  auto multi = complaint("多个科室互相推诿");
  multi.multi_dept = true;
  EXPECT_EQ(open(multi).sla_days, 8);

  // Categories and their keywords.
  EXPECT_EQ(error_of([&] { svc->save_category({}, {"Bad Code", "x", "", "", false, true, 1, ""}); }).field(), "code");
  svc->save_category({}, {"parking", "停车", "Parking", "停车,车位", false, true, 45, ""});
  EXPECT_EQ(svc->suggest_category("医院车位太少，停车要排队半小时").category, "parking");
  EXPECT_EQ(svc->suggest_category("医院车位太少，停车要排队半小时").matched, (std::vector<std::string>{"停车", "车位"}));
  EXPECT_EQ(svc->suggest_category("今天天气不错").category, "other");
  EXPECT_TRUE(svc->suggest_category("今天天气不错").matched.empty());
  // One hit each for 服务态度 and 医德医风: the integrity category wins, and inside it the
  // sub-category whose words matched.
  auto gift = svc->suggest_category("医生态度很好，但是收了红包");
  EXPECT_EQ(gift.category, "ethics_gift");
  EXPECT_EQ(gift.matched, (std::vector<std::string>{"红包"}));
  // A top category with no matching sub-category stays itself; words shared by a category and
  // its sub-category count once.
  EXPECT_EQ(svc->suggest_category("医院收费不透明").category, "charges");
  EXPECT_EQ(svc->suggest_category("收费处多收了挂号费").category, "charges_over");
  EXPECT_EQ(svc->matched_keywords("收费处多收了挂号费", "charges_over"),
            (std::vector<std::string>{"多收", "收费", "挂号费"}));  // the words of the shipped rules (0016)

  // Sub-categories: one level, under an existing top category; an integrity parent makes the
  // child sensitive; a category filter covers its children.
  EXPECT_EQ(error_of([&] { svc->save_category({}, {"x_sub", "子类", "", "", false, true, 1, "nosuch"}); }).field(), "parent");
  EXPECT_EQ(error_of([&] { svc->save_category({}, {"x_sub", "子类", "", "", false, true, 1, "attitude_rude"}); }).field(),
            "parent");
  EXPECT_EQ(error_of([&] { svc->save_category({}, {"attitude", "服务态度", "", "", false, true, 10, "charges"}); }).field(),
            "parent");
  auto bribe = svc->save_category({}, {"ethics_meal", "吃请", "Meals", "请吃饭,宴请", false, true, 64, "ethics"});
  EXPECT_TRUE(bribe.sensitive);
  auto meal = open(complaint("家属宴请了主治医生"));
  EXPECT_EQ(meal.category, "ethics_meal");
  EXPECT_TRUE(meal.sensitive);
  cases::ListFilter f;
  f.read_scope = f.sensitive_scope = {"/"};
  f.category = "ethics";
  int64_t next = 0;
  EXPECT_TRUE(has(svc->list(f, &next), meal.id));
  f.category = "ethics_meal";
  EXPECT_TRUE(has(svc->list(f, &next), meal.id));
  f.category = "attitude";
  EXPECT_FALSE(has(svc->list(f, &next), meal.id));
  // A keyword in the text.
  f.category.clear();
  f.q = "宴请了主治";
  auto found = svc->list(f, &next);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, meal.id);
  f.q = "宴请%";  // LIKE wildcards are plain characters
  EXPECT_TRUE(svc->list(f, &next).empty());
}

// Escalation, supervision and rectification notices leave through the outbox: written in the
// step's transaction, one row per channel, delivered to a real webhook and SMTP receiver; a
// receiver that is down keeps the row with its error and a later attempt, and nothing is lost.
TEST_P(Cases, EscalationNoticesReachTheWebhookAndTheMailbox) {
  Sink web(false), mail(true);
  notify::configure({"http://127.0.0.1:" + std::to_string(web.port()) + "/manyi",
                     "smtp://127.0.0.1:" + std::to_string(mail.port()), "manyi@bureau.example", "tousu@hospital.example"});
  struct Reset {
    ~Reset() { notify::configure({}); }
  } reset;
  auto pending = [&] { return count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"); };
  int64_t before = count("SELECT COUNT(*) FROM outbox");
  auto c = open(complaint("候诊等了三个小时"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), before);  // a new case stays in the in-app inbox
  set_fake_now_ms(c.warn_at + 1);
  ASSERT_EQ(svc->run_escalations(now_ms()), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND target = 'tousu@hospital.example'"), 1);
  auto st = notify::deliver_due(*db, now_ms());
  EXPECT_EQ(st.sent, 2);
  EXPECT_EQ(pending(), 0);
  auto hooks = web.received();
  ASSERT_EQ(hooks.size(), 1u);
  auto j = json::parse(hooks[0]);
  EXPECT_EQ(j["kind"], "case.warning");
  EXPECT_EQ(j["link"], "/cases/" + std::to_string(c.id));
  EXPECT_NE(j["subject"].get<std::string>().find("临期预警"), std::string::npos);
  EXPECT_NE(j["body"].get<std::string>().find(c.tracking_code), std::string::npos);
  auto mails = mail.received();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].find("To: tousu@hospital.example"), std::string::npos);
  EXPECT_NE(mails[0].find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(mails[0].find(c.tracking_code), std::string::npos);

  // The receivers go away: the overdue notice waits with its error, then goes out.
  notify::configure({"http://127.0.0.1:1/manyi", "smtp://127.0.0.1:1", "manyi@bureau.example", "tousu@hospital.example"});
  set_fake_now_ms(c.deadline_at + 1);
  ASSERT_EQ(svc->run_escalations(now_ms()), 1);
  EXPECT_EQ(pending(), 2);  // once per step, not once per notified node
  st = notify::deliver_due(*db, now_ms());
  EXPECT_EQ(st.failed, 2);
  EXPECT_EQ(pending(), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts = 1 AND last_error <> '' "
                  "AND next_attempt_at > ?",
                  {now_ms()}),
            2);
  EXPECT_EQ(notify::deliver_due(*db, now_ms()).failed, 0);  // not due again yet
  // Back up (rows keep the target they were written with: point them at the live receivers).
  db->write([&](store::Tx& tx) {
    tx.exec("UPDATE outbox SET target = ? WHERE channel = 'webhook' AND sent_at IS NULL",
            {"http://127.0.0.1:" + std::to_string(web.port()) + "/manyi"});
  });
  notify::configure({"http://127.0.0.1:" + std::to_string(web.port()) + "/manyi",
                     "smtp://127.0.0.1:" + std::to_string(mail.port()), "manyi@bureau.example", "tousu@hospital.example"});
  st = notify::deliver_due(*db, now_ms() + 61'000);
  EXPECT_EQ(st.sent, 2);
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(json::parse(web.received().back())["kind"], "case.overdue");
  EXPECT_EQ(mail.received().size(), 2u);
}

// Two dispatchers on one database (two instances, or a pass overlapping the previous one)
// deliver every notice exactly once: each row is claimed before it is sent. A row claimed by
// an instance that died is delivered once its lease ends. Each delivery names its row.
TEST_P(Cases, TwoDispatchersDeliverEachNoticeOnce) {
  Sink web(false), mail(true);
  notify::configure({"http://127.0.0.1:" + std::to_string(web.port()) + "/manyi", "", "", ""});
  struct Reset {
    ~Reset() { notify::configure({}); }
  } reset;
  const int notices = 30;
  db->write([&](store::Tx& tx) {
    for (int i = 0; i < notices; ++i)
      notify::enqueue(tx, {"case.overdue", "逾期 " + std::to_string(i), "案件 " + std::to_string(i), "/cases/" + std::to_string(i), 0});
  });
  int64_t now = now_ms() + 1000;
  std::atomic<int> sent{0}, ready{0};
  std::vector<std::thread> dispatchers;
  for (int k = 0; k < 2; ++k)
    dispatchers.emplace_back([&] {
      ++ready;
      while (ready < 2) std::this_thread::yield();
      sent += notify::deliver_due(*db, now).sent;
    });
  for (auto& t : dispatchers) t.join();
  EXPECT_EQ(sent.load(), notices);
  auto got = web.received();
  EXPECT_EQ(got.size(), static_cast<size_t>(notices));
  std::set<std::string> links, ids;
  for (auto& b : got) links.insert(json::parse(b)["link"].get<std::string>());
  EXPECT_EQ(links.size(), static_cast<size_t>(notices));  // no notice twice
  for (auto& h : web.heads()) {
    auto at = h.find("X-Manyi-Delivery: ");
    ASSERT_NE(at, std::string::npos) << h;
    ids.insert(h.substr(at + 18, h.find("\r\n", at) - at - 18));
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(notices));
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL"), 0);

  // An instance claimed a row and died: nobody sends it until the lease ends, then it goes.
  db->write([&](store::Tx& tx) {
    notify::enqueue(tx, {"case.supervise", "督办", "督办通知", "/cases/lost", 0});
    tx.exec("UPDATE outbox SET next_attempt_at = ? WHERE sent_at IS NULL", {now + 5 * 60 * 1000});
  });
  EXPECT_EQ(notify::deliver_due(*db, now + 1000).sent, 0);
  EXPECT_EQ(notify::deliver_due(*db, now + 5 * 60 * 1000 + 1).sent, 1);
  EXPECT_EQ(json::parse(web.received().back())["link"], "/cases/lost");
}

// 需整改: the flag follows a substantiated finding, is set once, tells the unit and calls the
// rectification hook in the answering transaction (a failing hook rolls the answer back); the
// finding may also be completed when closing.
TEST_P(Cases, NeedsRectificationCallsTheHookOnceInTheSameTransaction) {
  std::vector<int64_t> hooked;
  bool fail = false;
  svc->on_rectification([&](store::Tx& tx, const cases::Case& c) {
    // Inside the transaction: the case row is visible with its finding.
    auto r = tx.query("SELECT COUNT(*) FROM cases WHERE id = ?", {c.id});
    EXPECT_EQ(store::scalar_i64(r).value_or(0), 1);
    EXPECT_TRUE(c.needs_rectification);
    if (fail) throw Error(500, "ledger_down", "rectification ledger unavailable");
    hooked.push_back(c.id);
  });
  auto c = svc->accept(handler(), open(complaint("收费处多收了检查费")).id, std::nullopt);
  cases::ReplyInput r;
  r.reply = "已退还多收费用。";
  r.outcome = "unsubstantiated";
  r.needs_rectification = true;
  EXPECT_EQ(error_of([&] { svc->reply(handler(), c.id, r); }).field(), "needs_rectification");
  r.outcome = "substantiated";
  fail = true;
  EXPECT_EQ(error_of([&] { svc->reply(handler(), c.id, r); }).code(), "ledger_down");
  EXPECT_EQ(svc->find(c.id)->status, "processing");  // rolled back with the hook
  EXPECT_FALSE(svc->find(c.id)->needs_rectification);
  fail = false;
  c = svc->reply(handler(), c.id, r);
  EXPECT_TRUE(c.needs_rectification);
  EXPECT_EQ(hooked, (std::vector<int64_t>{c.id}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM notifications WHERE kind = 'case.rectification' AND node_id = ? AND link = ?",
                  {node("H001"), "/cases/" + std::to_string(c.id)}),
            1);
  // Reopened and answered again: no second item.
  c = svc->callback(handler(), c.id, "unsatisfied", "还没退");
  c = svc->reply(handler(), c.id, r);
  EXPECT_EQ(hooked.size(), 1u);
  // The list filter finds it.
  cases::ListFilter f;
  f.read_scope = {path("H001")};
  f.needs_rectification = true;
  int64_t next = 0;
  auto page = svc->list(f, &next);
  EXPECT_TRUE(has(page, c.id));
  for (auto& x : page) EXPECT_TRUE(x.needs_rectification);

  // A suggestion closed without a reply round: the finding is given on closing.
  auto in = complaint("建议门诊增加自助机，排队缴费太慢");
  in.type = "suggestion";
  auto sug = svc->accept(handler(), open(in).id, std::nullopt);
  cases::ReplyInput fin;
  fin.outcome = "partly";
  fin.measures = "增设两台自助机";
  fin.needs_rectification = true;
  sug = svc->close(handler(), sug.id, "采纳建议", fin);
  EXPECT_EQ(sug.status, "closed");
  EXPECT_EQ(sug.outcome, "partly");
  EXPECT_EQ(sug.measures, "增设两台自助机");
  EXPECT_TRUE(sug.needs_rectification);
  EXPECT_EQ(hooked, (std::vector<int64_t>{c.id, sug.id}));
}

// The console shows the buttons CaseService::actions lists. Pin that list to what the actions
// really allow: for every state, user and action, a listed action succeeds and an unlisted
// one is refused (403, 404 or 409), never the other way round.
TEST_P(Cases, ListedActionsAreExactlyTheAllowedOnes) {
  const std::vector<std::string> all = {"accept", "transfer_accept", "transfer_decline", "assign", "transfer",
                                        "return", "reject", "pause", "resume", "extension", "extension_decide",
                                        "reply", "callback", "close", "merge", "supervise", "note"};
  auto attempt = [&](const std::string& a, const cases::Who& w, int64_t id, int64_t other) {
    if (a == "accept") svc->accept(w, id, std::nullopt);
    if (a == "transfer_accept") svc->accept_transfer(w, id);
    if (a == "transfer_decline") svc->decline_transfer(w, id, "不属本科室");
    if (a == "assign") svc->assign(w, id, user("handler"));
    if (a == "transfer") svc->transfer(w, id, node("H001-WK"), "");
    if (a == "return") svc->send_back(w, id, "分办有误");
    if (a == "reject") svc->reject(w, id, "重复反映");
    if (a == "pause") svc->pause(w, id, "待补充材料");
    if (a == "resume") svc->resume(w, id);
    if (a == "extension") svc->request_extension(w, id, 2, "需要调查");
    if (a == "extension_decide") svc->decide_extension(w, id, true, "");
    if (a == "reply") svc->reply(w, id, {"已处理", "partly", "", "", {}});
    if (a == "callback") svc->callback(w, id, "satisfied", "");
    if (a == "close") svc->close(w, id, "办结");
    if (a == "merge") svc->merge(w, id, other);
    if (a == "supervise") svc->supervise(w, id, "请加快办理");
    if (a == "note") svc->add_note(w, id, "备注");
  };
  // Each state is reached from a fresh case by the steps below.
  const std::vector<std::pair<std::string, std::function<void(int64_t)>>> states = {
      {"pending", [](int64_t) {}},
      {"processing", [&](int64_t id) { svc->accept(handler(), id, std::nullopt); }},
      {"transfer pending",
       [&](int64_t id) {
         svc->accept(handler(), id, std::nullopt);
         svc->transfer(handler(), id, node("H001-NK"), "");
       }},
      {"department, extension asked",
       [&](int64_t id) {
         svc->transfer(handler(), id, node("H001-NK"), "");
         svc->accept_transfer(dept(), id);
         svc->request_extension(dept(), id, 2, "会诊");
       }},
      {"waiting",
       [&](int64_t id) {
         svc->accept(handler(), id, std::nullopt);
         svc->pause(handler(), id, "待补充");
       }},
      {"replied", [&](int64_t id) { svc->reply(handler(), id, {"已处理", "partly", "", "", {}}); }},
  };
  const std::vector<std::pair<std::string, cases::Who>> users = {
      {"handler", handler()}, {"dept", dept()}, {"hosp2", hosp2()}, {"bureau", bureau()}};
  int checked = 0;
  for (auto& [state, reach] : states) {
    for (auto& [uname, w] : users) {
      auto probe = open(complaint("候诊时间太长"));
      reach(probe.id);
      auto listed = svc->actions(w, *svc->find(probe.id));
      for (auto& a : all) {
        SCOPED_TRACE(state + " / " + uname + " / " + a);
        auto c = open(complaint("候诊时间太长"));
        auto target = open(complaint("候诊时间太长"));
        reach(c.id);
        bool ok = true;
        int status = 0;
        try {
          attempt(a, w, c.id, target.id);
        } catch (const Error& e) {
          ok = false;
          status = e.status();
        }
        bool is_listed = std::find(listed.begin(), listed.end(), a) != listed.end();
        EXPECT_EQ(ok, is_listed) << (ok ? "allowed but not listed" : "listed but refused with " + std::to_string(status));
        if (!ok) {
          EXPECT_TRUE(status == 403 || status == 404 || status == 409) << status;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 6 * 4 * 17);
}

TEST_P(Cases, TheServersBackgroundScanEscalatesOnItsOwn) {
  auto c = open(complaint("投诉无人处理"));
  svc.reset();
  Config cfg;
  cfg.db_url = db->url();
  cfg.case_scan_interval_ms = 20;
  App app(cfg);  // what `manyi serve` runs: the scan thread starts with the app
  set_fake_now_ms(c.supervise_at + 1);
  int level = 0;
  for (int i = 0; i < 250 && level < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    level = app.cases->find(c.id)->level;
  }
  EXPECT_EQ(level, 3);
  EXPECT_EQ(notices("case.supervise", node("CITY"), c.id), 1);
}

// The inbox's open-case queries are answered from the partial indexes of open cases: the
// query's status test (cases::kOpenSql) must read exactly as those indexes' WHERE, or SQLite
// cannot prove an index applies and reads every case (the bureau's counts at 1 million cases:
// 30 ms -> seconds). PostgreSQL is told to avoid table scans, which at this fixture's size
// it would otherwise prefer to any index.
TEST_P(Cases, OpenCaseQueriesAreAnsweredFromTheOpenCaseIndexes) {
  const std::string open = std::string("FROM cases c WHERE ") + cases::kOpenSql;
  for (std::string q : {"SELECT COUNT(*) " + open + " AND c.level >= 3",
                        "SELECT COUNT(*) " + open + " AND c.assignee_id = 7",
                        "SELECT COUNT(*) " + open + " AND c.owner_path LIKE '/1/%' AND c.sensitive = 0",
                        "SELECT c.id " + open + " AND c.status IN ('pending', 'processing') AND c.deadline_at < 5 "
                        "ORDER BY c.id DESC LIMIT 20",
                        // the overdue tab's list (cases::kOverdueSql with its value)
                        "SELECT c.id " + open + " AND c.deadline_at < 5 AND c.status <> 'waiting' "
                        "ORDER BY c.id DESC LIMIT 20"}) {
    std::string plan;
    struct RolledBack {};
    try {
      db->write([&](store::Tx& tx) {
        bool pg = tx.backend() == store::Backend::postgres;
        if (pg) {
          // On a table this small PostgreSQL's choice between an open-case index and another
          // index on the same columns is a coin toss once the table has been analysed (which
          // depends on when autovacuum last came by): the other indexes go for this
          // transaction, so the plan shows whether an open-case index applies at all.
          tx.exec("SET LOCAL enable_seqscan = off");
          for (auto& ix : tx.query("SELECT indexname FROM pg_indexes WHERE tablename = 'cases' AND indexname <> "
                                   "'cases_pkey' AND indexname NOT LIKE 'cases\\_open\\_%'"))
            tx.exec("DROP INDEX " + ix.str(0));
        }
        for (auto& row : tx.query((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + q))
          plan += row.str(row.v.size() - 1) + "\n";
        throw RolledBack{};
      });
    } catch (const RolledBack&) {
    }
    EXPECT_NE(plan.find("cases_open_"), std::string::npos) << q << "\n" << plan;
  }
}

// The inbox counts are computed from disjoint branches over partial indexes (owner in scope;
// subject in scope, owner not; only the transfer target in scope): they must equal counting
// the open cases of the list, for every kind of scope.
TEST_P(Cases, InboxCountsEqualCountingTheListForEveryScope) {
  std::vector<int64_t> ids;
  for (auto code : {"H001-NK", "H001-NK", "H001", "H001-WK", "H002", "H002", "H001-NK", "H002"})
    ids.push_back(open(complaint("候诊等了三个小时，护士态度不耐烦", code)).id);
  ids.push_back(open(complaint("医生收了红包", "H001-NK")).id);  // integrity: sensitive, owned by H001
  ids.push_back(open(complaint("医生收了红包", "H002")).id);
  auto set = [&](size_t i, const std::string& assignments, store::Params p) {
    p.push_back(ids[i]);
    db->write([&](store::Tx& tx) { tx.exec("UPDATE cases SET " + assignments + " WHERE id = ?", p); });
  };
  int64_t now = now_ms(), day = cal::kDayMs;
  set(0, "status = 'processing', assignee_id = ?, level = 1, deadline_at = ?", {user("dept"), now + day});
  set(1, "status = 'processing', owner_node_id = ?, owner_path = ?, level = 2, deadline_at = ?",
      {node("H001-NK"), path("H001-NK"), now - day});
  set(2, "status = 'waiting', level = 3, deadline_at = ?", {now - 9 * day});
  set(3, "status = 'closed'", {});
  // A pending transfer from H002 to H001's internal medicine, and one already moved to H001.
  set(4, "transfer_to_node_id = ?, transfer_to_path = ?, level = 3, deadline_at = ?",
      {node("H001-NK"), path("H001-NK"), now - 5 * day});
  set(5, "owner_node_id = ?, owner_path = ?, assignee_id = ?, status = 'processing', level = 1, deadline_at = ?",
      {node("H001"), path("H001"), user("hosp1"), now + day});
  set(6, "status = 'rejected'", {});
  set(8, "status = 'processing', level = 2, deadline_at = ?", {now - day});
  // Outside the city's tree (as under a second root): one wholly, one only through a transfer
  // into it — the root scope's counts subtract the first and keep the second.
  set(7, "node_path = '/1/2/', owner_path = '/1/'", {});
  set(9, "node_path = '/1/2/', owner_path = '/1/', transfer_to_node_id = ?, transfer_to_path = ?",
      {node("H001"), path("H001")});

  struct Scope {
    std::vector<std::string> read, sens;
    std::string node;
    std::string user;
  };
  std::vector<Scope> scopes = {
      {{path("H001")}, {path("H001")}, "", "hosp1"},
      {{path("H001-NK")}, {}, "", "dept"},
      {{path("CITY")}, {path("CITY")}, "", "bureau"},
      {{path("CITY")}, {path("CITY")}, path("H001"), "bureau"},
      {{path("CITY")}, {}, path("H001-NK"), "bureau"},
      {{path("H001"), path("H002")}, {path("H001")}, "", "hosp1"},
      {{path("H002")}, {path("H002")}, "", "hosp2"},
      {{}, {path("H001")}, "", "hosp1"},
  };
  for (auto& s : scopes) {
    cases::InboxCounts want;
    for (auto status : {"pending", "processing", "waiting"}) {
      cases::ListFilter f;
      f.read_scope = s.read;
      f.sensitive_scope = s.sens;
      f.node_path = s.node;
      f.status = status;
      f.limit = 500;
      int64_t next = 0;
      for (auto& c : svc->list(f, &next)) {
        bool running = c.status != "waiting";
        want.unit++;
        want.mine += c.assignee_id == user(s.user);
        want.due_soon += running && c.level == 1 && c.deadline_at >= now;
        want.overdue += running && c.deadline_at < now;
        want.supervised += c.level >= 3;
      }
    }
    auto got = svc->inbox_counts(s.read, s.sens, s.node, user(s.user));
    SCOPED_TRACE(s.user + " " + (s.read.empty() ? "" : s.read[0]) + " node " + s.node);
    EXPECT_GT(want.unit, 0);  // every scope sees something
    EXPECT_EQ(got.unit, want.unit);
    EXPECT_EQ(got.mine, want.mine);
    EXPECT_EQ(got.due_soon, want.due_soon);
    EXPECT_EQ(got.overdue, want.overdue);
    EXPECT_EQ(got.supervised, want.supervised);
    // Each tab's list (ListFilter::queue) holds exactly as many cases as its count says.
    auto listed = [&](const std::string& queue) {
      cases::ListFilter f;
      f.read_scope = s.read;
      f.sensitive_scope = s.sens;
      f.node_path = s.node;
      f.queue = queue;
      f.user_id = user(s.user);
      f.limit = 500;
      int64_t next = 0;
      return static_cast<int64_t>(svc->list(f, &next).size());
    };
    EXPECT_EQ(listed("open"), got.unit);
    EXPECT_EQ(listed("mine"), got.mine);
    EXPECT_EQ(listed("due_soon"), got.due_soon);
    EXPECT_EQ(listed("overdue"), got.overdue);
    EXPECT_EQ(listed("supervised"), got.supervised);
  }
  // Spot checks that the fixture exercises every branch.
  auto hosp = svc->inbox_counts({path("H001")}, {path("H001")}, "", user("hosp1"));
  auto nk = svc->inbox_counts({path("H001-NK")}, {}, "", user("dept"));
  EXPECT_GE(nk.unit, 3);  // its own, one about it owned by H001, and the transfer waiting for it
  EXPECT_GE(nk.mine, 1);
  EXPECT_GE(hosp.mine, 1);
  EXPECT_GE(hosp.supervised, 2);
}

INSTANTIATE_TEST_SUITE_P(Db, Cases, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
