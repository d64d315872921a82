// The workflow engine on its own, with the smallest new item kind a capability would declare:
// a rectification item (整改事项) of the ledger — its states, its limit, its ladder — and
// nothing else. docs/architecture.md ("Workflow engine") shows this code as the worked example.
#include <gtest/gtest.h>

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "support/testing.hpp"
#include "workflow/clock.hpp"
#include "workflow/extension.hpp"
#include "workflow/ladder.hpp"
#include "workflow/machine.hpp"
#include "notify/outbox.hpp"
#include "workflow/notice.hpp"
#include "workflow/ownership.hpp"
#include "workflow/timeline.hpp"

namespace {
using namespace manyi;
using manyi::testing::error_of;
namespace cal = manyi::calendar;

// ---- the worked example: what a new item kind declares ----
const workflow::Machine& rectification_machine() {
  static const workflow::Machine m(
      "rectification item",
      {{"open", "整改中"}, {"submitted", "待验收"}, {"verified", "已验收", false}, {"cancelled", "已撤销", false}},
      {
          {"submit", {"open"}, "rectification.handle", {"note", 2000, true}},     // 提交整改情况
          {"verify", {"submitted"}, "rectification.verify", {"note", 1000, false}},  // 验收通过
          {"redo", {"submitted"}, "rectification.verify", {"reason", 1000, true}},  // 整改不到位，责令重新整改
          {"cancel", {"open", "submitted"}, "rectification.verify", {"reason", 1000, true}},
      });
  return m;
}
const workflow::Ladder& rectification_ladder() {
  using workflow::Party;
  static const workflow::Ladder l{{
      {1, "rectification.warning", "整改临期", Party::owner, true, {}},
      {2, "rectification.overdue", "整改逾期", Party::unit, true, {Party::owner}},
      {3, "rectification.supervise", "整改逾期督办", Party::above_unit, true, {}},
  }};
  return l;
}
const workflow::Limit kRectificationLimit{10, 0.7, 3};  // 10 working days, warned at 70%

int64_t at(const char* date, int hour = 9) { return cal::day_start(*cal::parse_date(date)) + hour * 3'600'000LL; }

TEST(WorkflowMachine, RefusesAForbiddenTransitionWithAClearError) {
  auto& m = rectification_machine();
  auto yes = [](const std::string&) { return true; };
  EXPECT_NO_THROW(m.check("submit", "open", yes));
  try {
    m.check("verify", "open", yes);
    FAIL() << "verify from open";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_EQ(e.code(), "invalid_state");
    EXPECT_NE(std::string(e.what()).find("整改中"), std::string::npos) << e.what();
  }
  // The permission is checked first: someone without it learns nothing about the state.
  try {
    m.check("verify", "open", [](const std::string& p) { return p != "rectification.verify"; });
    FAIL() << "verify without the permission";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 403);
    EXPECT_NE(std::string(e.what()).find("rectification.verify"), std::string::npos);
  }
  // Notes: required ones name their field.
  try {
    m.check_note("redo", "   ");
    FAIL() << "redo without a reason";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.field(), "reason");
  }
  EXPECT_NO_THROW(m.check_note("verify", ""));
  EXPECT_THROW(m.check_note("verify", std::string(1001, 'x')), Error);
  EXPECT_TRUE(m.allows("cancel", "submitted"));
  EXPECT_FALSE(m.allows("cancel", "verified"));
  EXPECT_FALSE(m.is_open("verified"));
  EXPECT_TRUE(m.is_open("open"));
  // A declaration naming a state it does not have is a programming error, found at start-up.
  EXPECT_THROW(workflow::Machine("x", {{"a", "甲"}}, {{"go", {"b"}, "", {}}}), std::logic_error);
  EXPECT_THROW(m.transition("undeclared"), std::logic_error);
}

TEST(WorkflowClock, DeadlineWarningPauseAndExtensionOnWorkingDays) {
  cal::Calendar c;  // plain weeks: Monday to Friday
  workflow::Clock k;
  k.started_at = at("2026-03-02");  // a Monday
  k.schedule(kRectificationLimit, c);
  EXPECT_EQ(cal::format_date(cal::day_of(k.deadline_at)), "2026-03-16");  // 10 working days after
  EXPECT_EQ(cal::format_date(cal::day_of(k.supervise_at)), "2026-03-19");  // 3 more
  EXPECT_GT(k.warn_at, k.started_at);
  EXPECT_LT(k.warn_at, k.deadline_at);
  EXPECT_EQ(k.level_at(k.warn_at - 1), 0);
  EXPECT_EQ(k.level_at(k.warn_at), 1);
  EXPECT_EQ(k.level_at(k.deadline_at + 1), 2);
  EXPECT_EQ(k.level_at(k.supervise_at + 1), 3);
  EXPECT_EQ(k.next_check(true), k.warn_at);
  EXPECT_FALSE(k.next_check(false)) << "a closed item is never scanned";

  // Paused Tuesday to Thursday of the first week: three counting days come back.
  auto before = k.deadline_at;
  k.pause(at("2026-03-03"));
  EXPECT_FALSE(k.next_check(true)) << "a paused clock is never scanned";
  k.resume(at("2026-03-05", 15), cal::day_of(k.started_at) + 1, c);
  EXPECT_FALSE(k.paused_at);
  EXPECT_EQ(cal::format_date(cal::day_of(k.deadline_at)), "2026-03-19");
  EXPECT_GT(k.deadline_at, before);

  // An approved extension of 2 working days; the level already reached is kept only while due.
  k.level = 1;
  k.extend(2, kRectificationLimit, c, at("2026-03-06"));
  EXPECT_EQ(cal::format_date(cal::day_of(k.deadline_at)), "2026-03-23");
  EXPECT_LE(k.level, 1);
  // A supervision deadline from now caps the warning and supervision points.
  k.set_deadline(at("2026-03-09"), 1, c);
  EXPECT_EQ(cal::format_date(cal::day_of(k.deadline_at)), "2026-03-10");
  EXPECT_LE(k.warn_at, k.deadline_at);
  EXPECT_LE(k.supervise_at, k.deadline_at);
}

