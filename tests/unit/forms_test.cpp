// Forms engine: definitions, answer validation, scoring with weights, deductions and veto
// items, and template versioning (publish makes a new immutable version; submissions keep
// theirs) on both databases.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "feedback/embedded.hpp"
#include "forms/json.hpp"
#include "forms/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::forms::Answers;

namespace {

// An inspection checklist: section weights, item weights, a deduction item, a veto item.
forms::Definition checklist() {
  return forms::parse_definition(json::parse(R"({
    "code": "record-check", "kind": "checklist", "name": "病历质量评分表",
    "scoring": {"max_score": 100, "normalize": true, "unanswered_zero": true, "veto_grade": "丙级",
                "grades": [{"min": 90, "label": "甲级"}, {"min": 75, "label": "乙级"}, {"min": 0, "label": "丙级"}]},
    "sections": [
      {"id": "form", "title": "形式", "weight": 1, "items": [
        {"id": "complete", "type": "single", "label": "病历书写完整", "points": 20,
         "options": [{"value": "yes", "label": "是", "points": 20}, {"value": "part", "label": "部分", "points": 10},
                     {"value": "no", "label": "否", "points": 0}]},
        {"id": "late", "type": "number", "label": "超时记录份数", "points": 20, "deduct_per": 5, "min": 0, "max": 100, "integer": true}
      ]},
      {"id": "content", "title": "内容", "weight": 2, "items": [
        {"id": "diagnosis", "type": "rating", "label": "诊断依据充分", "points": 30},
        {"id": "consent", "type": "single", "label": "手术知情同意书", "points": 0,
         "options": [{"value": "signed", "label": "已签署"}, {"value": "missing", "label": "缺失", "veto": true}]}
      ]}
    ]})"));
}

double near(double v) { return std::round(v * 100) / 100; }

}  // namespace

TEST(Forms, ScoresWithSectionAndItemWeights) {
  auto d = checklist();
  // form: 20 of 20, late 2 → 20 - 10 = 10 of 20; content (weight 2): rating 4 → 3/4 * 30 = 22.5 of 30.
  Answers a = {{"complete", std::string("yes")}, {"late", 2.0}, {"diagnosis", 4.0}, {"consent", std::string("signed")}};
  forms::validate_answers(d, a);
  auto s = forms::score(d, a);
  double earned = 20 + 10 + 2 * 22.5, possible = 20 + 20 + 2 * 30;
  EXPECT_DOUBLE_EQ(s.earned, earned);
  EXPECT_DOUBLE_EQ(s.possible, possible);
  EXPECT_DOUBLE_EQ(s.score, near(earned / possible * 100));  // 75.0
  EXPECT_EQ(s.grade, "乙级");
  EXPECT_FALSE(s.vetoed);
}

TEST(Forms, VetoItemOverridesTheGradeButNotTheScore) {
  auto d = checklist();
  Answers a = {{"complete", std::string("yes")}, {"late", 0.0}, {"diagnosis", 5.0}, {"consent", std::string("missing")}};
  auto s = forms::score(d, a);
  EXPECT_DOUBLE_EQ(s.score, 100);
  EXPECT_TRUE(s.vetoed);
  ASSERT_EQ(s.veto_items.size(), 1u);
  EXPECT_EQ(s.veto_items[0], "consent");
  EXPECT_EQ(s.grade, "丙级");
}

