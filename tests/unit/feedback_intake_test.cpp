// Rating intake under concurrency on both databases: ratings submitted at the same time are
// written in shared batches, every one is stored exactly once, the rollups (per node and per
// institution) count exactly the valid ones, and a duplicate raced from many threads is
// accepted once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;

namespace {
class FeedbackIntake : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb = std::make_unique<manyi::testing::TempDb>(GetParam());
    db = tdb->open_migrated();
    org = std::make_unique<org::OrgService>(*db);
    forms = std::make_unique<forms::FormService>(*db);
    svc = std::make_unique<feedback::FeedbackService>(*db, *org, *forms);
    audit::Actor sys{0, "test", ""};
    root = org->create_root(sys, "bureau", "B", "局");
    inst = org->create_node(sys, root.id, "institution", "H", "医院");
    dept = org->create_node(sys, inst.id, "department", "H-NK", "内科");
    point = svc->create_point(sys, dept.id, 0, "", 0);
  }
  feedback::NewRating rating(int overall, const std::string& device, int i) {
    feedback::NewRating r;
    r.overall = overall;
    r.device = device;
    r.ip = "198.51." + std::to_string(i % 200) + ".7";
    r.elapsed_ms = 9000;
    return r;
  }
  int64_t count(const std::string& sql) { return store::scalar_i64(db->query(sql)).value_or(-1); }
  // Waits (up to 10 s) until the query counts `want`.
  bool wait_for(const std::string& sql, int64_t want) {
    for (int i = 0; i < 1000; ++i) {
      if (count(sql) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  std::unique_ptr<manyi::testing::TempDb> tdb;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<forms::FormService> forms;
  std::unique_ptr<feedback::FeedbackService> svc;
  org::Node root, inst, dept;
  feedback::Point point;
};
}  // namespace

TEST_P(FeedbackIntake, ConcurrentRatingsAreEachStoredOnceAndCounted) {
  auto info = svc->lookup(point.code);
  ASSERT_TRUE(info);
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 24; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        try {
          // Levels 3–5: no bad-review cases needed here (the case engine is tested elsewhere).
          svc->submit_public(*info, rating(3 + (t + i) % 3, "dev-" + std::to_string(t) + "-" + std::to_string(i), t));
          ++ok;
        } catch (const std::exception&) {
          ++failed;
        }
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), 240);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings"), 240);
  int64_t valid = count("SELECT COUNT(*) FROM ratings WHERE status = 'valid'");
  int64_t top = count("SELECT COUNT(*) FROM ratings WHERE status = 'valid' AND overall = 5");
  metrics::Query q;
  q.node_path = dept.path;
  q.period = period::month_period(period::local_day(now_ms()) / 10000, period::local_day(now_ms()) / 100 % 100);
  auto f = svc->figures().overall(q);
  EXPECT_EQ(f.n, valid);
  EXPECT_EQ(f.counts[4], top);
  q.node_path = inst.path;
  q.tree_node = inst.id;  // the institution's own tree rows
  EXPECT_EQ(svc->figures().overall(q).n, valid);
  q.node_path = root.path;
  q.tree_node = root.id;
  EXPECT_EQ(svc->figures().overall(q).n, valid);
}

