// Case times on SQLite and PostgreSQL (docs/architecture.md, "Case times"): the receipt time
// never moves and a reopening (重办) is its own period with its own deadline; statistics
// measure the first answer; deadlines in working days stay at the end of a working day
// through pauses (checked against a day-by-day reference); an operator's hotline registration
// is the receipt; the public timeline's wording; the per-code limit of wrong phone digits.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "cases/public_text.hpp"
#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "org/roles.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
namespace cal = manyi::calendar;

namespace {

int64_t at(const char* date, int h, int m = 0) {
  return cal::day_start(*cal::parse_date(date)) + (h * 60 + m) * 60'000LL;
}
int64_t end_of(const char* date) { return cal::day_start(*cal::parse_date(date) + 1) - 1; }

class CaseTimes : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    set_fake_now_ms(at("2026-03-02", 3, 4));  // Monday
    db = store::open(manyi::testing::demo_db_url(GetParam()));
    db->migrate();
    org = std::make_unique<org::OrgService>(*db);
    svc = std::make_unique<cases::CaseService>(*db);
    db->write([](store::Tx& tx) { tx.exec("UPDATE cases SET next_check_at = NULL"); });
  }
  void TearDown() override {
    svc.reset();
    set_fake_now_ms(0);
  }
  int64_t node(const std::string& code) { return org->node_by_code(code).value().id; }
  int64_t user(const std::string& name) { return org->user_by_name(name).value().id; }
  cases::Who who(const std::string& username, const std::string& role, const std::string& code) {
    auto p = org->node_by_code(code).value().path;
    return {{user(username), username, "127.0.0.1"}, username, [role, p](const std::string& perm, const std::string& t) {
              return org::role_has(role, perm) && t.rfind(p, 0) == 0;
            }};
  }
  cases::Who handler() { return who("handler", "handler", "H001"); }
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
  cases::Case reply(int64_t id, const std::string& text = "已核实处理，并向您致歉。") {
    cases::ReplyInput r;
    r.reply = text;
    r.outcome = "partly";
    return svc->reply(handler(), id, r);
  }

  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<cases::CaseService> svc;
};

TEST_P(CaseTimes, ReopeningKeepsTheReceiptTimeAndRunsItsOwnDeadline) {
  const int64_t t0 = at("2026-03-02", 3, 4), t1 = at("2026-03-05", 3, 14);
  auto c = open(complaint("检查报告三天了还没出来"));
  EXPECT_EQ(c.received_at, t0);
  EXPECT_EQ(c.deadline_at, end_of("2026-03-09"));
  c = svc->accept(handler(), c.id, std::nullopt);
  set_fake_now_ms(at("2026-03-04", 15));
  c = reply(c.id);
  ASSERT_EQ(c.first_replied_at, at("2026-03-04", 15));
  EXPECT_FALSE(c.first_late);

  set_fake_now_ms(t1);
  c = svc->callback(handler(), c.id, "unsatisfied", "还要道歉。");
  EXPECT_EQ(c.status, "processing");
  EXPECT_EQ(c.received_at, t0);      // 受理时间 stays
  EXPECT_EQ(c.reopened_at, t1);      // the reopening is its own period
  EXPECT_EQ(c.deadline_at, end_of("2026-03-12"));  // 5 working days from Thursday 5 March
  EXPECT_EQ(c.deadline_at, svc->find(c.id)->deadline_at);
  EXPECT_LT(c.warn_at, c.deadline_at);
  EXPECT_GT(c.warn_at, t1);
  EXPECT_FALSE(c.replied_at.has_value());
  EXPECT_EQ(c.first_replied_at, at("2026-03-04", 15));  // the first answer is kept

  // The reopening is a history entry of its own, public, with its deadline.
  auto evs = svc->events(c.id, false);
  ASSERT_GE(evs.size(), 2u);
  EXPECT_EQ(evs[evs.size() - 2].action, "callback");
  EXPECT_EQ(evs.back().action, "reopen");
  EXPECT_EQ(evs.back().note, "重新办理，答复期限 2026-03-12");
  EXPECT_TRUE(evs.back().is_public);
  EXPECT_EQ(evs[evs.size() - 2].note, "回访：不满意。还要道歉。");

  // Answered again after the reopening's deadline: the current answer is late, the first
  // answer (what 按时答复率 and 平均办理时长 measure) stays on time.
  auto before = svc->stats({org->node_by_code("H001").value().path}, {}, "");
  set_fake_now_ms(at("2026-03-13", 10));
  c = reply(c.id, "再次致歉。");
  EXPECT_TRUE(c.late);
  EXPECT_FALSE(c.first_late);
  EXPECT_EQ(c.first_replied_at, at("2026-03-04", 15));
  EXPECT_EQ(c.received_at, t0);
  auto after = svc->stats({org->node_by_code("H001").value().path}, {}, "");
  EXPECT_EQ(after.replied, before.replied);  // counted once, by its first answer
  EXPECT_EQ(after.replied_on_time, before.replied_on_time);
  // Closed by a satisfied callback: still the same receipt time.
  c = svc->callback(handler(), c.id, "satisfied", "");
  EXPECT_EQ(c.status, "closed");
  EXPECT_EQ(c.received_at, t0);
  EXPECT_EQ(c.reopened_at, t1);
}

