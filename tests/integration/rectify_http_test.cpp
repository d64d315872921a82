// The rectification ledger over HTTP against a real `manyi serve` on each database: the
// contract's flow (create → start → measures → evidence → submit → verify), authorization
// (a unit never sees, acts on or attaches to another unit's item; a dept head cannot verify;
// the owner's own verifier is refused), bad input naming the field, the import's per-row
// report, the export's columns and the public list without names.
#include <gtest/gtest.h>

#include <map>

#include "core/table_file.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const std::string kPng = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(64, '\x07');

class LedgerHttp : public DemoServerTest {
 protected:
  // An item of `unit` opened by the bureau; returns its id.
  std::string open_item(const std::string& unit, json extra = json::object()) {
    auto b = as("bureau");
    json body = {{"unit_id", node(unit)}, {"problem", "病房卫生间无扶手"}, {"source", "inspection"}};
    body.update(extra);
    auto r = b.post("/api/v1/rectifications", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.js().value("id", "");
  }
  HttpResponse act(HttpClient& c, const std::string& id, const std::string& action, json body = json::object()) {
    return c.post("/api/v1/rectifications/" + id + "/actions/" + action, body);
  }
  HttpResponse upload(HttpClient& c, const std::string& id, const std::string& bytes) {
    return c.request("POST", "/api/v1/rectifications/" + id + "/attachments?name=photo.png", bytes,
                     {{"Content-Type", "image/png"}});
  }
};

TEST_P(LedgerHttp, TheOwnerRectifiesAndAnInspectorVerifies) {
  auto id = open_item("H001-NK", {{"responsible", "王护士长"}});
  auto dept = as("dept");
  auto got = dept.get("/api/v1/rectifications/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  auto j = got.js();
  EXPECT_EQ(j["status"], "pending");
  EXPECT_EQ(j["unit"]["id"], node("H001-NK"));
  EXPECT_EQ(j["code"].get<std::string>().substr(0, 2), "ZG");
  EXPECT_EQ(j["actions"], json({"start", "request_extension"}));
  EXPECT_EQ(j["timeline"].size(), 1u);
  EXPECT_EQ(act(dept, id, "start").status, 200);
  auto sub = act(dept, id, "submit", {{"note", "已加装"}});
  EXPECT_EQ(sub.status, 422);
  EXPECT_EQ(sub.js()["error"]["field"], "measures");
  auto p = dept.patch("/api/v1/rectifications/" + id, {{"measures", "加装扶手"}, {"cause", "设施老化"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.js()["measures"], "加装扶手");
  auto up = upload(dept, id, kPng);
  ASSERT_EQ(up.status, 201) << up.body;
  auto bad = upload(dept, id, "MZ\x90\x00 not an image");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["code"], "unsupported_type");
  EXPECT_EQ(act(dept, id, "submit", {{"note", "已加装扶手"}}).status, 200);
  // The dept head may not verify; the inspector does.
  auto no = act(dept, id, "verify");
  EXPECT_EQ(no.status, 403);
  auto ins = as("inspector");
  auto ok = act(ins, id, "verify", {{"note", "现场查看到位"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["status"], "closed");
  EXPECT_EQ(ok.js()["verified_by"], "督查组 陈督查");
  j = ins.get("/api/v1/rectifications/" + id).js();
  EXPECT_EQ(j["actions"], json::array());
  ASSERT_EQ(j["attachments"].size(), 1u);
  auto file = ins.get("/api/v1/rectifications/" + id + "/attachments/" + j["attachments"][0]["id"].get<std::string>());
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(file.body, kPng);
  EXPECT_EQ(j["timeline"].size(), 6u);  // create, start, edit, attach, submit, verify
  auto counts = ins.get("/api/v1/rectifications/counts?node=" + node("H001"));
  ASSERT_EQ(counts.status, 200) << counts.body;
  EXPECT_EQ(counts.js()["closed"], 1);
  EXPECT_EQ(counts.js()["total"], 1);
}

TEST_P(LedgerHttp, AUnitNeverSeesOrTouchesAnotherUnitsItem) {
  auto theirs = open_item("H002");
  auto mine = open_item("H001-NK");
  auto h1 = as("hosp1");
  EXPECT_EQ(h1.get("/api/v1/rectifications/" + theirs).status, 404);
  EXPECT_EQ(h1.patch("/api/v1/rectifications/" + theirs, {{"measures", "x"}}).status, 404);
  EXPECT_EQ(act(h1, theirs, "start").status, 404);
  EXPECT_EQ(upload(h1, theirs, kPng).status, 404);
  EXPECT_EQ(h1.get("/api/v1/rectifications?node=" + node("H002")).status, 403);
  EXPECT_EQ(h1.get("/api/v1/rectifications/counts?node=" + node("H002")).status, 403);
  auto list = h1.get("/api/v1/rectifications");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.js()["items"].size(), 1u);
  EXPECT_EQ(list.js()["items"][0]["id"], mine);
  EXPECT_EQ(h1.post("/api/v1/rectifications", {{"unit_id", node("H002")}, {"problem", "x"}}).status, 403);
  // The unit admin may not verify or cancel the hospital's own item (checked on the unit above);
  // a department's item it may (院级验收).
  auto own = open_item("H001");
  auto refused = act(h1, own, "cancel", {{"reason", "不想改"}});
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.js()["error"]["code"], "owner_cannot_verify");
  EXPECT_EQ(act(h1, mine, "cancel", {{"reason", "重复登记"}}).status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM attachments WHERE owner_kind = 'rectification'"), 0);
  // Staff see nothing of the ledger.
  EXPECT_EQ(as("staff").get("/api/v1/rectifications").status, 403);
}

TEST_P(LedgerHttp, BadInputNamesTheFieldAndStoresNothing) {
  auto b = as("bureau");
  auto field_of = [](const HttpResponse& r) { return r.js()["error"].value("field", ""); };
  auto r = b.post("/api/v1/rectifications", {{"unit_id", node("H001")}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "problem");
  r = b.post("/api/v1/rectifications", {{"unit_id", "abc"}, {"problem", "x"}});
  EXPECT_EQ(field_of(r), "unit_id");
  r = b.post("/api/v1/rectifications", {{"unit_id", node("H001")}, {"problem", "x"}, {"source", "rumour"}});
  EXPECT_EQ(field_of(r), "source");
  r = b.post("/api/v1/rectifications", {{"unit_id", node("H001")}, {"problem", "x"}, {"deadline", "2026-13-01"}});
  EXPECT_EQ(field_of(r), "deadline");
  r = b.post("/api/v1/rectifications", {{"unit_id", node("H001")}, {"problem", "x"}, {"hazard", "yes"}});
  EXPECT_EQ(field_of(r), "hazard");
  EXPECT_EQ(b.get("/api/v1/rectifications?status=done").status, 422);
  EXPECT_EQ(b.get("/api/v1/rectifications?from=yesterday").status, 422);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
  auto id = open_item("H001");
  r = act(b, id, "redo", {{"reason", "x"}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.js()["error"]["code"], "invalid_state");
  EXPECT_EQ(act(b, id, "explode").status, 404);
  r = act(b, id, "cancel");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "reason");
}

TEST_P(LedgerHttp, ImportReportsTheBadRowAndExportHasTheBureauColumns) {
  auto b = as("bureau");
  std::string csv =
      "问题,来源,责任单位,责任人,整改措施,整改时限\n"
      "输液室呼叫器故障,检查发现,H001-NK,王护士长,更换呼叫器,2099-04-30\n"
      "挂号窗口排长队,投诉,火星医院,李主任,增开窗口,2099-04-30\n";
  auto r = b.request("POST", "/api/v1/rectifications/import", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.js()["error"]["code"], "import_rejected");
  ASSERT_EQ(r.js()["rows"].size(), 1u);
  EXPECT_EQ(r.js()["rows"][0]["row"], 3);
  EXPECT_EQ(r.js()["rows"][0]["field"], "责任单位");
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 0);
  csv.replace(csv.find("火星医院"), std::string("火星医院").size(), "H002");
  r = b.request("POST", "/api/v1/rectifications/import", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 2);
  auto x = b.get("/api/v1/rectifications/export.xlsx?node=" + node("H001"));
  ASSERT_EQ(x.status, 200) << x.body;
  EXPECT_NE(x.headers["content-type"].find("spreadsheetml"), std::string::npos);
  auto rows = table::read_xlsx(x.body);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"序号", "问题", "来源", "责任单位", "责任人", "整改措施", "整改时限",
                                                "完成情况", "验收人", "销号日期", "编号"}));
  EXPECT_EQ(rows[1][1], "输液室呼叫器故障");
  EXPECT_EQ(rows[1][3], "内科");
  EXPECT_EQ(rows[1][6], "2099-04-30");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'rectification.export'"), 1);
  // A dept head may not import.
  EXPECT_EQ(as("dept").request("POST", "/api/v1/rectifications/import", csv, {{"Content-Type", "text/csv"}}).status, 403);
}

// A bureau's ledger edited in Excel and imported back: rows with 编号 edit their items (with a
// timeline entry), rows without add items, one bad row stores and edits nothing, and another
// hospital cannot reach an item by its code.
TEST_P(LedgerHttp, AnExportedLedgerImportedBackEditsItsItems) {
  auto b = as("bureau");
  std::string id = open_item("H001-NK", {{"problem", "输液室呼叫器故障"}, {"responsible", "王护士长"}});
  auto x = b.get("/api/v1/rectifications/export.xlsx?node=" + node("H001-NK"));
  ASSERT_EQ(x.status, 200) << x.body;
  auto rows = table::read_xlsx(x.body);
  ASSERT_EQ(rows.size(), 2u);
  std::string code = rows[1][10];
  ASSERT_EQ(code, b.get("/api/v1/rectifications/" + id).js()["code"]);
  auto item = [&] { return b.get("/api/v1/rectifications/" + id).js(); };
  auto deadline_before = item()["deadline_at"];
  std::string header = "问题,来源,责任单位,责任人,整改措施,整改时限,编号\n";
  std::string edit = "输液室呼叫器故障,,,赵护士长,更换呼叫器并每日检查,2099-05-29," + code + "\n";
  // One bad row (a code nobody has): nothing is edited or added.
  auto r = b.request("POST", "/api/v1/rectifications/import",
                     header + edit + "新问题,手工录入,H001,,,,ZG19990101-9999\n", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 422) << r.body;
  ASSERT_EQ(r.js()["rows"].size(), 1u) << r.body;
  EXPECT_EQ(r.js()["rows"][0]["row"], 3);
  EXPECT_EQ(r.js()["rows"][0]["field"], "编号");
  EXPECT_EQ(item()["responsible"], "王护士长");
  EXPECT_EQ(item()["deadline_at"], deadline_before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 1);
  // Another hospital's admin cannot edit it by its code.
  r = as("hosp2").request("POST", "/api/v1/rectifications/import", header + edit, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.js()["rows"][0]["field"], "编号");
  EXPECT_EQ(item()["responsible"], "王护士长");
  // The edit and a new row.
  r = b.request("POST", "/api/v1/rectifications/import", header + edit + "候诊区座椅不足,手工录入,H001,,,,\n",
                {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["imported"], 1);
  EXPECT_EQ(r.js()["updated"], 1);
  auto it = item();
  EXPECT_EQ(it["responsible"], "赵护士长");
  EXPECT_EQ(it["measures"], "更换呼叫器并每日检查");
  EXPECT_EQ(it["problem"], "输液室呼叫器故障");
  EXPECT_NE(it["deadline_at"], deadline_before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectifications"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectification_events WHERE item_id = ? AND action = 'edit' AND note LIKE ?",
                  {int64_t{std::stoll(id)}, std::string("%整改时限 2099-05-29%")}),
            1);
  // Imported again unchanged: no second edit.
  r = b.request("POST", "/api/v1/rectifications/import", header + edit, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["updated"], 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM rectification_events WHERE item_id = ? AND action = 'edit'",
                  {int64_t{std::stoll(id)}}),
            1);
}