// A rating the database refuses (here: a trigger poisons one comment) fails only its own
// request: its batch is rolled back and written again rating by rating; the others are stored
// and answered, and the refused one leaves no trace in the duplicate window.
TEST_P(FeedbackIntake, ARatingTheDatabaseRefusesFailsOnlyItsOwnRequest) {
  db->write([&](store::Tx& tx) {
    if (tx.backend() == store::Backend::sqlite) {
      tx.exec("CREATE TRIGGER poison BEFORE INSERT ON ratings WHEN NEW.comment = 'poison' "
              "BEGIN SELECT RAISE(ABORT, 'poisoned rating'); END");
    } else {
      tx.exec("CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.comment = 'poison' THEN "
              "RAISE EXCEPTION 'poisoned rating'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
      tx.exec("CREATE TRIGGER poison BEFORE INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION poison()");
    }
  });
  auto info = svc->lookup(point.code);
  std::atomic<int> ok{0}, failed{0};
  std::atomic<bool> poisoned_failed{false};
  std::vector<std::thread> ts;
  for (int t = 0; t < 24; ++t)
    ts.emplace_back([&, t] {
      auto r = rating(4, "dev-poison-" + std::to_string(t), t);
      if (t == 7) r.comment = "poison";
      try {
        svc->submit_public(*info, r);
        ++ok;
      } catch (const std::exception&) {
        ++failed;
        if (t == 7) poisoned_failed = true;
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), 23);
  EXPECT_EQ(failed.load(), 1);
  EXPECT_TRUE(poisoned_failed.load());
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device LIKE 'dev-poison-%'"), 23);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = 'dev-poison-7'"), 0);
  // The refused rating was forgotten by the duplicate window: the patient may send it again.
  auto again = rating(4, "dev-poison-7", 7);
  EXPECT_NO_THROW(svc->submit_public(*info, again));
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = 'dev-poison-7'"), 1);
}

TEST_P(FeedbackIntake, ARacedDuplicateIsAcceptedOnce) {
  auto info = svc->lookup(point.code);
  std::atomic<int> ok{0}, dup{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 16; ++t)
    ts.emplace_back([&, t] {
      try {
        svc->submit_public(*info, rating(4, "dev-same-phone", t));
        ++ok;
      } catch (const Error& e) {
        if (e.code() == "already_rated") ++dup;
      }
    });
  for (auto& th : ts) th.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(dup.load(), 15);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = 'dev-same-phone'"), 1);
}

// The rater is answered once the rating is durable; the case opener opens its bad-review case
// right after, in a transaction of its own, and records it on the rating.
TEST_P(FeedbackIntake, AVeryDissatisfiedRatingOpensOneCaseAndARestartKeepsTheWindow) {
  auto info = svc->lookup(point.code);
  auto out = svc->submit_public(*info, rating(1, "dev-angry-one", 1));
  EXPECT_EQ(out.status, "valid");
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'", 1));
  auto stored = svc->rating(out.id);
  ASSERT_TRUE(stored);
  EXPECT_NE(stored->case_id, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE source_rating_id = " + std::to_string(out.id)), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE case_pending = 1"), 0);
  // A new service (a restarted server) warms its windows from the stored ratings.
  feedback::FeedbackService again(*db, *org, *forms);
  auto info2 = again.lookup(point.code);
  try {
    again.submit_public(*info2, rating(1, "dev-angry-one", 1));
    ADD_FAILURE() << "duplicate accepted after a restart";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "already_rated");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'"), 1);
}