TEST_P(CaseTimes, StatisticsMeasureTheFirstAnswerAgainstTheReceipt) {
  auto scope = std::vector<std::string>{org->node_by_code("H002").value().path};
  auto s0 = svc->stats(scope, {}, "");
  // One answered late (after its deadline), reopened, then answered in time: not on time.
  auto h2 = who("hosp2", "unit_admin", "H002");
  auto late = open(complaint("收费不透明", "H002"));
  set_fake_now_ms(late.deadline_at + 1);
  late = svc->reply(h2, late.id, {"已核实", "partly", "", "", {}});
  EXPECT_TRUE(late.first_late);
  late = svc->callback(h2, late.id, "unsatisfied", "");
  EXPECT_EQ(late.reopen_count, 1);
  late = svc->reply(h2, late.id, {"已退费", "partly", "", "", {}});
  EXPECT_FALSE(late.late);
  EXPECT_TRUE(late.first_late);
  auto s1 = svc->stats(scope, {}, "");
  EXPECT_EQ(s1.replied, s0.replied + 1);
  EXPECT_EQ(s1.replied_on_time, s0.replied_on_time);
}

// Deadlines in working days through pauses, on the databases' calendar (the demo imports the
// shipped 2025–2026 template): the service's deadline after every resumption equals the
// day-by-day reference — the Nth working day after the day of receipt not touched by a pause.
TEST_P(CaseTimes, PausedDeadlinesMatchTheDayByDayReference) {
  auto calendar = workflow::load_calendar(*db);
  ASSERT_FALSE(calendar.is_workday(*cal::parse_date("2026-02-17")));  // 春节
  auto reference = [&](int64_t received, int n, const std::vector<std::pair<int64_t, int64_t>>& pauses) {
    auto touched = [&](cal::Day d) {
      for (auto& [from, to] : pauses)
        if (from < cal::day_start(d + 1) && to > cal::day_start(d)) return true;
      return false;
    };
    cal::Day d = cal::day_of(received);
    for (int left = n; left > 0;) {
      ++d;
      if (calendar.is_workday(d) && !touched(d)) --left;
    }
    return cal::day_start(d + 1) - 1;
  };
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int64_t hour = 3'600'000;
  int n_cases = 0;
  for (const char* start : {"2025-01-24", "2025-04-30", "2025-09-28", "2026-01-30", "2026-02-11", "2026-04-02",
                            "2026-06-16", "2026-09-23", "2026-09-30", "2026-12-29"}) {
    for (int k = 0; k < 4; ++k) {
      int64_t received = at(start, pick(0, 23), pick(0, 59));
      set_fake_now_ms(received);
      auto c = open(complaint("门诊排队时间太长了"));
      c = svc->accept(handler(), c.id, std::nullopt);
      std::vector<std::pair<int64_t, int64_t>> pauses;
      int64_t t = received + pick(0, 3) * hour;
      for (int p = pick(1, 3); p > 0; --p) {
        int64_t from = pick(0, 2) == 0 ? t + pick(0, 4) * hour : cal::day_start(cal::day_of(t) + pick(1, 6)) + pick(0, 23) * hour;
        int64_t to = pick(0, 1) ? from + pick(1, 7) * hour : cal::day_start(cal::day_of(from) + pick(1, 12)) + pick(0, 23) * hour;
        set_fake_now_ms(from);
        svc->pause(handler(), c.id, "请补充病历资料");
        set_fake_now_ms(to);
        c = svc->resume(handler(), c.id);
        pauses.push_back({from, to});
        t = to + pick(0, 2) * hour;
        ASSERT_EQ(cal::format_date(cal::day_of(c.deadline_at)), cal::format_date(cal::day_of(reference(received, 5, pauses))))
            << "received " << start << " pause " << pauses.size();
        ASSERT_EQ(c.deadline_at, reference(received, 5, pauses));
        EXPECT_LE(c.warn_at, c.deadline_at);
        EXPECT_EQ(c.received_at, received);
      }
      ++n_cases;
    }
  }
  EXPECT_EQ(n_cases, 40);
}