TEST_P(LedgerHttp, PublicListShowsOnlyPublicItemsWithoutNames) {
  open_item("H001-NK", {{"problem", "候诊区座椅不足"}, {"public", true}, {"responsible", "张三"},
                        {"source_ref", "TS20261201-0001"}});
  open_item("H001", {{"problem", "内部管理问题"}, {"responsible", "李四"}});
  open_item("H002", {{"problem", "中医院公示的问题"}, {"public", true}});
  auto pub = server->client();
  auto r = pub.get("/api/v1/public/rectifications?unit=H001");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.js();
  EXPECT_EQ(j["unit"]["name"], "市第一人民医院");
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["items"][0]["problem"], "候诊区座椅不足");
  EXPECT_EQ(j["items"][0]["status"], "pending");
  EXPECT_EQ(j["items"][0]["deadline"].get<std::string>().size(), 10u);
  EXPECT_EQ(r.body.find("张三"), std::string::npos);
  EXPECT_EQ(r.body.find("李四"), std::string::npos);
  EXPECT_EQ(r.body.find("responsible"), std::string::npos);
  EXPECT_EQ(r.body.find("TS20261201"), std::string::npos);
  EXPECT_EQ(pub.get("/api/v1/public/rectifications?unit=NOPE").status, 404);
  EXPECT_EQ(pub.get("/api/v1/public/rectifications").status, 422);
}