TEST(Forms, VetoScoreAndRatingVetoThreshold) {
  auto j = json::parse(R"({"code":"ethics","kind":"scorecard","name":"医德考评",
    "scoring":{"veto_score":0,"veto_grade":"较差","grades":[{"min":90,"label":"优秀"},{"min":80,"label":"良好"},{"min":60,"label":"一般"},{"min":0,"label":"较差"}]},
    "sections":[{"id":"s","title":"s","items":[
      {"id":"a","type":"rating","label":"廉洁行医","points":50,"veto_at":1},
      {"id":"b","type":"rating","label":"服务态度","points":50}]}]})");
  auto d = forms::parse_definition(j);
  auto ok = forms::score(d, {{"a", 5.0}, {"b", 4.0}});
  EXPECT_DOUBLE_EQ(ok.score, 87.5);
  EXPECT_EQ(ok.grade, "良好");
  auto bad = forms::score(d, {{"a", 1.0}, {"b", 5.0}});
  EXPECT_TRUE(bad.vetoed);
  EXPECT_DOUBLE_EQ(bad.score, 0);
  EXPECT_EQ(bad.grade, "较差");
  auto two = forms::score(d, {{"a", 2.0}, {"b", 5.0}});  // above the threshold: no veto
  EXPECT_FALSE(two.vetoed);
}

TEST(Forms, DeductionsAreCappedAtTheItemsPoints) {
  auto d = checklist();
  auto s = forms::score(d, {{"complete", std::string("yes")}, {"late", 50.0}, {"diagnosis", 5.0},
                            {"consent", std::string("signed")}});
  EXPECT_DOUBLE_EQ(s.earned, 20 + 0 + 60);  // late loses its 20 points, not more
}

TEST(Forms, UnansweredItemsCountAsZeroOnlyWhenConfigured) {
  auto d = checklist();
  auto s = forms::score(d, {{"complete", std::string("yes")}});
  EXPECT_DOUBLE_EQ(s.possible, 100);  // every scored item counts (checklist)
  d.scoring.unanswered_zero = false;
  auto t = forms::score(d, {{"complete", std::string("yes")}});
  EXPECT_DOUBLE_EQ(t.possible, 20);  // surveys: only answered items
  EXPECT_DOUBLE_EQ(t.score, 100);
}

TEST(Forms, AnswersAreValidatedAgainstTheDefinition) {
  auto d = checklist();
  auto field_of = [&](const json& j) {
    try {
      forms::parse_answers(d, j);
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 422);
      return e.field();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field_of({{"nope", 1}}), "answers.nope");
  EXPECT_EQ(field_of({{"diagnosis", 6}}), "answers.diagnosis");
  EXPECT_EQ(field_of({{"diagnosis", 2.5}}), "answers.diagnosis");
  EXPECT_EQ(field_of({{"diagnosis", "5"}}), "answers.diagnosis");
  EXPECT_EQ(field_of({{"complete", "maybe"}}), "answers.complete");
  EXPECT_EQ(field_of({{"late", 1.5}}), "answers.late");
  EXPECT_EQ(field_of({{"late", -1}}), "answers.late");
  EXPECT_EQ(field_of(json::array()), "answers");
  EXPECT_EQ(field_of({{"diagnosis", 3}, {"late", 0}}), "accepted");
}

