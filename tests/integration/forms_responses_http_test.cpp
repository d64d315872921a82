// Stored form responses over HTTP against a real `manyi serve` on each database: an inspector
// submits the shipped checklist about a hospital and gets the per-item result; a hospital reads
// only its own subtree's responses (another's are 404 and absent from lists); permissions are
// per form kind; bad input names the field and stores nothing; a response is never changed.
// The seven shipped checklists are listed by a server on a freshly migrated database (and not
// doubled by a restart); a hospital copies one, changes an item's points and deduction rule,
// publishes it as version 2 and its submissions are scored by the new version.
#include <gtest/gtest.h>

#include "org/service.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

class FormResponsesHttp : public DemoServerTest {
 protected:
  std::string checklist(HttpClient& c) {
    auto r = c.get("/api/v1/forms/templates?kind=checklist");
    EXPECT_EQ(r.status, 200) << r.body;
    auto body = r.js();
    for (auto& t : body["items"])
      if (t["code"] == "window-check") return t["id"];
    ADD_FAILURE() << "no shipped checklist: " << r.body;
    return "";
  }
  json sheet(const std::string& tmpl, const std::string& node, int greet = 1) {
    return {{"template_id", tmpl},
            {"node_id", node},
            {"subject", "门诊挂号收费窗口"},
            {"answers",
             {{"greet", greet}, {"mandarin", 0}, {"badge", 0}, {"guide", 0}, {"elderly", {{"na", true}}},
              {"wait", 0}, {"notice", "complete"}, {"cash", "yes"}, {"quarrel", "no"}}},
            {"notes", {{"greet", "收费员未主动招呼"}}}};
  }
  std::vector<std::string> listed(HttpClient& c, const std::string& query = "") {
    auto r = c.get("/api/v1/forms/responses" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    auto body = r.js();
    for (auto& i : body["items"]) ids.push_back(i["id"]);
    return ids;
  }
  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }
};

}  // namespace

TEST_P(FormResponsesHttp, InspectorSubmitsAndGetsTheResultPerItem) {
  auto insp = as("inspector");
  auto tmpl = checklist(insp);
  auto r = insp.post("/api/v1/forms/responses", sheet(tmpl, node("H001"), 2));
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.js();
  EXPECT_EQ(j["kind"], "checklist");
  EXPECT_EQ(j["node_name"], "市第一人民医院");
  EXPECT_EQ(j["version"], 1);
  // greet 15 - 2 × 3 = 9, the rest in full; 不适用 elderly leaves its 10 points out: 84 of 90.
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 93.33);
  EXPECT_DOUBLE_EQ(j["result"]["possible"].get<double>(), 90);
  EXPECT_EQ(j["grade"], "优秀");
  EXPECT_EQ(j["result"]["items"][0]["reason"], "扣 3 分 × 2 处");
  EXPECT_EQ(j["result"]["items"][4]["na"], true);
  EXPECT_EQ(j["notes"]["greet"], "收费员未主动招呼");
  // Read back, then a second submission is a new row and the first is unchanged.
  auto got = insp.get("/api/v1/forms/responses/" + j["id"].get<std::string>());
  ASSERT_EQ(got.status, 200);
  auto second = insp.post("/api/v1/forms/responses", sheet(tmpl, node("H001"), 0));
  ASSERT_EQ(second.status, 201);
  EXPECT_NE(second.js()["id"], j["id"]);
  auto again = insp.get("/api/v1/forms/responses/" + j["id"].get<std::string>());
  EXPECT_EQ(again.body, got.body);
  // No route changes or deletes a response.
  EXPECT_NE(insp.request("PUT", "/api/v1/forms/responses/" + j["id"].get<std::string>(), sheet(tmpl, node("H001")).dump()).status / 100, 2);
  EXPECT_NE(insp.del("/api/v1/forms/responses/" + j["id"].get<std::string>()).status / 100, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 2);
  // A veto: 与患者争吵 fails the inspection whatever the points.
  auto veto = sheet(tmpl, node("H001"));
  veto["answers"]["quarrel"] = "yes";
  auto v = insp.post("/api/v1/forms/responses", veto);
  ASSERT_EQ(v.status, 201) << v.body;
  EXPECT_EQ(v.js()["vetoed"], true);
  EXPECT_DOUBLE_EQ(v.js()["score"].get<double>(), 0);
  EXPECT_EQ(v.js()["grade"], "不合格");
}

