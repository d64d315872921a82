// The shipped inspection checklists (templates/checklists/*.json, embedded in the binary): every
// one parses and validates, carries deductions, 不适用 items, veto items and grade bands, and
// scores 100 at its top grade when nothing is wrong. The 住院病历质量评分 sheet is scored against
// answer sets computed by hand in the comments (form 40 + content 60; 甲级 ≥ 90, 乙级 75–89.9,
// 丙级 < 75; any 单项否决 → 丙级), then the 消防 and 暗访 vetoes. On both databases the seven are
// installed once, on first use, and again after a restart nothing is doubled — nor when two
// instances sharing one database install them at the same moment.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/embedded.hpp"
#include "forms/json.hpp"
#include "forms/service.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::forms::Answers;
using manyi::forms::NotApplicable;

namespace {

const std::map<std::string, std::string> kShipped = {
    {"window-check", "窗口服务规范检查"},       {"ethics-covert", "医德医风暗访"},
    {"medical-record", "住院病历质量评分"},      {"hygiene-check", "环境卫生检查"},
    {"fire-safety", "消防与安全隐患排查"},      {"admin-round", "行政查房"},
    {"patient-experience", "假如我是患者 体验记录"},
};

std::map<std::string, forms::Definition> shipped() {
  std::map<std::string, forms::Definition> out;
  for (auto& f : embedded::checklist_templates()) {
    auto d = forms::parse_definition_text(std::string(f.data));
    out.emplace(d.code, std::move(d));
  }
  return out;
}

const forms::Definition& sheet(const std::string& code) {
  static const auto all = shipped();
  return all.at(code);
}

const forms::ItemResult& item(const forms::ScoreResult& r, const std::string& id) {
  for (auto& i : r.items)
    if (i.item_id == id) return i;
  throw std::runtime_error("no result for " + id);
}

// Answers with nothing wrong: no occurrences, the best option that is not a veto, 非常满意.
// Text and multi (the veto list) stay unanswered.
Answers clean(const forms::Definition& d) {
  Answers a;
  for (auto& s : d.sections)
    for (auto& it : s.items) {
      if (it.type == "number") a[it.id] = 0.0;
      if (it.type == "rating") a[it.id] = 5.0;
      if (it.type == "single") {
        const forms::Option* best = nullptr;
        for (auto& o : it.options)
          if (!o.veto && (!best || o.points > best->points)) best = &o;
        a[it.id] = best->value;
      }
    }
  return a;
}

forms::ScoreResult score(const std::string& code, const Answers& changes) {
  auto& d = sheet(code);
  Answers a = clean(d);
  for (auto& [k, v] : changes) a[k] = v;
  forms::validate_answers(d, a);
  return forms::score(d, a);
}

}  // namespace

TEST(ShippedChecklists, EveryOneParsesValidatesAndHasTheRulesOfAChecklist) {
  auto all = shipped();
  std::map<std::string, std::string> names;
  for (auto& [code, d] : all) names[code] = d.name;
  EXPECT_EQ(names, kShipped);
  EXPECT_EQ(embedded::checklist_templates().size(), kShipped.size());  // one file each, no duplicate code
  for (auto& [code, d] : all) {
    SCOPED_TRACE(code);
    EXPECT_EQ(d.kind, "checklist");
    EXPECT_FALSE(d.has_overall);
    EXPECT_FALSE(d.description.empty());
    EXPECT_GE(d.sections.size(), 3u);
    EXPECT_GE(d.scoring.grades.size(), 3u);
    EXPECT_FALSE(d.scoring.veto_grade.empty());
    EXPECT_TRUE(d.scoring.unanswered_zero);
    int deductions = 0, na = 0, vetoes = 0;
    for (auto& s : d.sections)
      for (auto& it : s.items) {
        deductions += it.type == "number" && it.deduct_per > 0;
        na += it.na_allowed;
        bool veto = it.veto_at > 0 || it.veto_if_zero;
        for (auto& o : it.options) veto |= o.veto;
        vetoes += veto;
      }
    EXPECT_GT(deductions, 0);
    EXPECT_GT(na, 0);
    EXPECT_GT(vetoes, 0);
    // Nothing wrong: full marks of 100 points and the top grade.
    auto r = forms::score(d, clean(d));
    EXPECT_DOUBLE_EQ(r.possible, 100);
    EXPECT_DOUBLE_EQ(r.score, 100);
    EXPECT_FALSE(r.vetoed);
    EXPECT_EQ(r.grade, d.scoring.grades.front().label);
    // The definition survives the round trip the editor makes (draft JSON → definition).
    auto again = forms::parse_definition(forms::definition_json(d));
    EXPECT_EQ(forms::definition_json(again), forms::definition_json(d));
  }
}

