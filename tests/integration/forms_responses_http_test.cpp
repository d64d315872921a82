// Stored form responses over HTTP against a real `manyi serve` on each database: an inspector
// submits the shipped checklist about a hospital and gets the per-item result; a hospital reads
// only its own subtree's responses (another's are 404 and absent from lists); permissions are
// per form kind; bad input names the field and stores nothing; a response is never changed.
#include <gtest/gtest.h>

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

INSTANTIATE_TEST_SUITE_P(Db, FormResponsesHttp, ::testing::ValuesIn(backends()), backend_name);