TEST_P(FormResponsesHttp, AUnitReadsOnlyItsOwnSubtreesResponses) {
  auto insp = as("inspector");
  auto tmpl = checklist(insp);
  std::string h1 = insp.post("/api/v1/forms/responses", sheet(tmpl, node("H001"))).js()["id"];
  std::string h2 = insp.post("/api/v1/forms/responses", sheet(tmpl, node("H002"))).js()["id"];
  auto hosp1 = as("hosp1");
  std::string nk = hosp1.post("/api/v1/forms/responses", sheet(tmpl, node("H001-NK"))).js()["id"];
  ASSERT_FALSE(nk.empty());
  auto l1 = listed(hosp1);
  EXPECT_TRUE(has(l1, h1) && has(l1, nk));
  EXPECT_FALSE(has(l1, h2));
  EXPECT_EQ(hosp1.get("/api/v1/forms/responses/" + h2).status, 404);
  EXPECT_EQ(hosp1.get("/api/v1/forms/responses?node=" + node("H002")).status, 403);
  auto hosp2 = as("hosp2");
  auto l2 = listed(hosp2);
  EXPECT_TRUE(has(l2, h2));
  EXPECT_FALSE(has(l2, h1) || has(l2, nk));
  EXPECT_EQ(hosp2.get("/api/v1/forms/responses/" + h1).status, 404);
  EXPECT_EQ(hosp2.get("/api/v1/forms/responses/" + h1).body.find("市第一人民医院"), std::string::npos);
  // The department head reads its department's response, not the hospital's.
  auto dept = as("dept");
  auto ld = listed(dept);
  EXPECT_TRUE(has(ld, nk));
  EXPECT_FALSE(has(ld, h1) || has(ld, h2));
  EXPECT_EQ(dept.get("/api/v1/forms/responses/" + nk).status, 200);
  EXPECT_EQ(dept.get("/api/v1/forms/responses/" + h1).status, 404);
  // The bureau's inspector reads all; filters by node and template.
  auto li = listed(insp, "?node=" + node("H002") + "&template=" + tmpl);
  EXPECT_EQ(li, std::vector<std::string>{h2});
  EXPECT_TRUE(listed(insp, "?kind=scorecard").empty());
  // Without form.<kind>.read (a case handler): 403 on the list, 404 on one.
  auto handler = as("handler");
  EXPECT_EQ(handler.get("/api/v1/forms/responses").status, 403);
  EXPECT_EQ(handler.get("/api/v1/forms/responses/" + h1).status, 404);
}

TEST_P(FormResponsesHttp, SubmittingOutsideTheScopeOrWithoutThePermissionIsRefused) {
  auto insp = as("inspector");
  auto tmpl = checklist(insp);
  EXPECT_EQ(as("hosp1").post("/api/v1/forms/responses", sheet(tmpl, node("H002"))).status, 403);
  EXPECT_EQ(as("dept").post("/api/v1/forms/responses", sheet(tmpl, node("H001-NK"))).status, 403);  // reads only
  EXPECT_EQ(as("handler").post("/api/v1/forms/responses", sheet(tmpl, node("H001"))).status, 403);
  EXPECT_EQ(as("staff").post("/api/v1/forms/responses", sheet(tmpl, node("H001"))).status, 403);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 0);
}