TEST(ShippedChecklists, MedicalRecordIsForm40PlusContent60) {
  auto& d = sheet("medical-record");
  ASSERT_EQ(d.sections.size(), 3u);
  auto points = [](const forms::Section& s) {
    double p = 0;
    for (auto& it : s.items) p += it.points;
    return p;
  };
  EXPECT_EQ(d.sections[0].title, "形式（项目）40 分");
  EXPECT_DOUBLE_EQ(points(d.sections[0]), 40);
  EXPECT_DOUBLE_EQ(points(d.sections[1]), 60);
  EXPECT_TRUE(d.scoring.veto_caps_grade);
  EXPECT_EQ(d.scoring.veto_grade, "丙级");
  EXPECT_FALSE(d.scoring.veto_score);  // a veto keeps the points, only the grade falls
}

TEST(ShippedChecklists, MedicalRecordWithoutDefectsIs100Grade甲) {
  // Every deduction item 0 occurrences, no 单项否决: 40 + 60 = 100 of 100 → 甲级.
  auto r = score("medical-record", {});
  EXPECT_DOUBLE_EQ(r.earned, 100);
  EXPECT_DOUBLE_EQ(r.score, 100);
  EXPECT_EQ(r.grade, "甲级");
  EXPECT_EQ(item(r, "front_page").reason, "无扣分");
}

TEST(ShippedChecklists, MedicalRecordDeductionsTo86AreGrade乙) {
  // 首页缺填 2 处 × 1 = 2; 三级查房 2 次 × 3 = 6; 知情同意书 1 份 × 2 = 2; 书写 4 处 × 1 = 4 (its cap, just reached).
  // 2 + 6 + 2 + 4 = 14 lost: 86 of 100 → 86, 乙级 (75 ≤ 86 < 90).
  auto r = score("medical-record", {{"front_page", 2.0}, {"ward_rounds", 2.0}, {"consent", 1.0}, {"writing", 4.0}});
  EXPECT_DOUBLE_EQ(item(r, "front_page").deduction, 2);
  EXPECT_DOUBLE_EQ(item(r, "ward_rounds").deduction, 6);
  EXPECT_DOUBLE_EQ(item(r, "consent").deduction, 2);
  EXPECT_DOUBLE_EQ(item(r, "writing").deduction, 4);
  EXPECT_EQ(item(r, "ward_rounds").reason, "扣 3 分 × 2 处");
  EXPECT_DOUBLE_EQ(r.earned, 86);
  EXPECT_DOUBLE_EQ(r.score, 86);
  EXPECT_EQ(r.grade, "乙级");
  // The band edges: 现病史 5 × 2 = 10, 三级查房 4 × 3 = 12, 鉴别诊断 1 × 3 = 3: 25 lost → 75, still 乙级;
  // one 书写 defect more → 74, 丙级.
  auto edge = score("medical-record", {{"present_illness", 5.0}, {"ward_rounds", 4.0}, {"differential", 1.0}});
  EXPECT_DOUBLE_EQ(edge.score, 75);
  EXPECT_EQ(edge.grade, "乙级");
  auto below = score("medical-record",
                     {{"present_illness", 5.0}, {"ward_rounds", 4.0}, {"differential", 1.0}, {"writing", 1.0}});
  EXPECT_DOUBLE_EQ(below.score, 74);
  EXPECT_EQ(below.grade, "丙级");
}