TEST(Forms, BrokenDefinitionsAreRefusedWithTheReason) {
  auto bad = [](const char* text) {
    try {
      forms::parse_definition_text(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "definition");
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(bad(R"({"name":"x","sections":[{"id":"s","items":[{"id":"a","type":"rating","label":"a"},{"id":"a","type":"text","label":"b"}]}]})")
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","sections":[{"id":"s","items":[{"id":"a","type":"slider","label":"a"}]}]})").find("unknown type"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","sections":[{"id":"s","items":[{"id":"a","type":"rating","label":"a","dimension":"zzz"}]}]})")
                .find("not declared"),
            std::string::npos);
  EXPECT_NE(bad(R"({"name":"x","sections":[{"id":"s","items":[{"id":"a","type":"single","label":"a","options":[]}]}]})")
                .find("options"),
            std::string::npos);
  EXPECT_FALSE(bad("not json").empty());
}

TEST(Forms, ShippedTemplatesParseAndCarryTheDimensions) {
  std::map<std::string, forms::Definition> defs;
  for (auto& f : embedded::survey_templates()) {
    auto d = forms::parse_definition_text(std::string(f.data));
    defs[d.code] = d;
  }
  ASSERT_EQ(defs.count("outpatient"), 1u);
  ASSERT_EQ(defs.count("inpatient"), 1u);
  ASSERT_EQ(defs.count("window"), 1u);
  ASSERT_EQ(defs.count("staff"), 1u);
  EXPECT_EQ(defs["outpatient"].name, "门诊患者满意度");
  EXPECT_EQ(defs["window"].name, "窗口服务好差评");
  EXPECT_TRUE(defs["window"].window);
  std::set<std::string> names;
  for (auto& d : defs["outpatient"].dimensions) names.insert(d.name);
  for (auto n : {"服务态度", "医疗技术", "等候时间", "环境卫生", "收费透明", "沟通解释", "隐私保护"}) EXPECT_TRUE(names.count(n)) << n;
  std::set<std::string> win;
  for (auto& d : defs["window"].dimensions) win.insert(d.name);
  EXPECT_EQ(win, (std::set<std::string>{"办事效率", "服务态度", "服务水平"}));
}

// ---- template versioning on both databases ----
class FormsDb : public ::testing::TestWithParam<std::string> {};

TEST_P(FormsDb, PublishingMakesANewImmutableVersion) {
  manyi::testing::TempDb tdb(GetParam());
  auto db = tdb.open_migrated();
  forms::FormService f(*db);
  auto out = f.by_code("outpatient");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->current_version, 1);
  auto v1 = f.current(out->id);
  audit::Actor who{0, "test", ""};
  // A unit's copy, edited and published.
  db->write([&](store::Tx& tx) {
    tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
            "VALUES (1, NULL, 'bureau', 'B', 'B', '/1/', 0, 1, 0, 0)");
  });
  auto copy = f.copy(who, out->id, 1, "/1/", "outpatient-b", "门诊满意度（本院）");
  EXPECT_EQ(copy.current_version, 1);
  EXPECT_EQ(copy.owner_node_id, 1);
  auto draft = json::parse(copy.draft);
  draft["sections"][0]["items"].push_back({{"id", "parking"}, {"type", "rating"}, {"label", "停车方便"}});
  draft["satisfied_min"] = 3;
  f.save_draft(who, copy.id, draft.dump());
  // Saving a draft changes nothing that was published.
  EXPECT_EQ(f.current(copy.id).def->item("parking"), nullptr);
  auto v2 = f.publish(who, copy.id);
  EXPECT_EQ(v2.version, 2);
  EXPECT_NE(v2.def->item("parking"), nullptr);
  EXPECT_EQ(v2.def->satisfied_min, 3);
  auto v1copy = f.versions(copy.id);
  ASSERT_EQ(v1copy.size(), 2u);
  EXPECT_EQ(v1copy[1].version, 1);
  // Version 1 still reads as it was.
  EXPECT_EQ(f.version(v1copy[1].id).def->item("parking"), nullptr);
  // Publishing an unchanged draft is refused; the shipped original is untouched.
  try {
    f.publish(who, copy.id);
    ADD_FAILURE() << "unchanged draft published";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "unchanged");
  }
  EXPECT_EQ(f.current(out->id).id, v1.id);
  EXPECT_EQ(f.get(out->id)->current_version, 1);
  // A bad draft is refused and the stored draft stays as it was.
  auto before = f.get(copy.id)->draft;
  EXPECT_THROW(f.save_draft(who, copy.id, R"({"name":"x","sections":[{"id":"s","items":[{"id":"q","type":"nope","label":"q"}]}]})"),
               Error);
  EXPECT_EQ(f.get(copy.id)->draft, before);
  // Codes are unique.
  EXPECT_THROW(f.copy(who, out->id, 1, "/1/", "outpatient-b", ""), Error);
}

INSTANTIATE_TEST_SUITE_P(Db, FormsDb, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