TEST_P(FormResponsesHttp, BadInputNamesTheFieldAndStoresNothing) {
  auto insp = as("inspector");
  auto tmpl = checklist(insp);
  auto field_of = [&](const json& body) {
    auto r = insp.post("/api/v1/forms/responses", body);
    EXPECT_EQ(r.status, 422) << r.body;
    return r.js()["error"]["field"].is_string() ? r.js()["error"]["field"].get<std::string>() : std::string();
  };
  auto b = sheet(tmpl, node("H001"));
  b["answers"]["greet"] = 99;  // above max 50
  EXPECT_EQ(field_of(b), "answers.greet");
  b = sheet(tmpl, node("H001"));
  b["answers"]["greet"] = "three";
  EXPECT_EQ(field_of(b), "answers.greet");
  b = sheet(tmpl, node("H001"));
  b["answers"]["mandarin"] = {{"na", true}};  // not na_allowed
  EXPECT_EQ(field_of(b), "answers.mandarin");
  b = sheet(tmpl, node("H001"));
  b["answers"].erase("quarrel");  // required
  EXPECT_EQ(field_of(b), "answers.quarrel");
  b = sheet(tmpl, node("H001"));
  b["answers"]["nope"] = 1;
  EXPECT_EQ(field_of(b), "answers.nope");
  b = sheet(tmpl, node("H001"));
  b["notes"]["greet"] = std::string(1001, 'x');
  EXPECT_EQ(field_of(b), "notes.greet");
  b = sheet(tmpl, node("H001"));
  b.erase("answers");
  EXPECT_EQ(field_of(b), "answers");
  b = sheet(tmpl, node("H001"));
  b["subject"] = std::string(201, 'x');
  EXPECT_EQ(field_of(b), "subject");
  b = sheet(tmpl, node("H001"));
  b["template_id"] = "123";
  EXPECT_EQ(field_of(b), "template_id");
  // A survey's answers are public ratings: not stored here.
  std::string survey;
  auto surveys = insp.get("/api/v1/forms/templates?kind=survey").js();
  for (auto& t : surveys["items"]) survey = t["id"];
  b = sheet(survey, node("H001"));
  EXPECT_EQ(field_of(b), "template_id");
  EXPECT_EQ(insp.get("/api/v1/forms/responses?limit=999").status, 422);
  EXPECT_EQ(insp.get("/api/v1/forms/responses?kind=survey").status, 422);
  // Size limit.
  b = sheet(tmpl, node("H001"));
  b["subject"] = std::string(300 * 1024, 'x');
  EXPECT_EQ(insp.post("/api/v1/forms/responses", b).status, 413);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_responses"), 0);
}

TEST_P(FormResponsesHttp, PhotosPerItemAreImagesAddedByTheSubmitterAndReadInScope) {
  auto insp = as("inspector");
  auto tmpl = checklist(insp);
  auto hosp1 = as("hosp1");
  std::string id = hosp1.post("/api/v1/forms/responses", sheet(tmpl, node("H001"), 2)).js()["id"];
  ASSERT_FALSE(id.empty());
  const std::string png = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(64, '\x07');
  auto up = [&](HttpClient& c, const std::string& item, const std::string& bytes) {
    return c.request("POST", "/api/v1/forms/responses/" + id + "/photos?item=" + item + "&name=greet.png", bytes,
                     {{"Content-Type", "image/png"}});
  };
  auto r = up(hosp1, "greet", png);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string pid = r.js()["id"];
  EXPECT_EQ(r.js()["item_id"], "greet");
  EXPECT_EQ(r.js()["content_type"], "image/png");
  // Listed with the response, by item; the bytes come back as they went.
  auto got = hosp1.get("/api/v1/forms/responses/" + id).js();
  ASSERT_EQ(got["photos"].size(), 1u);
  EXPECT_EQ(got["photos"][0]["item_id"], "greet");
  auto file = hosp1.get("/api/v1/forms/responses/" + id + "/photos/" + pid);
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, png);
  EXPECT_EQ(insp.get("/api/v1/forms/responses/" + id + "/photos/" + pid).status, 200);  // the bureau reads it
  // Another hospital neither reads nor adds; the inspector is not the submitter; a PDF or a
  // renamed text file is not a photo; an unknown item is named.
  auto hosp2 = as("hosp2");
  EXPECT_EQ(hosp2.get("/api/v1/forms/responses/" + id + "/photos/" + pid).status, 404);
  EXPECT_EQ(up(hosp2, "greet", png).status, 404);
  EXPECT_EQ(up(insp, "greet", png).status, 403);
  auto pdf = up(hosp1, "greet", "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n");
  EXPECT_EQ(pdf.status, 422);
  EXPECT_EQ(pdf.js()["error"]["field"], "file");
  EXPECT_EQ(up(hosp1, "greet", "<html>not an image</html>").status, 422);
  auto unknown = up(hosp1, "nope", png);
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.js()["error"]["field"], "item");
  // At most five per item.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(up(hosp1, "greet", png).status, 201);
  auto sixth = up(hosp1, "greet", png);
  EXPECT_EQ(sixth.status, 422);
  EXPECT_EQ(sixth.js()["error"]["field"], "item");
  EXPECT_EQ(count("SELECT COUNT(*) FROM attachments WHERE owner_kind = 'form_response'"), 5);
  // The response itself is unchanged by its photos.
  EXPECT_EQ(hosp1.get("/api/v1/forms/responses/" + id).js()["result"], got["result"]);
}