TEST(ShippedChecklists, MedicalRecordDeductionsStopAtTheCap) {
  // 书写 7 处 × 1 = 7, capped at its own cap 4 → 2 of 6 left.
  // 鉴别诊断 4 处 × 3 = 12, capped at the item's 8 points → 0 of 8.
  // 4 + 8 = 12 lost: 88 → 乙级.
  auto r = score("medical-record", {{"writing", 7.0}, {"differential", 4.0}});
  auto& w = item(r, "writing");
  EXPECT_DOUBLE_EQ(w.deduction, 4);
  EXPECT_DOUBLE_EQ(w.earned, 2);
  EXPECT_EQ(w.reason, "扣 1 分 × 7 处，封顶 4 分");
  auto& df = item(r, "differential");
  EXPECT_DOUBLE_EQ(df.deduction, 8);
  EXPECT_DOUBLE_EQ(df.earned, 0);
  EXPECT_EQ(df.reason, "扣 3 分 × 4 处，封顶 8 分");
  EXPECT_DOUBLE_EQ(r.score, 88);
  EXPECT_EQ(r.grade, "乙级");
}

TEST(ShippedChecklists, MedicalRecordNotApplicableItemsLeaveTheMaximum) {
  // No rescue, no death, no operation, a stay too short for a 阶段小结: 6 + 6 + 4 = 16 points
  // leave the maximum, which is 84. 现病史 2 处 × 2 = 4 lost: 80 of 84 → 95.24, 甲级.
  auto r = score("medical-record", {{"rescue_death", NotApplicable{}},
                                    {"operation", NotApplicable{}},
                                    {"stage_summary", NotApplicable{}},
                                    {"present_illness", 2.0}});
  EXPECT_DOUBLE_EQ(r.possible, 84);
  EXPECT_DOUBLE_EQ(r.earned, 80);
  EXPECT_DOUBLE_EQ(r.score, 95.24);  // 80 / 84 × 100 = 95.238…
  EXPECT_DOUBLE_EQ(r.percentage, 95.24);
  EXPECT_EQ(r.grade, "甲级");
  EXPECT_TRUE(item(r, "operation").na);
  EXPECT_FALSE(item(r, "operation").counted);
  EXPECT_EQ(item(r, "operation").reason, "不适用，不计入满分");
  // The same 84, with 现病史 2 × 2 and 诊断依据 3 × 2: 10 lost, 74 of 84 → 88.1, 乙级 — counted
  // against 100 it would read 74, 丙级.
  auto n = score("medical-record", {{"rescue_death", NotApplicable{}},
                                    {"operation", NotApplicable{}},
                                    {"stage_summary", NotApplicable{}},
                                    {"present_illness", 2.0},
                                    {"diagnosis_basis", 3.0}});
  EXPECT_DOUBLE_EQ(n.earned, 74);
  EXPECT_DOUBLE_EQ(n.score, 88.1);  // 74 / 84 × 100 = 88.095…
  EXPECT_EQ(n.grade, "乙级");
}

TEST(ShippedChecklists, MedicalRecordSingleItemVetoIsGrade丙DespiteThePoints) {
  // 首页缺填 1 处: 99 points, 甲级 on points — but 缺知情同意书 is a 单项否决: 丙级, points kept.
  auto r = score("medical-record", {{"front_page", 1.0}, {"veto_items", std::vector<std::string>{"no_consent"}}});
  EXPECT_TRUE(r.vetoed);
  EXPECT_EQ(r.veto_items, std::vector<std::string>{"veto_items"});
  EXPECT_DOUBLE_EQ(r.score, 99);
  EXPECT_EQ(r.grade, "丙级");
  EXPECT_EQ(item(r, "veto_items").reason, "否决项");
  // Without a veto the same sheet is 甲级.
  EXPECT_EQ(score("medical-record", {{"front_page", 1.0}}).grade, "甲级");
  // An empty list of 单项否决 vetoes nothing.
  EXPECT_EQ(score("medical-record", {{"veto_items", std::vector<std::string>{}}}).grade, "甲级");
}

