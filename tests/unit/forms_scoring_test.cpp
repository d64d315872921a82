// Forms engine scoring, item by item: deductions per occurrence capped at the item (or at its
// own cap), 不适用 items excluded from the maximum, veto items forcing the score or capping the
// grade, grade bands and weights; each item's result says what it earned and why, in Chinese.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "forms/json.hpp"

using namespace manyi;
using manyi::forms::Answers;
using manyi::forms::NotApplicable;

namespace {

// 窗口服务规范检查 as a sheet: 10 + 20 + 10 points; the weighted section counts twice.
forms::Definition sheet(const char* scoring_extra = "") {
  std::string text = std::string(R"({
    "code": "window-check", "kind": "checklist", "name": "窗口服务规范检查",
    "scoring": {"max_score": 100, "unanswered_zero": true, "veto_score": 0, "veto_grade": "不合格")") +
                     scoring_extra + R"(,
                "grades": [{"min": 90, "label": "优秀"}, {"min": 80, "label": "良好"}, {"min": 60, "label": "合格"}, {"min": 0, "label": "不合格"}]},
    "sections": [
      {"id": "manner", "title": "服务规范", "items": [
        {"id": "mandarin", "type": "number", "label": "未使用普通话", "points": 10, "deduct_per": 2, "deduct_cap": 5, "min": 0, "max": 50, "integer": true},
        {"id": "badge", "type": "number", "label": "未佩戴工牌", "points": 20, "deduct_per": 3, "min": 0, "max": 50, "integer": true, "na_allowed": true}
      ]},
      {"id": "conduct", "title": "零争吵", "weight": 2, "items": [
        {"id": "quarrel", "type": "single", "label": "与患者争吵", "points": 10, "na_allowed": true,
         "options": [{"value": "no", "label": "无", "points": 10}, {"value": "yes", "label": "有", "points": 0, "veto": true}]},
        {"id": "note", "type": "text", "label": "其他"}
      ]}
    ]})";
  return forms::parse_definition_text(text);
}

const forms::ItemResult& item(const forms::ScoreResult& r, const std::string& id) {
  for (auto& i : r.items)
    if (i.item_id == id) return i;
  throw std::runtime_error("no result for " + id);
}

}  // namespace

TEST(FormsScoring, DeductionPerOccurrenceIsCappedAtTheItemsCap) {
  auto d = sheet();
  auto r = forms::score(d, {{"mandarin", 3.0}, {"badge", 1.0}, {"quarrel", std::string("no")}});
  auto& m = item(r, "mandarin");
  EXPECT_DOUBLE_EQ(m.possible, 10);
  EXPECT_DOUBLE_EQ(m.deduction, 5);  // 2 × 3 = 6, capped at 5
  EXPECT_DOUBLE_EQ(m.earned, 5);
  EXPECT_EQ(m.reason, "扣 2 分 × 3 处，封顶 5 分");
  EXPECT_TRUE(m.counted);
  auto& b = item(r, "badge");
  EXPECT_DOUBLE_EQ(b.deduction, 3);
  EXPECT_EQ(b.reason, "扣 3 分 × 1 处");
  // Without a cap of its own, a deduction item loses at most its points.
  auto all = forms::score(d, {{"mandarin", 0.0}, {"badge", 10.0}, {"quarrel", std::string("no")}});
  EXPECT_DOUBLE_EQ(item(all, "badge").earned, 0);
  EXPECT_DOUBLE_EQ(item(all, "badge").deduction, 20);
  EXPECT_EQ(item(all, "badge").reason, "扣 3 分 × 10 处，封顶 20 分");
  EXPECT_EQ(item(all, "mandarin").reason, "无扣分");
  // Totals: manner 5 + 17, conduct 2 × 10, of 10 + 20 + 2 × 10.
  EXPECT_DOUBLE_EQ(r.earned, 5 + 17 + 20);
  EXPECT_DOUBLE_EQ(r.possible, 50);
  EXPECT_DOUBLE_EQ(r.score, 84);
  EXPECT_DOUBLE_EQ(r.percentage, 84);
  EXPECT_EQ(r.grade, "良好");
  EXPECT_DOUBLE_EQ(item(r, "quarrel").weight, 2);
  EXPECT_EQ(item(r, "quarrel").reason, "选择“无”，得满分");
}

TEST(FormsScoring, NotApplicableItemsLeaveTheMaximum) {
  auto d = sheet();
  Answers a = {{"mandarin", 1.0}, {"badge", NotApplicable{}}, {"quarrel", std::string("no")}};
  forms::validate_answers(d, a);
  auto r = forms::score(d, a);
  auto& b = item(r, "badge");
  EXPECT_TRUE(b.na);
  EXPECT_FALSE(b.counted);
  EXPECT_EQ(b.reason, "不适用，不计入满分");
  EXPECT_DOUBLE_EQ(r.possible, 10 + 2 * 10);  // badge's 20 points are not in the maximum
  EXPECT_DOUBLE_EQ(r.earned, 8 + 20);
  EXPECT_DOUBLE_EQ(r.score, std::round(28.0 / 30 * 10000) / 100);
  // An item without na_allowed cannot be 不适用, and the field is named.
  try {
    forms::parse_answers(d, json{{"mandarin", {{"na", true}}}});
    ADD_FAILURE() << "na accepted on an item without na_allowed";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "answers.mandarin");
  }
  try {
    forms::parse_answers(d, json{{"badge", {{"na", false}}}});
    ADD_FAILURE() << "{na:false} accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "answers.badge");
  }
  auto parsed = forms::parse_answers(d, json{{"badge", {{"na", true}}}});
  EXPECT_TRUE(std::holds_alternative<NotApplicable>(parsed.at("badge")));
  EXPECT_EQ(forms::answers_json(parsed).dump(), R"({"badge":{"na":true}})");
}