namespace {

// The shipped checklists by code (templates/checklists/*.json).
const std::map<std::string, std::string> kShippedChecklists = {
    {"window-check", "窗口服务规范检查"},       {"ethics-covert", "医德医风暗访"},
    {"medical-record", "住院病历质量评分"},      {"hygiene-check", "环境卫生检查"},
    {"fire-safety", "消防与安全隐患排查"},      {"admin-round", "行政查房"},
    {"patient-experience", "假如我是患者 体验记录"},
};

// 环境卫生检查 with nothing wrong except `litter` occurrences of 过道垃圾.
json hygiene_answers(int litter) {
  return {{"ward_clean", 0}, {"bedding", 0},          {"ward_air", "yes"},      {"litter", litter},
          {"clutter", 0},    {"facilities", "yes"},   {"toilet_clean", 0},      {"handwash", "yes"},
          {"medical_waste", "yes"}, {"parking", 0}};
}

}  // namespace

TEST_P(FormResponsesHttp, ACopyOfAShippedChecklistIsEditedAndPublishedAsANewVersion) {
  auto hosp1 = as("hosp1");
  auto list = hosp1.get("/api/v1/forms/templates?kind=checklist");
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::string, std::string> shipped, ids;
  auto body = list.js();
  for (auto& t : body["items"])
    if (t["shipped"] == true) {
      shipped[t["code"]] = t["name"];
      ids[t["code"]] = t["id"];
    }
  EXPECT_EQ(shipped, kShippedChecklists);
  std::string hygiene = ids["hygiene-check"];
  ASSERT_FALSE(hygiene.empty());
  // The shipped template is the bureau's: the hospital copies it to change it.
  auto original = hosp1.get("/api/v1/forms/templates/" + hygiene).js()["draft"];
  EXPECT_EQ(hosp1.request("PUT", "/api/v1/forms/templates/" + hygiene + "/draft", json{{"definition", original}}.dump()).status,
            403);
  auto copy = hosp1.post("/api/v1/forms/templates/" + hygiene + "/copy", {{"node_id", node("H001")}, {"name", "环境卫生检查（一院）"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  std::string cid = copy.js()["id"];
  EXPECT_EQ(copy.js()["kind"], "checklist");
  EXPECT_EQ(copy.js()["copied_from"], hygiene);
  EXPECT_EQ(copy.js()["current_version"], 1);
  // The audit log says what was copied in the templates' names, not their codes.
  bool logged = false;
  auto log = hosp1.get("/api/v1/audit?limit=50");
  ASSERT_EQ(log.status, 200) << log.body;
  auto entries = log.js();
  for (auto& e : entries["items"])
    if (e["action"] == "form.template.copy") {
      EXPECT_EQ(e["detail"], "由「环境卫生检查」复制为「环境卫生检查（一院）」");
      logged = true;
    }
  EXPECT_TRUE(logged) << log.body.substr(0, 600);  // the newest entries come first
  // 过道垃圾: 15 points at 3 per occurrence becomes 20 points at 4, at most 12 deducted.
  auto def = hosp1.get("/api/v1/forms/templates/" + cid).js()["draft"];
  auto litter = [](json& d) -> json& {
    for (auto& s : d["sections"])
      for (auto& it : s["items"])
        if (it["id"] == "litter") return it;
    throw std::runtime_error("no litter item");
  };
  EXPECT_EQ(litter(def)["points"], 15);
  EXPECT_EQ(litter(def)["deduct_per"], 3);
  litter(def)["points"] = 20;
  litter(def)["deduct_per"] = 4;
  litter(def)["deduct_cap"] = 12;
  // A cap above the item's points is refused, naming the definition, and nothing is saved.
  auto bad = def;
  litter(bad)["deduct_cap"] = 25;
  auto refused = hosp1.request("PUT", "/api/v1/forms/templates/" + cid + "/draft", json{{"definition", bad}}.dump());
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(refused.js()["error"]["field"], "definition");
  auto saved = hosp1.request("PUT", "/api/v1/forms/templates/" + cid + "/draft", json{{"definition", def}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  auto pub = hosp1.post("/api/v1/forms/templates/" + cid + "/publish", json::object());
  ASSERT_EQ(pub.status, 201) << pub.body;
  EXPECT_EQ(pub.js()["version"], 2);
  auto v2 = hosp1.get("/api/v1/forms/versions/" + pub.js()["id"].get<std::string>()).js()["definition"];
  EXPECT_EQ(litter(v2)["points"], 20);
  EXPECT_EQ(litter(v2)["deduct_per"], 4);
  EXPECT_EQ(litter(v2)["deduct_cap"], 12);
  // The shipped original is unchanged.
  auto orig = hosp1.get("/api/v1/forms/templates/" + hygiene).js();
  EXPECT_EQ(orig["current_version"], 1);
  EXPECT_EQ(litter(orig["published"])["points"], 15);
  // A submission against the copy is scored by version 2: 5 × 4 = 20, capped at 12 → 8 of 20;
  // everything else in full: 93 of 105 → 88.57, 良好.
  auto r = hosp1.post("/api/v1/forms/responses",
                      {{"template_id", cid}, {"node_id", node("H001-NK")}, {"subject", "内科病区"}, {"answers", hygiene_answers(5)}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto j = r.js();
  EXPECT_EQ(j["version"], 2);
  EXPECT_EQ(j["version_id"], pub.js()["id"]);
  EXPECT_DOUBLE_EQ(j["result"]["possible"].get<double>(), 105);
  EXPECT_DOUBLE_EQ(j["result"]["earned"].get<double>(), 93);
  EXPECT_DOUBLE_EQ(j["score"].get<double>(), 88.57);
  EXPECT_EQ(j["grade"], "良好");
  for (auto& it : j["result"]["items"])
    if (it["item_id"] == "litter") {
      EXPECT_DOUBLE_EQ(it["deduction"].get<double>(), 12);
      EXPECT_EQ(it["reason"], "扣 4 分 × 5 处，封顶 12 分");
    }
  // The sibling hospital neither sees nor uses the copy.
  auto hosp2 = as("hosp2");
  EXPECT_EQ(hosp2.get("/api/v1/forms/templates/" + cid).status, 404);
  EXPECT_EQ(hosp2.get("/api/v1/forms/templates?kind=checklist").body.find(cid), std::string::npos);
  EXPECT_EQ(hosp2.post("/api/v1/forms/responses", {{"template_id", cid}, {"node_id", node("H002")}, {"answers", hygiene_answers(0)}})
                .status / 100,
            4);
}

// A server started on a database that only `manyi migrate` has touched.
class ChecklistsAfterMigrate : public ::testing::TestWithParam<std::string> {};

TEST_P(ChecklistsAfterMigrate, TheServerListsTheSevenAndARestartAddsNone) {
  TempDb t(GetParam());
  std::string out;
  ASSERT_EQ(run_manyi({"--db", t.url(), "migrate"}, &out), 0) << out;
  auto db = store::open(t.url());
  auto count = [&](const std::string& sql) { return store::scalar_i64(db->query(sql)).value_or(-1); };
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_templates"), 0);  // the application installs them, not a migration
  org::OrgService(*db).create_root({0, "test", ""}, "bureau", "B", "市卫生健康局");
  ASSERT_EQ(run_manyi({"--db", t.url(), "user", "add", "--username", "admin", "--password", "Bureau-pass-1", "--node", "B",
                       "--role", "bureau_admin"},
                      &out),
            0)
      << out;
  auto listed = [&]() {
    ServerProcess srv(t.url());
    auto c = srv.client();
    EXPECT_EQ(c.login("admin", "Bureau-pass-1").status, 200);
    auto r = c.get("/api/v1/forms/templates?kind=checklist");
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::string> codes;
    auto body = r.js();
    for (auto& i : body["items"]) {
      EXPECT_EQ(i["shipped"], true);
      EXPECT_EQ(i["current_version"], 1);
      codes[i["code"]] = i["name"];
    }
    return codes;
  };
  EXPECT_EQ(listed(), kShippedChecklists);
  EXPECT_EQ(listed(), kShippedChecklists);  // restarted
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_templates WHERE kind = 'checklist'"), 7);
  EXPECT_EQ(count("SELECT COUNT(*) FROM form_versions v JOIN form_templates t ON t.id = v.template_id WHERE t.kind = 'checklist'"),
            7);
}

INSTANTIATE_TEST_SUITE_P(Db, ChecklistsAfterMigrate, ::testing::ValuesIn(backends()), backend_name);

INSTANTIATE_TEST_SUITE_P(Db, FormResponsesHttp, ::testing::ValuesIn(backends()), backend_name);