TEST_P(LedgerHttp, ItemsNameTheirUnitWithItsHospital) {
  auto dept_item = open_item("H001-NK");
  auto hosp_item = open_item("H001");
  auto list = as("hosp1").get("/api/v1/rectifications");
  ASSERT_EQ(list.status, 200) << list.body;
  auto items = list.js()["items"];
  std::map<std::string, json> names;
  for (auto& it : items) names[it["id"].get<std::string>()] = it["unit"]["path_names"];
  EXPECT_EQ(names[dept_item], json({"市第一人民医院", "内科"}));
  EXPECT_EQ(names[hosp_item], json({"市第一人民医院"}));
  // The detail and an edit's answer carry them too.
  auto d = as("dept").get("/api/v1/rectifications/" + dept_item);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.js()["unit"]["path_names"], json({"市第一人民医院", "内科"}));
  auto p = as("dept").patch("/api/v1/rectifications/" + dept_item, {{"responsible", "护士长"}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.js()["unit"]["path_names"], json({"市第一人民医院", "内科"}));
}

TEST_P(LedgerHttp, AManagerEditsTheDeadlineAndDisclosureTheOwnerCannot) {
  auto id = open_item("H001-NK", {{"problem", "门诊导诊标识不清"}});
  auto path = "/api/v1/rectifications/" + id;
  // What each caller may change, as the detail says.
  auto dept = as("dept");
  auto h1 = as("hosp1");
  auto d = dept.get(path).js();
  EXPECT_EQ(d["can_handle"], true);
  EXPECT_EQ(d["can_manage"], false);
  d = h1.get(path).js();
  EXPECT_EQ(d["can_manage"], true);
  d = as("inspector").get(path).js();
  EXPECT_EQ(d["can_handle"], false);
  EXPECT_EQ(d["can_manage"], false);

  // The owner may not move its own deadline or publish the item.
  auto no = dept.patch(path, {{"deadline", "2099-04-30"}});
  EXPECT_EQ(no.status, 403);
  EXPECT_EQ(dept.patch(path, {{"public", true}}).status, 403);
  // A deadline in the past names the field; nothing changes.
  auto past = h1.patch(path, {{"deadline", "2020-01-01"}});
  EXPECT_EQ(past.status, 422);
  EXPECT_EQ(past.js()["error"]["field"], "deadline");
  auto blank = h1.patch(path, {{"problem", "  "}});
  EXPECT_EQ(blank.status, 422);
  EXPECT_EQ(blank.js()["error"]["field"], "problem");
  EXPECT_EQ(h1.get(path).js()["timeline"].size(), 1u);

  // The hospital's admin moves it and publishes it: the timeline says so, the public page shows it.
  auto ok = h1.patch(path, {{"deadline", "2099-04-30"}, {"public", true}, {"category", "就医环境"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["public"], true);
  EXPECT_EQ(ok.js()["category"], "就医环境");
  auto tl = h1.get(path).js()["timeline"];
  ASSERT_EQ(tl.size(), 2u);
  auto note = tl.back()["note"].get<std::string>();
  EXPECT_NE(note.find("整改时限 2099-04-30"), std::string::npos) << note;
  EXPECT_NE(note.find("公示"), std::string::npos) << note;
  auto pub = server->client();
  EXPECT_NE(pub.get("/api/v1/public/rectifications?unit=H001").body.find("门诊导诊标识不清"), std::string::npos);
  ASSERT_EQ(h1.patch(path, {{"public", false}}).status, 200);
  EXPECT_EQ(pub.get("/api/v1/public/rectifications?unit=H001").body.find("门诊导诊标识不清"), std::string::npos);

  // Another hospital's admin does not see it at all; after closure nobody edits it.
  EXPECT_EQ(as("hosp2").patch(path, {{"deadline", "2099-05-01"}}).status, 404);
  ASSERT_EQ(act(h1, id, "cancel", {{"reason", "重复登记"}}).status, 200);
  auto closed = h1.patch(path, {{"deadline", "2099-05-01"}});
  EXPECT_EQ(closed.status, 409);
  EXPECT_EQ(closed.js()["error"]["code"], "invalid_state");
}

// The 责任人 picker reads the owner unit's staff through /api/v1/staff?node=: the owner's own
// staff, never another hospital's.
TEST_P(LedgerHttp, TheResponsiblePickerSeesOnlyTheOwnersStaff) {
  auto mine = as("dept").get("/api/v1/staff?node=" + node("H001-NK") + "&active=true&limit=20");
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto staff = mine.js()["items"];
  ASSERT_FALSE(staff.empty());
  for (auto& s : staff) EXPECT_EQ(s["node_name"], "内科") << s;
  EXPECT_EQ(as("hosp2").get("/api/v1/staff?node=" + node("H001-NK")).status, 403);
  EXPECT_EQ(as("dept").get("/api/v1/staff?node=" + node("H002")).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Db, LedgerHttp, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