TEST(ShippedChecklists, BlockedFireExitOrUnsecuredNarcoticsFailTheCheck) {
  auto ok = score("fire-safety", {{"extinguishers", 2.0}, {"signs", 1.0}, {"wiring", 2.0}});
  // 2 × 3 + 1 × 2 + 2 × 2 = 12 lost: 88 → 基本合格 (75 ≤ 88 < 90).
  EXPECT_DOUBLE_EQ(ok.score, 88);
  EXPECT_EQ(ok.grade, "基本合格");
  // Everything else in order, the exit blocked: score 0, 不合格.
  auto exit = score("fire-safety", {{"exit", std::string("blocked")}});
  EXPECT_TRUE(exit.vetoed);
  EXPECT_DOUBLE_EQ(exit.score, 0);
  EXPECT_DOUBLE_EQ(exit.percentage, 90);  // the points as earned: 90 of 100
  EXPECT_EQ(exit.grade, "不合格");
  EXPECT_EQ(exit.veto_items, std::vector<std::string>{"exit"});
  auto drugs = score("fire-safety", {{"narcotics", std::string("unsecured")}});
  EXPECT_TRUE(drugs.vetoed);
  EXPECT_EQ(drugs.grade, "不合格");
  // A unit that keeps no 毒麻精神 drugs answers 不适用: no veto, the item leaves the maximum.
  auto none = score("fire-safety", {{"narcotics", NotApplicable{}}});
  EXPECT_FALSE(none.vetoed);
  EXPECT_DOUBLE_EQ(none.possible, 90);
  EXPECT_EQ(none.grade, "合格");
}

TEST(ShippedChecklists, RedEnvelopeFailsTheCovertVisit) {
  // 生冷硬顶推 1 处 × 5 = 5 lost: 95 优秀 — until the visitor is asked for a 红包: 0, 不合格.
  EXPECT_EQ(score("ethics-covert", {{"cold", 1.0}}).grade, "优秀");
  auto r = score("ethics-covert", {{"cold", 1.0}, {"red_envelope", std::string("yes")}});
  EXPECT_TRUE(r.vetoed);
  EXPECT_EQ(r.veto_items, std::vector<std::string>{"red_envelope"});
  EXPECT_DOUBLE_EQ(r.score, 0);
  EXPECT_EQ(r.grade, "不合格");
  EXPECT_EQ(item(r, "red_envelope").reason, "否决项");
  auto k = score("ethics-covert", {{"kickback", std::string("yes")}});
  EXPECT_EQ(k.grade, "不合格");
}

TEST(ShippedChecklists, OtherSheetsScoreByTheirOwnRules) {
  // 环境卫生: 被套床单 2 床 × 3 = 6, 卫生间 1 间 × 5 = 5: 89 → 良好; 医疗废物混入生活垃圾 vetoes.
  auto h = score("hygiene-check", {{"bedding", 2.0}, {"toilet_clean", 1.0}});
  EXPECT_DOUBLE_EQ(h.score, 89);
  EXPECT_EQ(h.grade, "良好");
  EXPECT_EQ(score("hygiene-check", {{"medical_waste", std::string("mixed")}}).grade, "不合格");
  // 假如我是患者: the doctor rated 满意 (level 4: 3/4 × 20 = 15, 5 lost); no stay in hospital, so
  // 入院 and 护理 (5 + 5) leave the maximum: 85 of 90 → 94.44, 优秀.
  auto p = score("patient-experience", {{"doctor", 4.0}, {"admission", NotApplicable{}}, {"nursing", NotApplicable{}}});
  EXPECT_DOUBLE_EQ(p.possible, 90);
  EXPECT_DOUBLE_EQ(p.earned, 85);
  EXPECT_DOUBLE_EQ(p.score, 94.44);
  EXPECT_EQ(score("patient-experience", {{"red_envelope", std::string("yes")}}).grade, "不合格");
  // 行政查房: 警示教育片 only some months (2 of 5), 核心制度 2 处 × 3 = 6: 91 → 优秀.
  auto a = score("admin-round", {{"warning_film", std::string("partial")}, {"core_systems", 2.0}});
  EXPECT_DOUBLE_EQ(a.score, 91);
  EXPECT_EQ(a.grade, "优秀");
  EXPECT_EQ(score("admin-round", {{"integrity", std::string("yes")}}).grade, "不合格");
}

// ---- installed on every database, once ----
class ShippedChecklistsDb : public ::testing::TestWithParam<std::string> {};