// 首问负责: a transfer waits for its answer and blocks everything else; accepting hands the item
// over with the accepting person as assignee; a return goes to the previous owner, else above.
TEST(WorkflowOwnership, TransfersWaitForTheirAnswerAndReturnsGoBack) {
  workflow::Ownership o;
  o.owner_node_id = 10;
  o.owner_path = "/1/10/";
  o.assignee_id = 7;
  EXPECT_EQ(o.return_target(1), 1);  // never handed over: the unit above
  EXPECT_EQ(error_of([&] { o.accept_transfer(8); }).code(), "no_transfer");
  EXPECT_EQ(error_of([&] { o.decline_transfer(); }).code(), "no_transfer");
  o.offer(20, "/1/20/", "属内科");
  EXPECT_TRUE(o.transfer_pending());
  EXPECT_EQ(error_of([&] { o.offer(30, "/1/30/", ""); }).code(), "transfer_pending");
  EXPECT_EQ(error_of([&] { o.require_no_transfer(); }).status(), 409);
  EXPECT_EQ(o.decline_transfer(), 20);  // declined: the owner keeps it, its assignee too
  EXPECT_EQ(o.owner_node_id, 10);
  EXPECT_EQ(o.assignee_id, 7);
  EXPECT_TRUE(o.transfer_note.empty());
  o.offer(20, "/1/20/", "属内科");
  o.accept_transfer(8);
  EXPECT_EQ(o.owner_node_id, 20);
  EXPECT_EQ(o.owner_path, "/1/20/");
  EXPECT_EQ(o.prev_owner_node_id, 10);
  EXPECT_EQ(o.assignee_id, 8);
  EXPECT_FALSE(o.transfer_pending());
  EXPECT_EQ(o.return_target(1), 10);  // a return goes back to where it came from
  o.hand_back(10, "/1/10/");
  EXPECT_EQ(o.owner_node_id, 10);
  EXPECT_EQ(o.prev_owner_node_id, 20);
  EXPECT_EQ(o.assignee_id, 0);  // no one there has taken it yet
}

// 延期: asked once at a time and before the deadline, decided by someone else.
TEST(WorkflowExtension, RequestedBeforeTheDeadlineOnceAndNeverDecidedByTheRequester) {
  EXPECT_NO_THROW(workflow::check_extension_request(false, 99, 100));
  EXPECT_EQ(error_of([] { workflow::check_extension_request(true, 99, 100); }).code(), "extension_pending");
  auto late = error_of([] { workflow::check_extension_request(false, 100, 100, "until"); });
  EXPECT_EQ(late.code(), "past_deadline");
  EXPECT_EQ(late.field(), "until");
  EXPECT_EQ(error_of([] { workflow::require_extension(false); }).code(), "no_extension");
  EXPECT_NO_THROW(workflow::require_extension(true));
  EXPECT_EQ(error_of([] { workflow::check_not_own_extension(5, 5); }).status(), 403);
  EXPECT_NO_THROW(workflow::check_not_own_extension(5, 6));
  EXPECT_NO_THROW(workflow::check_not_own_extension(5, 0));  // the system decides
}

class WorkflowLadder : public ::testing::TestWithParam<std::string> {};

