// The demo's cases (src/demo/demo_cases.cpp) on each database: two years of cases of every
// type, channel and state, worked through CaseService so that the statistics are real
// (on-time rate strictly between 0 and 1, reopenings, handling time), each case's history
// agrees with its row, the real clock is back afterwards, and handler's inbox has open work.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "cases/data_key.hpp"
#include "cases/model.hpp"
#include "cases/service.hpp"
#include "core/clock.hpp"
#include "demo/demo.hpp"
#include "demo/demo_cases.hpp"
#include "demo/demo_feedback.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class DemoCases : public ::testing::TestWithParam<std::string> {};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(DemoCases, TwoYearsOfWorkedCasesWithConsistentHistories) {
  TempDb t(GetParam());
  auto db = t.open_migrated();
  cases::keys::load(*db, cases::keys::default_key_file(t.url()));
  org::OrgService org(*db);
  demo::create_org(org);
  auto f = demo::create_feedback(org, 3000);
  auto s = demo::create_cases(org, f.bad_reviews, 1200);
  // The clock is real again (the simulation moved it through two years).
  EXPECT_LT(std::abs(now_ms() - wall_ms()), 60'000);
  EXPECT_GT(s.cases, 1000);
  EXPECT_GT(s.escalations, 0);
  auto count = [&](const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db->query(sql, p)).value_or(0);
  };

  // Two years of cases, received at their own times (not all at the moment the demo ran).
  auto span = db->query("SELECT MIN(received_at), MAX(received_at) FROM cases");
  EXPECT_GT(span[0].i64(1) - span[0].i64(0), int64_t{600} * 86'400'000);
  EXPECT_LE(span[0].i64(1), now_ms());

  // Every type, channel and state the model defines.
  for (auto& l : cases::types())
    EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE type = ?", {l.code}), 0) << "type " << l.code;
  for (auto& l : cases::channels())
    EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE channel = ?", {l.code}), 0) << "channel " << l.code;
  for (auto& l : cases::statuses())
    EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE status = ?", {l.code}), 0) << "status " << l.code;
  for (auto& l : cases::callback_results())
    EXPECT_GT(count("SELECT COUNT(*) FROM case_events WHERE action = 'callback' AND note LIKE ?",
                    {"回访：" + l.zh + "%"}),
              0)
        << "callback " << l.code;
  for (const char* a : {"accept", "assign", "transfer", "transfer_accept", "transfer_decline", "return", "merge",
                        "reject", "pause", "resume", "extension_request", "extension_approve", "extension_deny",
                        "reply", "callback", "reopen", "close", "supervise", "note", "escalate"})
    EXPECT_GT(count("SELECT COUNT(*) FROM case_events WHERE action = ?", {std::string(a)}), 0) << "action " << a;
  // Older bad reviews were worked and closed; the bad reviews' ratings point at their cases.
  EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE type = 'bad_review' AND status = 'closed'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases c JOIN ratings r ON r.id = c.source_rating_id WHERE r.case_id = c.id"),
            count("SELECT COUNT(*) FROM cases WHERE source_rating_id IS NOT NULL"));

  // The statistics are real figures, not 100% of two.
  cases::CaseService svc(*db);
  auto root = db->query("SELECT path FROM org_nodes WHERE code = 'CITY'")[0].str(0);
  auto st = svc.stats({root}, {root}, "");
  ASSERT_GT(st.replied, 100);
  EXPECT_GT(st.replied_on_time, 0);
  EXPECT_LT(st.replied_on_time, st.replied);
  double on_time = static_cast<double>(st.replied_on_time) / static_cast<double>(st.replied);
  EXPECT_GT(on_time, 0.75);  // most answered on time
  EXPECT_GT(st.callbacks, 100);
  EXPECT_GT(st.satisfied, st.basically_satisfied);
  EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE reopen_count > 0"), 0);
  EXPECT_GT(count("SELECT COUNT(*) FROM cases WHERE first_late = 1 AND first_replied_at IS NOT NULL"), 0);
  // Handling time: hours to several working days, never 0 on average.
  auto handling = db->query(
      "SELECT AVG(first_replied_at - received_at), MIN(first_replied_at - received_at) FROM cases "
      "WHERE first_replied_at IS NOT NULL");
  EXPECT_GT(handling[0].f64(0), 3'600'000.0);
  EXPECT_GE(handling[0].f64(1), 0.0);

  // Each case's history agrees with its row.
  std::map<int64_t, std::vector<cases::Event>> events;
  for (auto& r : db->query("SELECT id FROM cases")) events[r.i64(0)] = svc.events(r.i64(0), false);
  int merged = 0, supervised = 0, reopened = 0, closed = 0;
  for (auto& [id, ev] : events) {
    auto c = *svc.find(id);
    ASSERT_FALSE(ev.empty()) << c.tracking_code;
    EXPECT_EQ(ev.front().action, "register") << c.tracking_code;
    std::multiset<std::string> acts;
    for (size_t i = 0; i < ev.size(); ++i) {
      acts.insert(ev[i].action);
      if (i) EXPECT_GE(ev[i].at, ev[i - 1].at) << c.tracking_code << " " << ev[i].action;
    }
    EXPECT_EQ(ev.back().status, c.status) << c.tracking_code << " last " << ev.back().action;
    EXPECT_NEAR(static_cast<double>(ev.front().at), static_cast<double>(c.received_at), 1000.0) << c.tracking_code;
    if (c.status == "closed") {
      ++closed;
      // Closed by the callback after an answer, or by 办结 (with an answer first, unless the
      // type needs none).
      EXPECT_TRUE(acts.count("reply") || acts.count("close")) << c.tracking_code;
      EXPECT_TRUE(c.closed_at.has_value()) << c.tracking_code;
      if (c.type == "complaint" || c.type == "bad_review" || c.type == "report" || c.type == "hotline") {
        EXPECT_TRUE(acts.count("reply")) << c.tracking_code;
        EXPECT_TRUE(acts.count("close") || acts.count("callback")) << c.tracking_code;
      }
    }
    if (c.status == "merged") {
      ++merged;
      ASSERT_NE(c.merged_into, 0) << c.tracking_code;
      EXPECT_TRUE(acts.count("merge")) << c.tracking_code;
      auto target = *svc.find(c.merged_into);
      bool named = false;
      for (auto& e : events[target.id])
        if (e.action == "merge_in" && e.note.find(c.tracking_code) != std::string::npos) named = true;
      EXPECT_TRUE(named) << c.tracking_code << " is not named by " << target.tracking_code;
    }
    if (c.status == "rejected") EXPECT_TRUE(acts.count("reject")) << c.tracking_code;
    if (c.status == "waiting") EXPECT_TRUE(acts.count("pause")) << c.tracking_code;
    if (c.level == 3 && cases::is_open(c.status)) {
      ++supervised;
      bool by_bureau = acts.count("supervise") > 0, by_ladder = false;
      for (auto& e : ev)
        if (e.action == "escalate" && e.note == "逾期督办") by_ladder = true;
      EXPECT_TRUE(by_bureau || by_ladder) << c.tracking_code;
    }
    EXPECT_EQ(static_cast<int>(acts.count("reopen")), c.reopen_count) << c.tracking_code;
    if (c.reopen_count) ++reopened;
    EXPECT_EQ(acts.count("resume"), acts.count("pause") - (c.status == "waiting" ? 1 : 0)) << c.tracking_code;
    EXPECT_LE(acts.count("transfer_accept") + acts.count("transfer_decline"), acts.count("transfer")) << c.tracking_code;
    if (c.transfer_to_node_id == 0)
      EXPECT_EQ(acts.count("transfer_accept") + acts.count("transfer_decline"), acts.count("transfer")) << c.tracking_code;
    // Answered late: the escalation ladder had run before the answer.
    if (c.first_late && c.first_replied_at) {
      bool raised_first = false;  // 逾期 by the scan, or 督办 by the bureau before the answer
      for (auto& e : ev) {
        if (e.action == "reply") break;
        if ((e.action == "escalate" && e.note == "案件已逾期") || e.action == "supervise") raised_first = true;
      }
      EXPECT_TRUE(raised_first) << c.tracking_code;
    }
  }
  EXPECT_GT(merged, 0);
  EXPECT_GT(reopened, 0);
  EXPECT_GT(closed, 500);

  // The console: handler (市第一人民医院 医患办) has open work in the inbox, some assigned to
  // them; the bureau's 投诉统计 shows real rates with their n.
  ServerProcess server(t.url());
  auto handler = server.client();
  ASSERT_EQ(handler.login("handler").status, 200);
  auto counts = handler.get("/api/v1/case-reports/counts").js();
  EXPECT_GT(counts["unit"].get<int64_t>(), 0) << counts.dump();
  EXPECT_GT(counts["mine"].get<int64_t>(), 0) << counts.dump();
  auto open = handler.get("/api/v1/cases?queue=open&limit=5").js();
  EXPECT_FALSE(open["items"].empty());
  auto bureau = server.client();
  ASSERT_EQ(bureau.login("bureau").status, 200);
  auto figures = bureau.get("/api/v1/case-reports/stats?from=2000-01-01&to=2100-12-31").js();
  EXPECT_GT(figures["on_time_rate"].get<double>(), 0.0);
  EXPECT_LT(figures["on_time_rate"].get<double>(), 1.0);
  EXPECT_GT(figures["reopen_rate"].get<double>(), 0.0);
  EXPECT_LT(figures["reopen_rate"].get<double>(), 1.0);
  EXPECT_GT(figures["avg_handling_days"].get<double>(), 0.1);
  EXPECT_GT(figures["handled"].get<int64_t>(), figures["reopened"].get<int64_t>());
  EXPECT_EQ(figures["replied"].get<int64_t>(), st.replied);
}

INSTANTIATE_TEST_SUITE_P(Db, DemoCases, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