TEST_P(CaseTimes, HotlineRegistrationIsTheReceipt) {
  auto in = complaint("电话反映：挂号处工作人员态度差", "H001-SFC");
  in.channel = "hotline";
  in.registered_by = user("handler");
  in.registered_by_name = "受理员";
  in.owner_node_id = node("H001");
  in.received = true;
  auto c = open(in);
  EXPECT_EQ(c.status, "processing");  // no separate 受理
  EXPECT_EQ(c.assignee_id, user("handler"));
  EXPECT_EQ(c.received_at, now_ms());
  auto acts = svc->actions(handler(), c);
  EXPECT_EQ(std::find(acts.begin(), acts.end(), "accept"), acts.end());
  EXPECT_NE(std::find(acts.begin(), acts.end(), "reply"), acts.end());
  auto evs = svc->events(c.id, true);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].action, "register");
  EXPECT_EQ(evs[0].status, "processing");
  EXPECT_EQ(evs[0].note, "登记并受理：投诉（热线电话）");
  EXPECT_EQ(cases::public_text(evs[0]).value_or(""), "登记并受理：投诉（热线电话）");
  // Replied straight away, without an accept step.
  c = reply(c.id);
  EXPECT_EQ(c.status, "replied");
  // The public form is not received until a handler accepts it.
  EXPECT_EQ(open(complaint("网上投诉")).status, "pending");
}