TEST_P(WorkflowLadder, FiresEachLevelOnceToTheUnitItsRuleChooses) {
  manyi::testing::TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  cal::Calendar c;
  workflow::Clock k;
  k.started_at = at("2026-03-02");
  k.schedule(kRectificationLimit, c);
  workflow::Parties p{/*owner*/ 11, /*unit*/ 10, /*above_unit*/ 1};
  auto count = [&](int64_t node, const std::string& kind) {
    return store::scalar_i64(db->query("SELECT COUNT(*) FROM notifications WHERE node_id = ? AND kind = ?",
                                       {node, kind}))
        .value_or(-1);
  };
  std::vector<workflow::Step> fired;
  // Past the deadline at once: levels 1 and 2 fire together, each once.
  db->write([&](store::Tx& tx) {
    fired = workflow::climb(tx, rectification_ladder(), k, p, k.deadline_at + 1, "整改事项 ZG-1", "ZG-1", "/ledger/1");
  });
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].to, 11);
  EXPECT_EQ(fired[1].to, 10);
  EXPECT_EQ(k.level, 2);
  EXPECT_EQ(count(11, "rectification.warning"), 1);
  EXPECT_EQ(count(10, "rectification.overdue"), 1);
  EXPECT_EQ(count(11, "rectification.overdue"), 1) << "the owner is told as well";
  // The same moment again: nothing more.
  db->write([&](store::Tx& tx) {
    fired = workflow::climb(tx, rectification_ladder(), k, p, k.deadline_at + 2, "整改事项 ZG-1", "ZG-1", "/ledger/1");
  });
  EXPECT_TRUE(fired.empty());
  EXPECT_EQ(count(10, "rectification.overdue"), 1);
  // Supervision goes to the unit above; with no unit above, to the unit itself.
  workflow::Clock root = k;
  db->write([&](store::Tx& tx) {
    fired = workflow::climb(tx, rectification_ladder(), k, p, k.supervise_at, "整改事项 ZG-1", "ZG-1", "/ledger/1");
    auto f2 = workflow::climb(tx, rectification_ladder(), root, {11, 10, 0}, root.supervise_at, "b", "b", "/ledger/2");
    ASSERT_EQ(f2.size(), 1u);
    EXPECT_EQ(f2[0].to, 10);
  });
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].to, 1);
  EXPECT_EQ(count(1, "rectification.supervise"), 1);
  // Five notices in all: four levels fired (one of them twice, for two items) and one told as well.
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM notifications")).value_or(-1), 5);
}

TEST_P(WorkflowLadder, PostWritesTheInboxAndTheOutboxInTheCallersTransaction) {
  manyi::testing::TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  EXPECT_THROW(db->write([&](store::Tx& tx) {
    workflow::post(tx, {5, "rectification.new", "新整改事项", "病房卫生间无扶手", "/ledger/9", true});
    throw std::runtime_error("the change failed");
  }),
               std::runtime_error);
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM notifications")).value_or(-1), 0)
      << "no notice without the change that caused it";
  db->write([&](store::Tx& tx) {
    workflow::post(tx, {5, "rectification.new", "新整改事项", "病房卫生间无扶手", "/ledger/9", false});
  });
  auto r = db->query("SELECT title, body, link FROM notifications WHERE node_id = 5");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].str(0), "新整改事项");
  EXPECT_EQ(r[0].str(2), "/ledger/9");
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM outbox")).value_or(-1), 0) << "not outbound";
  // Outbound notices also go to every configured channel, in the same transaction.
  notify::configure({"http://127.0.0.1:9/hook", "", "", ""});
  db->write([&](store::Tx& tx) {
    workflow::post(tx, {5, "rectification.overdue", "整改逾期", "ZG-9", "/ledger/9", true});
  });
  notify::configure({});
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM notifications")).value_or(-1), 2);
  EXPECT_EQ(store::scalar_i64(db->query("SELECT COUNT(*) FROM outbox")).value_or(-1), 1);
}

TEST_P(WorkflowLadder, ATimelineOfItsOwnForANewKind) {
  manyi::testing::TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  // What a new kind's migration adds: a history table of the timeline's shape.
  db->write([](store::Tx& tx) {
    tx.exec("CREATE TABLE sample_item_events (id BIGINT PRIMARY KEY, item_id BIGINT NOT NULL, at BIGINT NOT NULL, "
            "actor_id BIGINT, actor_name TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL, node_id BIGINT, "
            "note TEXT NOT NULL DEFAULT '', public INTEGER NOT NULL DEFAULT 0)");
  });
  workflow::Timeline history("sample_item_events", "item_id");
  db->write([&](store::Tx& tx) {
    history.append(tx, 9, {7, "inspector", "127.0.0.1"}, "李督查", "open", "open", 0, "病房卫生间无扶手", true);
    history.append(tx, 9, {8, "ward", "127.0.0.1"}, "", "submit", "submitted", 0, "已加装扶手", false);
    history.append(tx, 10, {7, "inspector", "127.0.0.1"}, "李督查", "open", "open", 0, "另一项", true);
  });
  auto all = history.list(*db, 9, false);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].action, "open");
  EXPECT_EQ(all[0].actor_name, "李督查");
  EXPECT_EQ(all[1].actor_name, "ward") << "the user name when no display name is given";
  EXPECT_EQ(all[1].status, "submitted");
  EXPECT_EQ(all[1].item_id, 9);
  auto pub = history.list(*db, 9, true);
  ASSERT_EQ(pub.size(), 1u) << "the public sees only public entries";
  EXPECT_EQ(pub[0].note, "病房卫生间无扶手");
}

INSTANTIATE_TEST_SUITE_P(Db, WorkflowLadder, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
}  // namespace
