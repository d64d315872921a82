// Stored form responses (form_responses) on both databases: a submission is validated, scored
// item by item and stored with its template version; it is never changed (a second submission
// is a new row); it runs inside the caller's transaction (rolled back with it); lists keep to
// the caller's subtrees per kind, a template and a period.
#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "forms/json.hpp"
#include "forms/responses.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::forms::NotApplicable;

namespace {

class FormResponses : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<manyi::testing::TempDb>(GetParam());
    db_ = tdb_->open_migrated();
    db_->write([&](store::Tx& tx) {
      const char* sql =
          "INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, 0)";
      tx.exec(sql, {int64_t{1}, nullptr, "bureau", "B", "卫健局", "/1/", int64_t{0}});
      tx.exec(sql, {int64_t{2}, int64_t{1}, "hospital", "H1", "一院", "/1/2/", int64_t{1}});
      tx.exec(sql, {int64_t{3}, int64_t{1}, "hospital", "H2", "二院", "/1/3/", int64_t{1}});
    });
    forms_ = std::make_unique<forms::FormService>(*db_);
    responses_ = std::make_unique<forms::ResponseService>(*forms_);
    tmpl_ = forms_->by_code("window-check")->id;
  }

  forms::Submission sheet(int64_t node, double greet) {
    forms::Submission s;
    s.template_id = tmpl_;
    s.node_id = node;
    s.subject = "挂号收费窗口";
    s.submitted_by = 7;
    s.answers = {{"greet", greet},         {"mandarin", 4.0},           {"badge", 0.0},
                 {"guide", 0.0},           {"elderly", NotApplicable{}}, {"wait", 1.0},
                 {"notice", std::string("complete")}, {"quarrel", std::string("no")}};
    s.notes = {{"greet", "两名收费员未打招呼"}};
    return s;
  }

  std::unique_ptr<manyi::testing::TempDb> tdb_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<forms::FormService> forms_;
  std::unique_ptr<forms::ResponseService> responses_;
  int64_t tmpl_ = 0;
};

}  // namespace

TEST_P(FormResponses, SubmitScoresAndStoresWithTheVersion) {
  auto r = responses_->submit(sheet(2, 2));
  EXPECT_EQ(r.kind, "checklist");
  EXPECT_EQ(r.node_path, "/1/2/");
  EXPECT_EQ(r.version_id, forms_->current(tmpl_).id);
  // greet 15 - 6, mandarin 10 - min(8, 6), wait 15 - 5; elderly 不适用; cash unanswered counts 0.
  double earned = 9 + 4 + 10 + 20 + 10 + 10 + 0, possible = 15 + 10 + 10 + 20 + 15 + 10 + 10;
  EXPECT_DOUBLE_EQ(r.score, std::round(earned / possible * 10000) / 100);
  EXPECT_EQ(r.grade, "合格");
  EXPECT_FALSE(r.vetoed);
  auto stored = responses_->get(r.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->result, r.result);
  auto result = json::parse(stored->result);
  ASSERT_EQ(result["items"].size(), 10u);
  EXPECT_EQ(result["items"][1]["reason"], "扣 2 分 × 4 处，封顶 6 分");
  EXPECT_EQ(result["items"][4]["na"], true);
  EXPECT_EQ(json::parse(stored->notes)["greet"], "两名收费员未打招呼");
  EXPECT_EQ(json::parse(stored->answers)["elderly"], json({{"na", true}}));
  EXPECT_EQ(stored->subject, "挂号收费窗口");
  EXPECT_EQ(stored->submitted_by, 7);
}

TEST_P(FormResponses, ASecondSubmissionIsANewRowAndTheFirstStaysAsItWas) {
  auto first = responses_->submit(sheet(2, 0));
  auto before = responses_->get(first.id);
  // The template changes and is published again: the old response keeps its version.
  auto t = *forms_->get(tmpl_);
  audit::Actor who{0, "test", ""};
  auto draft = json::parse(t.draft);
  draft["sections"][0]["items"][0]["points"] = 20;
  forms_->save_draft(who, tmpl_, draft.dump());
  auto v2 = forms_->publish(who, tmpl_);
  auto second = responses_->submit(sheet(2, 0));
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.version_id, v2.id);
  auto after = responses_->get(first.id);
  EXPECT_EQ(after->version_id, before->version_id);
  EXPECT_EQ(after->result, before->result);
  EXPECT_EQ(after->answers, before->answers);
  EXPECT_DOUBLE_EQ(after->score, before->score);
  EXPECT_EQ(store::scalar_i64(db_->query("SELECT COUNT(*) FROM form_responses")).value_or(0), 2);
}