// A server that stopped after storing bad ratings but before opening their cases (the rows
// still carry case_pending) opens them when it starts again — except for a rating excluded by
// review meanwhile — and a satisfied rating never waits for a case.
TEST_P(FeedbackIntake, CasesLeftPendingByAStoppedServerAreOpenedAtTheNextStart) {
  auto info = svc->lookup(point.code);
  auto first = svc->submit_public(*info, rating(2, "dev-pending-1", 3));
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'", 1));
  auto happy = svc->submit_public(*info, rating(5, "dev-pending-2", 4));
  EXPECT_EQ(count("SELECT case_pending FROM ratings WHERE id = " + std::to_string(happy.id)), 0);
  // Two more bad ratings as a crash would leave them: stored, pending, no case; one of them
  // rejected on review before the restart.
  const std::string cols =
      "point_id, node_id, unit_id, staff_id, template_id, form_version_id, channel, overall, answers, score, comment, "
      "phone_enc, phone_mask, device, ip, net, elapsed_ms, flags, day, created_at, entered_by";
  for (int k = 1; k <= 2; ++k)
    db->write([&](store::Tx& tx) {
      tx.exec("INSERT INTO ratings(id, status, case_id, case_pending, " + cols + ") SELECT id + " + std::to_string(k) +
                  (k == 1 ? ", 'valid'" : ", 'rejected'") + ", NULL, 1, " + cols + " FROM ratings WHERE id = ?",
              {first.id});
    });
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE case_pending = 1"), 2);
  EXPECT_TRUE(svc->rating(first.id + 1)->case_pending);  // the console shows 差评工单创建中
  EXPECT_FALSE(svc->rating(first.id)->case_pending);
  svc.reset();
  svc = std::make_unique<feedback::FeedbackService>(*db, *org, *forms);
  svc->warm_up();  // what `manyi serve` runs at start
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM ratings WHERE case_pending = 1", 0));
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'"), 2);
  auto opened = svc->rating(first.id + 1);
  ASSERT_TRUE(opened);
  EXPECT_NE(opened->case_id, 0);
  EXPECT_FALSE(opened->case_pending);
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE source_rating_id = " + std::to_string(first.id + 1)), 1);
  EXPECT_EQ(svc->rating(first.id + 2)->case_id, 0);  // rejected: no case
}

// The case opener opens a batch of cases in one transaction without a savepoint per case; a
// case that cannot be opened (its department was switched off meanwhile) rolls the batch back,
// and the batch is opened again case by case: the others get their cases, the failing rating
// keeps none (for a handler to open by hand) and waits no longer.
TEST_P(FeedbackIntake, ACaseThatCannotBeOpenedDoesNotHoldBackTheOthersInItsBatch) {
  audit::Actor sys{0, "test", ""};
  auto closing = org->create_node(sys, inst.id, "department", "H-WK", "外科");
  auto gone = svc->create_point(sys, closing.id, 0, "", 0);
  auto info = svc->lookup(point.code);
  auto first = svc->submit_public(*info, rating(1, "dev-batch-0", 5));
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'", 1));
  // Four more bad ratings left pending (as a stopped server leaves them); the third belongs to
  // the department about to be switched off.
  const std::string cols =
      "node_id, unit_id, staff_id, template_id, form_version_id, channel, overall, answers, score, comment, "
      "phone_enc, phone_mask, device, ip, net, elapsed_ms, flags, day, created_at, entered_by";
  for (int k = 1; k <= 4; ++k)
    db->write([&](store::Tx& tx) {
      tx.exec("INSERT INTO ratings(id, status, case_id, case_pending, point_id, " + cols + ") SELECT id + " +
                  std::to_string(k) + ", 'valid', NULL, 1, ?, " + cols + " FROM ratings WHERE id = ?",
              {k == 3 ? gone.id : point.id, first.id});
    });
  db->write([&](store::Tx& tx) {
    tx.exec("UPDATE ratings SET node_id = ? WHERE id = ?", {closing.id, first.id + 3});
  });
  org->update_node(sys, closing.id, std::nullopt, std::nullopt, false);
  svc.reset();
  svc = std::make_unique<feedback::FeedbackService>(*db, *org, *forms);
  svc->warm_up();
  ASSERT_TRUE(wait_for("SELECT COUNT(*) FROM ratings WHERE case_pending = 1", 0));
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE type = 'bad_review'"), 4);
  for (int k : {1, 2, 4}) {
    auto r = svc->rating(first.id + k);
    ASSERT_TRUE(r);
    EXPECT_NE(r->case_id, 0) << "rating +" << k;
    EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE source_rating_id = " + std::to_string(first.id + k)), 1);
  }
  auto failed = svc->rating(first.id + 3);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->case_id, 0);
  EXPECT_FALSE(failed->case_pending);
  EXPECT_EQ(count("SELECT COUNT(*) FROM cases WHERE source_rating_id = " + std::to_string(first.id + 3)), 0);
}

INSTANTIATE_TEST_SUITE_P(Db, FeedbackIntake, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