TEST(FormsScoring, UnansweredItemsCountZeroWithAReason) {
  auto d = sheet();
  auto r = forms::score(d, {{"quarrel", std::string("no")}});
  EXPECT_DOUBLE_EQ(r.possible, 50);
  EXPECT_EQ(item(r, "mandarin").reason, "未作答，计 0 分");
  EXPECT_DOUBLE_EQ(item(r, "mandarin").deduction, 10);
  EXPECT_FALSE(item(r, "note").counted);  // text is never scored
  EXPECT_EQ(r.items.size(), 4u);          // one result per item, in order
  EXPECT_EQ(r.items[0].item_id, "mandarin");
  EXPECT_EQ(r.items[3].item_id, "note");
}

TEST(FormsScoring, VetoForcesTheScoreAndTheGrade) {
  auto d = sheet();
  auto r = forms::score(d, {{"mandarin", 0.0}, {"badge", 0.0}, {"quarrel", std::string("yes")}});
  EXPECT_TRUE(r.vetoed);
  EXPECT_DOUBLE_EQ(r.score, 0);
  EXPECT_DOUBLE_EQ(r.percentage, 60);  // the points as earned: 30 of 50
  EXPECT_EQ(r.grade, "不合格");
  auto& q = item(r, "quarrel");
  EXPECT_TRUE(q.veto);
  EXPECT_EQ(q.reason, "选择“有”，扣 10 分；否决项");
  EXPECT_FALSE(item(r, "mandarin").veto);
}

TEST(FormsScoring, VetoCanCapTheGradeInsteadOfForcingIt) {
  // 单项否决 → at most 合格: a good sheet drops to 合格, a failing one stays 不合格.
  auto d = sheet(R"(, "veto_caps_grade": true)");
  d.scoring.veto_score.reset();
  d.scoring.veto_grade = "合格";
  auto good = forms::score(d, {{"mandarin", 0.0}, {"badge", 0.0}, {"quarrel", std::string("yes")}});
  EXPECT_TRUE(good.vetoed);
  EXPECT_DOUBLE_EQ(good.score, 60);
  EXPECT_EQ(good.grade, "合格");
  auto poor = forms::score(d, {{"mandarin", 5.0}, {"badge", 10.0}, {"quarrel", std::string("yes")}});
  EXPECT_DOUBLE_EQ(poor.score, 10);  // 5 + 0 + 0 of 50
  EXPECT_EQ(poor.grade, "不合格");
  // A capping veto grade must be one of the bands.
  EXPECT_THROW(forms::parse_definition_text(R"({"name":"x","kind":"checklist","scoring":{"veto_grade":"丁","veto_caps_grade":true,
    "grades":[{"min":0,"label":"甲"}]},"sections":[{"id":"s","items":[{"id":"a","type":"rating","label":"a","points":1}]}]})"),
               Error);
}

TEST(FormsScoring, GradeBandsAndWeights) {
  auto d = sheet();
  auto band = [&](double mandarin, double badge) {
    return forms::score(d, {{"mandarin", mandarin}, {"badge", badge}, {"quarrel", std::string("no")}}).grade;
  };
  EXPECT_EQ(band(0, 0), "优秀");    // 50 / 50
  EXPECT_EQ(band(0, 2), "良好");    // 10 + 14 + 20 = 44 -> 88
  EXPECT_EQ(band(0, 1), "优秀");    // 47 / 50 = 94
  EXPECT_EQ(band(5, 4), "合格");    // 5 + 8 + 20 = 33 -> 66
  EXPECT_EQ(band(5, 10), "不合格");  // 5 + 0 + 20 = 25 -> 50
  // The conduct section's weight 2 counts its item twice in both earned and possible.
  d.sections[1].weight = 1;
  auto r = forms::score(d, {{"mandarin", 0.0}, {"badge", 0.0}, {"quarrel", std::string("no")}});
  EXPECT_DOUBLE_EQ(r.possible, 40);
}

TEST(FormsScoring, ScoreJsonCarriesEveryItem) {
  auto d = sheet();
  auto j = forms::score_json(forms::score(d, {{"mandarin", 3.0}, {"badge", NotApplicable{}}, {"quarrel", std::string("no")}}));
  ASSERT_EQ(j["items"].size(), 4u);
  EXPECT_EQ(j["items"][0]["reason"], "扣 2 分 × 3 处，封顶 5 分");
  EXPECT_EQ(j["items"][1]["na"], true);
  EXPECT_EQ(j["grade"], "良好");  // 5 + 20 of 30 -> 83.33
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 83.33);
}

TEST(FormsScoring, DefinitionRoundTripKeepsTheNewRules) {
  auto d = sheet(R"(, "veto_caps_grade": false)");
  auto again = forms::parse_definition(forms::definition_json(d));
  EXPECT_DOUBLE_EQ(again.item("mandarin")->deduct_cap, 5);
  EXPECT_TRUE(again.item("badge")->na_allowed);
  EXPECT_FALSE(again.item("mandarin")->na_allowed);
  EXPECT_THROW(forms::parse_definition_text(R"({"name":"x","kind":"checklist","sections":[{"id":"s","items":[
    {"id":"a","type":"number","label":"a","points":5,"deduct_per":1,"deduct_cap":6,"max":9}]}]})"),
               Error);
}