TEST_P(ShippedChecklistsDb, InstalledOnFirstUseAndNotDoubledOnRestart) {
  manyi::testing::TempDb tdb(GetParam());
  auto db = tdb.open_migrated();
  std::map<std::string, int64_t> ids;
  {
    forms::FormService f(*db);
    for (auto& t : f.list("checklist", {})) {
      EXPECT_EQ(t.owner_node_id, 0) << t.code;
      EXPECT_EQ(t.current_version, 1) << t.code;
      EXPECT_EQ(t.name, kShipped.count(t.code) ? kShipped.at(t.code) : "?") << t.code;
      ids[t.code] = t.id;
    }
  }
  EXPECT_EQ(ids.size(), kShipped.size());
  // A restart (a new service on the same database) inserts nothing again.
  {
    forms::FormService f(*db);
    auto again = f.list("checklist", {});
    EXPECT_EQ(again.size(), kShipped.size());
    for (auto& t : again) EXPECT_EQ(ids[t.code], t.id) << t.code;
  }
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM form_templates WHERE kind = 'checklist'")[0].i64(0),
            static_cast<int64_t>(kShipped.size()));
  EXPECT_EQ(db->query("SELECT COUNT(*) FROM form_versions v JOIN form_templates t ON t.id = v.template_id "
                      "WHERE t.kind = 'checklist'")[0].i64(0),
            static_cast<int64_t>(kShipped.size()));
  // A database from a release that shipped only the window check gets the six new ones on the
  // next start, and the window check keeps its id (responses point at it).
  db->write([&](store::Tx& tx) {
    tx.exec("DELETE FROM form_versions WHERE template_id IN (SELECT id FROM form_templates WHERE kind = 'checklist' "
            "AND code <> 'window-check')");
    tx.exec("DELETE FROM form_templates WHERE kind = 'checklist' AND code <> 'window-check'");
  });
  {
    forms::FormService f(*db);
    auto upgraded = f.list("checklist", {});
    EXPECT_EQ(upgraded.size(), kShipped.size());
    EXPECT_EQ(f.by_code("window-check")->id, ids["window-check"]);
    auto v = f.current(f.by_code("medical-record")->id);
    EXPECT_EQ(v.def->name, "住院病历质量评分");
  }
}

TEST_P(ShippedChecklistsDb, TwoInstancesInstallingAtOnceInsertEachTemplateOnce) {
  manyi::testing::TempDb tdb(GetParam());
  auto a = tdb.open_migrated();
  auto b = store::open(tdb.url());
  // Instance A has inserted 环境卫生检查 and not committed yet when instance B starts installing:
  // B does not see A's row, so it inserts the same code and must wait for A.
  std::promise<void> inserted, release;
  auto go = release.get_future().share();
  std::thread holder([&] {
    a->write([&](store::Tx& tx) {
      tx.exec("INSERT INTO form_templates(id, kind, code, name, owner_path, draft, active, created_at, updated_at) "
              "VALUES (?, 'checklist', 'hygiene-check', '环境卫生检查', '', '{}', 1, 0, 0)",
              {new_id()});
      inserted.set_value();
      go.wait();
    });
  });
  inserted.get_future().wait();
  std::string error;
  std::thread installer([&] {
    try {
      forms::FormService(*b).ensure_seeded();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // B is now waiting on A's row
  release.set_value();
  holder.join();
  installer.join();
  EXPECT_EQ(error, "");  // B's request does not fail on the duplicate code
  EXPECT_EQ(a->query("SELECT COUNT(*) FROM form_templates WHERE kind = 'checklist'")[0].i64(0),
            static_cast<int64_t>(kShipped.size()));
  EXPECT_EQ(a->query("SELECT COUNT(*) FROM form_templates WHERE code = 'hygiene-check'")[0].i64(0), 1);
  // Every other shipped checklist has its first version; A's 环境卫生检查 is A's to finish.
  EXPECT_EQ(a->query("SELECT COUNT(*) FROM form_versions v JOIN form_templates t ON t.id = v.template_id "
                     "WHERE t.kind = 'checklist'")[0].i64(0),
            static_cast<int64_t>(kShipped.size()) - 1);
}

INSTANTIATE_TEST_SUITE_P(Db, ShippedChecklistsDb, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);