TEST_P(FormResponses, SubmitRunsInTheCallersTransaction) {
  EXPECT_THROW(db_->write([&](store::Tx& tx) {
                 responses_->submit(tx, sheet(2, 1));
                 throw conflict("later_step_failed", "the inspection step after the response failed");
               }),
               Error);
  EXPECT_EQ(store::scalar_i64(db_->query("SELECT COUNT(*) FROM form_responses")).value_or(-1), 0);
}

TEST_P(FormResponses, BadSubmissionsNameTheFieldAndStoreNothing) {
  auto field_of = [&](forms::Submission s) {
    try {
      responses_->submit(s);
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 422);
      return e.field();
    }
    return std::string("accepted");
  };
  auto s = sheet(2, 0);
  s.answers.erase("quarrel");  // required
  EXPECT_EQ(field_of(s), "answers.quarrel");
  s = sheet(2, 0);
  s.answers["mandarin"] = NotApplicable{};  // not na_allowed
  EXPECT_EQ(field_of(s), "answers.mandarin");
  s = sheet(2, 0);
  s.notes["nope"] = "x";
  EXPECT_EQ(field_of(s), "notes.nope");
  s = sheet(2, 0);
  s.notes["greet"] = std::string(1001, 'a');
  EXPECT_EQ(field_of(s), "notes.greet");
  s = sheet(99, 0);
  EXPECT_EQ(field_of(s), "node_id");
  s = sheet(2, 0);
  s.template_id = forms_->by_code("outpatient")->id;  // a survey: public ratings only
  EXPECT_EQ(field_of(s), "template_id");
  s = sheet(2, 0);
  s.subject = std::string(201 * 3, '\xe4');
  EXPECT_EQ(field_of(s), "subject");
  EXPECT_EQ(store::scalar_i64(db_->query("SELECT COUNT(*) FROM form_responses")).value_or(-1), 0);
}

TEST_P(FormResponses, ListsKeepToTheScopeTheTemplateAndThePeriod) {
  auto a = responses_->submit(sheet(2, 0));
  auto b = responses_->submit(sheet(3, 1));
  auto c = responses_->submit(sheet(2, 3));
  auto ids = [&](forms::ResponseQuery q) {
    std::vector<int64_t> out;
    for (auto& r : responses_->list(q)) out.push_back(r.id);
    return out;
  };
  forms::ResponseQuery h1;
  h1.scopes = {{"checklist", {"/1/2/"}}};
  EXPECT_EQ(ids(h1), (std::vector<int64_t>{c.id, a.id}));  // newest first, never H2's
  forms::ResponseQuery scorecards_only;
  scorecards_only.scopes = {{"scorecard", {"/1/"}}};
  EXPECT_TRUE(ids(scorecards_only).empty());
  forms::ResponseQuery all;
  all.scopes = {{"checklist", {"/1/"}}};
  EXPECT_EQ(ids(all).size(), 3u);
  all.node_path = "/1/3/";
  EXPECT_EQ(ids(all), (std::vector<int64_t>{b.id}));
  all.node_path.clear();
  all.template_id = tmpl_ + 1;
  EXPECT_TRUE(ids(all).empty());
  all.template_id = tmpl_;
  all.from_ms = now_ms() + 60000;
  EXPECT_TRUE(ids(all).empty());
  all.from_ms = 0;
  all.to_ms = now_ms() + 60000;
  all.limit = 2;
  auto page = ids(all);
  ASSERT_EQ(page.size(), 2u);
  all.before_id = page.back();
  EXPECT_EQ(ids(all), (std::vector<int64_t>{a.id}));
  forms::ResponseQuery none;
  EXPECT_TRUE(ids(none).empty());
}

INSTANTIATE_TEST_SUITE_P(Db, FormResponses, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