// Every public history entry, produced by the workflow with notes that end in punctuation:
// the public wording has no internal word and no doubled punctuation.
TEST_P(CaseTimes, PublicTimelineUsesPublicWordsOnly) {
  auto h1 = who("hosp1", "unit_admin", "H001");
  auto bureau = who("bureau", "bureau_admin", "CITY");
  auto dept = who("dept", "dept_head", "H001-NK");
  std::vector<cases::Event> all;
  auto collect = [&](int64_t id) {
    auto evs = svc->events(id, false);
    all.insert(all.end(), evs.begin(), evs.end());
  };
  // register, accept, transfer, transfer_accept, pause, resume, extension, reply, callback
  // (staff, 不满意), reopen, reply, callback (public), close.
  auto c = open(complaint("药房发错药了！", "H001-SFC"));
  svc->accept(handler(), c.id, std::nullopt);
  svc->transfer(h1, c.id, node("H001-NK"), "请内科核实。");
  svc->accept_transfer(dept, c.id);
  svc->pause(dept, c.id, "请提供处方照片。");
  set_fake_now_ms(at("2026-03-03", 10));
  svc->resume(dept, c.id);
  svc->request_extension(dept, c.id, 3, "需要调取监控。");
  svc->decide_extension(h1, c.id, true, "同意。");
  reply(c.id, "经核实确有发错，已当面致歉。");
  svc->callback(handler(), c.id, "unsatisfied", "要求书面道歉。");
  reply(c.id, "已寄送书面道歉。");
  svc->public_callback(c.tracking_code, "5678", "unsatisfied", "，还是不满意。", "127.0.0.1");
  reply(c.id, "院领导已约谈当事人。");
  svc->callback(handler(), c.id, "satisfied", "");
  collect(c.id);
  // merge, reject, supervise, note, assign, return, decline (internal ones must stay hidden).
  auto a = open(complaint("重复反映：发错药"));
  auto b = open(complaint("同一件事"));
  svc->add_note(handler(), a.id, "内部备注。");
  svc->supervise(bureau, a.id, "请尽快办理。");
  svc->merge(h1, b.id, a.id);
  svc->reject(h1, a.id, "非医疗服务事项，请向市场监管部门反映。");
  collect(a.id);
  collect(b.id);
  auto sug = complaint("建议增加自助机。");
  sug.type = "suggestion";
  auto s = open(sug);
  s = svc->accept(handler(), s.id, std::nullopt);
  svc->close(handler(), s.id, "建议已转相关部门研究。", {"", "partly", "", "", {}});
  collect(s.id);

  const std::vector<std::string> internal = {"转办", "接收", "督办", "指派", "退回", "申请", "审批", "备注", "内部",
                                             "系统", "预警", "逾期", "同意延期", "回访：", "群众"};
  const std::vector<std::string> doubled = {"。，", "，。", "。。", "，，", "：：", "：。", "。：", "，：", "：，",
                                            "；。", "。；", "！。", "？。", "、。", "。、"};
  std::set<std::string> seen;
  for (auto& e : all) {
    auto text = cases::public_text(e);
    if (!e.is_public) {
      EXPECT_FALSE(text.has_value()) << e.action;
      continue;
    }
    ASSERT_TRUE(text.has_value()) << e.action << " " << e.note;
    seen.insert(e.action);
    EXPECT_FALSE(text->empty()) << e.action;
    for (auto& w : internal) EXPECT_EQ(text->find(w), std::string::npos) << e.action << ": " << *text;
    for (auto& d : doubled) EXPECT_EQ(text->find(d), std::string::npos) << e.action << ": " << *text;
    // The stored history notes are joined properly too.
    for (auto& d : doubled) EXPECT_EQ(e.note.find(d), std::string::npos) << e.action << ": " << e.note;
  }
  for (const char* a : {"register", "accept", "transfer_accept", "pause", "resume", "extension_approve", "reply",
                        "callback", "reopen", "merge", "reject", "close"})
    EXPECT_TRUE(seen.count(a)) << a;
  // Every other action name is internal, whatever its flag says.
  for (const char* a : {"transfer", "transfer_decline", "return", "assign", "supervise", "note", "escalate",
                        "extension_request", "extension_deny", "merge_in", "attach"}) {
    cases::Event e;
    e.action = a;
    e.is_public = true;
    e.note = "内部";
    EXPECT_FALSE(cases::public_text(e).has_value()) << a;
  }
  // Older history entries written before the wording was fixed read well too.
  cases::Event old;
  old.action = "callback";
  old.is_public = true;
  old.actor_id = 0;
  old.note = "群众评价：不满意。道歉。，重新办理";
  EXPECT_EQ(cases::public_text(old).value_or(""), "您的评价：不满意");
  old.action = "transfer_accept";
  old.note = "已接收转办";
  EXPECT_EQ(cases::public_text(old).value_or(""), "已交由承办部门办理");
}

TEST_P(CaseTimes, WrongPhoneDigitsAreLimitedPerCode) {
  auto c = open(complaint("想查一下进度"));
  auto other = open(complaint("另一件事"));
  EXPECT_TRUE(svc->track(c.tracking_code, "5678").has_value());
  for (int i = 0; i < cases::kTrackMaxFailures; ++i) EXPECT_FALSE(svc->track(c.tracking_code, "0000").has_value());
  // Locked now, even for the right digits; another code is not.
  for (const char* digits : {"5678", "0000"}) {
    try {
      svc->track(c.tracking_code, digits);
      ADD_FAILURE() << "expected track_locked";
    } catch (const cases::TrackLocked& e) {
      EXPECT_EQ(e.status(), 429);
      EXPECT_EQ(e.code(), "track_locked");
      EXPECT_EQ(e.retry_after_s, 3600);
    }
  }
  EXPECT_THROW(svc->public_callback(c.tracking_code, "5678", "satisfied", "", "127.0.0.1"), cases::TrackLocked);
  EXPECT_TRUE(svc->track(other.tracking_code, "5678").has_value());
  // The window ends an hour after the first wrong guess.
  set_fake_now_ms(now_ms() + 3'599'000);
  EXPECT_THROW(svc->track(c.tracking_code, "5678"), cases::TrackLocked);
  set_fake_now_ms(now_ms() + 1'000);
  EXPECT_TRUE(svc->track(c.tracking_code, "5678").has_value());
  // A fresh window: four wrong guesses leave one more.
  for (int i = 0; i < cases::kTrackMaxFailures - 1; ++i) EXPECT_FALSE(svc->track(c.tracking_code, "1111").has_value());
  EXPECT_TRUE(svc->track(c.tracking_code, "5678").has_value());
}

INSTANTIATE_TEST_SUITE_P(Db, CaseTimes, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
