// Patient feedback over HTTP against a real `manyi serve` on each database: the public page
// and rating intake with bad inputs, duplicates, rate limits (429 + Retry-After) and the
// trusted-proxy network rules; integrity flags and the review queue; a 非常不满意 rating
// opening a bad-review case that the hospital's admin sees (and a sibling hospital does not);
// comments returned as stored text; points, posters, QR; forms editor; follow-up; exports.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "core/table_file.hpp"
#include "metrics/satisfaction.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"
#include "core/period.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const std::vector<std::string> kRelaxed = {"--rating-net-rate", "1000", "--rating-net-burst", "1000",
                                           "--rating-device-rate", "1000", "--rating-device-burst", "1000",
                                           "--public-rate", "1000", "--public-burst", "1000"};

// The UTF-8 file name of a Content-Disposition header (filename*=UTF-8''…), decoded.
std::string utf8_file_name(const std::string& cd) {
  auto at = cd.find("filename*=UTF-8''");
  if (at == std::string::npos) return "";
  std::string enc = cd.substr(at + 17), out;
  for (size_t i = 0; i < enc.size() && enc[i] != ';'; ++i)
    if (enc[i] == '%' && i + 2 < enc.size()) {
      out += static_cast<char>(std::stoi(enc.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += enc[i];
    }
  return out;
}

class FeedbackHttp : public DemoServerTest {
 protected:
  FeedbackHttp() { start_in_setup = false; }
  void start(std::vector<std::string> extra = kRelaxed) { DemoServerTest::start(std::move(extra)); }
  // A collection point of an org node (demo: every department has one).
  std::string point(const std::string& node_code, const std::string& template_code = "outpatient") {
    auto r = db->query("SELECT p.code FROM collection_points p JOIN org_nodes n ON n.id = p.node_id JOIN form_templates t "
                       "ON t.id = p.template_id WHERE n.code = ? AND t.code = ? ORDER BY p.id LIMIT 1",
                       {node_code, template_code});
    return r.empty() ? "" : r[0].str(0);
  }
  static std::string device(int i) { return "dev-test-" + std::to_string(100000 + i); }
  // The demo spans the two years up to today: the current year always has ratings.
  static std::string this_year() { return std::to_string(period::local_day(now_ms()) / 10000); }
  // A date well in the past of this year's demo data (for follow-up imports): 40 and 39 days ago.
  static std::string days_ago(int n) {
    int d = period::add_days(period::local_day(now_ms()), -n);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
    return buf;
  }
  json rating(const std::string& code, int overall, const std::string& dev, json extra = json::object()) {
    json j = {{"point", code}, {"overall", overall}, {"device", dev}, {"elapsed_ms", 12000}};
    for (auto& [k, v] : extra.items()) j[k] = v;
    return j;
  }
};

TEST_P(FeedbackHttp, BadInputsAreRefusedAndStoreNothing) {
  start();
  auto pub = server->client();
  std::string code = point("H001-NK");
  ASSERT_FALSE(code.empty());
  int64_t before = count("SELECT COUNT(*) FROM ratings");
  auto expect = [&](const std::string& body, int status, const std::string& field = "") {
    auto r = pub.request("POST", "/api/v1/public/ratings", body);
    EXPECT_EQ(r.status, status) << body.substr(0, 120) << " → " << r.body;
    if (!field.empty()) {
      EXPECT_EQ(r.js()["error"]["field"], field) << r.body;
    }
    EXPECT_TRUE(r.js().contains("error")) << r.body;
  };
  expect(json{{"point", "NOSUCHCODE"}, {"overall", 5}}.dump(), 404);
  expect(json{{"point", code}}.dump(), 422, "overall");
  expect(json{{"overall", 5}}.dump(), 422, "point");
  expect(json{{"point", code}, {"overall", 0}}.dump(), 422, "overall");
  expect(json{{"point", code}, {"overall", 6}}.dump(), 422, "overall");
  expect(json{{"point", code}, {"overall", 3.5}}.dump(), 422, "overall");
  expect(json{{"point", code}, {"overall", "5"}}.dump(), 422, "overall");
  expect(json{{"point", code}, {"overall", 5}, {"answers", {{"attitude", 9}}}}.dump(), 422, "answers.attitude");
  expect(json{{"point", code}, {"overall", 5}, {"answers", {{"no_such_item", 3}}}}.dump(), 422, "answers.no_such_item");
  expect(json{{"point", code}, {"overall", 5}, {"answers", {{"red_envelope", "perhaps"}}}}.dump(), 422, "answers.red_envelope");
  expect(json{{"point", code}, {"overall", 5}, {"comment", std::string(600, 'x')}}.dump(), 422, "comment");
  expect(json{{"point", code}, {"overall", 5}, {"phone", "call me"}}.dump(), 422, "phone");
  expect(json{{"point", code}, {"overall", 5}, {"device", "bad device!"}}.dump(), 422, "device");
  expect(json{{"point", code}, {"overall", 5}, {"channel", "followup"}}.dump(), 422, "channel");
  // A 20 KB comment is over the route's body limit.
  auto big = pub.request("POST", "/api/v1/public/ratings", json{{"point", code}, {"overall", 1}, {"comment", std::string(20 * 1024, 'a')}}.dump());
  EXPECT_EQ(big.status, 413) << big.body;
  // Invalid UTF-8 and broken JSON.
  expect("{\"point\":\"" + code + "\",\"overall\":5,\"comment\":\"\xff\xfe bad\"}", 400);
  expect("{\"point\":", 400);
  expect("[1,2,3]", 400);
  expect("", 400);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratings"), before);
  // Unknown points on the public read endpoint and page.
  EXPECT_EQ(pub.get("/api/v1/public/points/NOSUCHCODE").status, 404);
  EXPECT_EQ(pub.get("/f/NOSUCHCODE").status, 404);
}

TEST_P(FeedbackHttp, ScriptTagsAreStoredAndReturnedAsText) {
  start();
  auto pub = server->client();
  std::string code = point("H001-NK");
  std::string nasty = "<script>alert('x')</script> & <img src=x onerror=alert(1)> 医生很好";
  auto r = pub.post("/api/v1/public/ratings", rating(code, 4, device(1), {{"comment", nasty}}));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.js()["id"];
  auto admin = as("hosp1");
  auto list = admin.get("/api/v1/ratings/comments?node=" + node("H001") + "&limit=50");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_NE(list.headers["content-type"].find("application/json"), std::string::npos);
  bool found = false;
  auto list_js = list.js();  // keep the parsed body alive for the loop
  for (auto& it : list_js["items"])
    if (it["id"] == id) {
      found = true;
      EXPECT_EQ(it["comment"], nasty);  // exactly as typed; the console escapes when it renders
      EXPECT_EQ(it["overall_label"], "满意");
    }
  EXPECT_TRUE(found);
  // A point whose name carries markup is escaped on the printable poster.
  // (内科 has its outpatient point already: the second is confirmed.)
  auto p = admin.post("/api/v1/points",
                      {{"node_id", node("H001-NK")}, {"name", "<script>alert(2)</script>诊室"}, {"allow_duplicate", true}});
  ASSERT_EQ(p.status, 201) << p.body;
  auto poster = admin.get("/api/v1/points/" + p.js()["id"].get<std::string>() + "/poster");
  ASSERT_EQ(poster.status, 200);
  EXPECT_NE(poster.headers["content-type"].find("text/html"), std::string::npos);
  EXPECT_EQ(poster.body.find("<script>alert(2)"), std::string::npos);
  EXPECT_NE(poster.body.find("&lt;script&gt;alert(2)&lt;/script&gt;诊室"), std::string::npos);
  EXPECT_NE(poster.body.find("您的满意是我们的追求"), std::string::npos);
  // The mobile page inlines the point as JSON without a raw "</script>".
  auto page = pub.get("/f/" + p.js()["code"].get<std::string>());
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("<script>alert(2)"), std::string::npos);
  EXPECT_NE(page.body.find("\\u003cscript\\u003ealert(2)"), std::string::npos);
}

TEST_P(FeedbackHttp, SecondRatingFromTheSameDeviceIsRefusedPolitely) {
  start();
  auto pub = server->client();
  std::string code = point("H001-WK");
  ASSERT_EQ(pub.post("/api/v1/public/ratings", rating(code, 5, device(2))).status, 201);
  auto again = pub.post("/api/v1/public/ratings", rating(code, 1, device(2)));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.js()["error"]["code"], "already_rated");
  EXPECT_NE(again.js()["error"]["message"].get<std::string>().find("感谢"), std::string::npos);
  // Another point from the same device, or the same point from another device, is fine.
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(point("H001-EK"), 5, device(2))).status, 201);
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(code, 5, device(3))).status, 201);
}

TEST_P(FeedbackHttp, RateLimitsAnswer429WithRetryAfter) {
  start({"--rating-device-rate", "0.01", "--rating-device-burst", "2", "--rating-net-rate", "0.01", "--rating-net-burst",
         "5"});
  auto pub = server->client();
  std::vector<std::string> codes = {point("H001-NK"), point("H001-WK"), point("H001-EK"), point("H001-GK"),
                                    point("H001-YK"), point("H001-KQK")};
  // Per device: two, then 429.
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(codes[0], 4, device(10))).status, 201);
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(codes[1], 4, device(10))).status, 201);
  auto limited = pub.post("/api/v1/public/ratings", rating(codes[2], 4, device(10)));
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.js()["error"]["code"], "rate_limited");
  ASSERT_TRUE(limited.headers.count("retry-after"));
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // Per network: five requests in all from 127.0.0.0/24 (the 429 above counted), then 429
  // whatever the device.
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(codes[3], 4, device(11))).status, 201);
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(codes[4], 4, device(12))).status, 201);
  auto net = pub.post("/api/v1/public/ratings", rating(codes[5], 4, device(13)));
  EXPECT_EQ(net.status, 429);
  EXPECT_TRUE(net.headers.count("retry-after"));
}

TEST_P(FeedbackHttp, TrustedProxyDecidesWhichNetworkARatingComesFrom) {
  std::vector<std::string> codes = {point("H002-NK"), point("H002-WK"), point("H002-EK"), point("H002-GK")};
  auto post_from = [&](HttpClient& c, const std::string& code, int i, const std::string& xff) {
    return c.request("POST", "/api/v1/public/ratings", rating(code, 4, device(i)).dump(), {{"X-Forwarded-For", xff}});
  };
  {
    // Behind a trusted proxy: each client network has its own bucket, and the stored
    // rating carries the client's address.
    start({"--trusted-proxy", "127.0.0.1/32", "--rating-net-rate", "0.01", "--rating-net-burst", "2"});
    auto pub = server->client();
    EXPECT_EQ(post_from(pub, codes[0], 20, "198.51.100.7").status, 201);
    EXPECT_EQ(post_from(pub, codes[1], 21, "198.51.100.8").status, 201);
    EXPECT_EQ(post_from(pub, codes[2], 22, "198.51.100.9").status, 429);        // same /24
    EXPECT_EQ(post_from(pub, codes[2], 23, "203.0.113.5").status, 201);         // another network
    EXPECT_EQ(post_from(pub, codes[3], 24, "10.9.9.9, 203.0.113.6").status, 201);  // right-most untrusted hop
    EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = ? AND ip = '198.51.100.7' AND net = '198.51.100.0/24'",
                    {device(20)}),
              1);
    EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = ? AND net = '203.0.113.0/24'", {device(24)}), 1);
    server.reset();
  }
  {
    // Without --trusted-proxy the header is ignored: everything is 127.0.0.0/24.
    start({"--rating-net-rate", "0.01", "--rating-net-burst", "2"});
    auto pub = server->client();
    EXPECT_EQ(post_from(pub, codes[0], 30, "198.51.100.7").status, 201);
    EXPECT_EQ(post_from(pub, codes[1], 31, "203.0.113.8").status, 201);
    EXPECT_EQ(post_from(pub, codes[2], 32, "192.0.2.9").status, 429);
    EXPECT_EQ(count("SELECT COUNT(*) FROM ratings WHERE device = ? AND ip = '127.0.0.1' AND net = '127.0.0.0/24'",
                    {device(30)}),
              1);
  }
}

TEST_P(FeedbackHttp, VeryDissatisfiedRatingOpensABadReviewCaseForThatHospital) {
  start();
  auto pub = server->client();
  std::string code = point("H001-JZK");
  auto r = pub.post("/api/v1/public/ratings", rating(code, 1, device(40),
                                                     {{"comment", "急诊等了三个小时没人管"}, {"phone", "13912345678"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.js()["id"];
  auto h1 = as("hosp1");
  // The case is opened right after the rating is stored (the rater does not wait for it).
  auto detail = h1.get("/api/v1/ratings/" + id);
  for (int i = 0; i < 500 && detail.status == 200 && detail.js()["case_id"].is_null(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    detail = h1.get("/api/v1/ratings/" + id);
  }
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.js()["status"], "valid");
  EXPECT_EQ(detail.js()["overall_label"], "非常不满意");
  EXPECT_EQ(detail.js()["phone"], "139****5678");
  EXPECT_EQ(detail.body.find("13912345678"), std::string::npos);
  ASSERT_FALSE(detail.js()["case_id"].is_null()) << detail.body;
  EXPECT_EQ(detail.js()["case_pending"], false);
  std::string case_id = detail.js()["case_id"];
  auto kase = h1.get("/api/v1/cases/" + case_id);
  ASSERT_EQ(kase.status, 200) << kase.body;
  EXPECT_EQ(kase.js()["type"], "bad_review");
  EXPECT_EQ(kase.js()["source_rating_id"], id);
  EXPECT_NE(kase.body.find("急诊等了三个小时没人管"), std::string::npos);
  // It is in the hospital's case list, and invisible to the sibling hospital.
  auto list = h1.get("/api/v1/cases?type=bad_review&limit=100");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(case_id), std::string::npos);
  auto h2 = as("hosp2");
  EXPECT_NE(h2.get("/api/v1/cases/" + case_id).status, 200);
  EXPECT_EQ(h2.get("/api/v1/cases?type=bad_review&limit=500").body.find(case_id), std::string::npos);
  EXPECT_EQ(h2.get("/api/v1/ratings/" + id).status, 403);
  EXPECT_EQ(h2.get("/api/v1/ratings/comments?node=" + node("H001")).status, 403);
  EXPECT_EQ(h2.get("/api/v1/ratings/comments?limit=500").body.find(id), std::string::npos);
  // A satisfied rating opens nothing.
  auto ok = pub.post("/api/v1/public/ratings", rating(point("H001-YK"), 4, device(41)));
  ASSERT_EQ(ok.status, 201);
  std::string ok_id = ok.js()["id"];
  EXPECT_TRUE(h1.get("/api/v1/ratings/" + ok_id).js()["case_id"].is_null());

  // 差评工单 by hand, for a bad rating whose case could not be opened: a copy of the rating
  // without its case, as a failed opening leaves it.
  auto twice = h1.post("/api/v1/ratings/" + id + "/case", json::object());
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.js()["error"]["code"], "case_exists");
  const std::string cols =
      "point_id, node_id, unit_id, staff_id, template_id, form_version_id, channel, overall, answers, score, comment, "
      "phone_enc, phone_mask, device, ip, net, elapsed_ms, flags, day, created_at, entered_by";
  db->write([&](store::Tx& tx) {
    tx.exec("INSERT INTO ratings(id, status, case_id, case_pending, " + cols + ") SELECT id + 1, 'valid', NULL, 0, " +
                cols + " FROM ratings WHERE id = ?",
            {std::stoll(id)});
  });
  std::string orphan = std::to_string(std::stoll(id) + 1);
  auto bare = h1.get("/api/v1/ratings/" + orphan);
  ASSERT_EQ(bare.status, 200) << bare.body;
  EXPECT_TRUE(bare.js()["case_id"].is_null());
  EXPECT_EQ(bare.js()["case_pending"], false);
  EXPECT_EQ(h2.post("/api/v1/ratings/" + orphan + "/case", json::object()).status, 403);  // another hospital
  auto satisfied = h1.post("/api/v1/ratings/" + ok_id + "/case", json::object());
  EXPECT_EQ(satisfied.status, 422);
  EXPECT_EQ(satisfied.js()["error"]["field"], "overall");
  auto opened = h1.post("/api/v1/ratings/" + orphan + "/case", json::object());
  ASSERT_EQ(opened.status, 201) << opened.body;
  std::string hand_case = opened.js()["case_id"];
  EXPECT_NE(hand_case, case_id);
  EXPECT_EQ(h1.get("/api/v1/ratings/" + orphan).js()["case_id"], hand_case);
  auto hc = h1.get("/api/v1/cases/" + hand_case);
  ASSERT_EQ(hc.status, 200) << hc.body;
  EXPECT_EQ(hc.js()["type"], "bad_review");
  EXPECT_EQ(hc.js()["source_rating_id"], orphan);
  EXPECT_NE(hc.body.find("急诊等了三个小时没人管"), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.open' AND entity_id = ? AND user_id IS NOT NULL",
                  {std::stoll(hand_case)}),
            1);  // registered by the handler, audited
  EXPECT_EQ(h1.post("/api/v1/ratings/" + orphan + "/case", json::object()).js()["error"]["code"], "case_exists");
}

// The rater of a bad review who left a phone number gets the 查询码 of the case opened for it
// (in the background, after the rating commits) through the receipt of the 201 answer, and can
// track the case with it. A receipt cannot be forged for another rating, and a rating with no
// case for its rater (satisfied, or no phone number left) gives no code.
TEST_P(FeedbackHttp, BadReviewReceiptGivesItsRaterTheTrackingCode) {
  start();
  auto pub = server->client();
  std::string code = point("H001-JZK");
  auto r = pub.post("/api/v1/public/ratings", rating(code, 1, device(45), {{"comment", "挂号排队太久"}, {"phone", "13912340017"}}));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string id = r.js()["id"], receipt = r.js()["receipt"];
  ASSERT_EQ(receipt.rfind(id + ".", 0), 0u) << receipt;
  auto asked = pub.get("/api/v1/public/receipts/" + receipt);
  for (int i = 0; i < 500 && asked.status == 200 && asked.js()["state"] == "pending"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    asked = pub.get("/api/v1/public/receipts/" + receipt);
  }
  ASSERT_EQ(asked.status, 200) << asked.body;
  ASSERT_EQ(asked.js()["state"], "ready") << asked.body;
  auto rows = db->query("SELECT c.tracking_code FROM ratings r JOIN cases c ON c.id = r.case_id WHERE r.id = ?",
                        {std::stoll(id)});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(asked.js()["tracking_code"], rows[0].str(0));
  EXPECT_EQ(asked.headers["cache-control"], "no-store");
  // The code opens the tracking page's case with the phone number's last four digits.
  std::string tc = asked.js()["tracking_code"];
  auto tracked = pub.get("/api/v1/public/cases/" + tc + "?phone_last4=0017");
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  EXPECT_EQ(tracked.js()["tracking_code"], tc);

  // Forged, altered or malformed receipts: 404 receipt_not_found, nothing revealed.
  std::string mac = receipt.substr(receipt.find('.') + 1);
  std::string altered = receipt;
  altered.back() = altered.back() == '0' ? '1' : '0';
  auto other = pub.post("/api/v1/public/ratings", rating(code, 2, device(46), {{"phone", "13912340018"}}));
  ASSERT_EQ(other.status, 201);
  std::string other_id = other.js()["id"];
  for (std::string bad : {altered, other_id + "." + mac, std::to_string(std::stoll(id) + 1) + "." + mac, id,
                          id + ".", "." + mac, std::string("abc.def"), std::string(70, '1') + "." + mac}) {
    auto x = pub.get("/api/v1/public/receipts/" + bad);
    EXPECT_EQ(x.status, 404) << bad << " → " << x.body;
    EXPECT_EQ(x.js()["error"]["code"], "receipt_not_found") << bad;
    EXPECT_EQ(x.body.find(tc), std::string::npos);
  }
  // No case for the rater to track: a satisfied rating, a bad one without a phone number.
  for (auto [overall, extra] : std::vector<std::pair<int, json>>{{5, {{"phone", "13912340019"}}}, {1, json::object()}}) {
    auto x = pub.post("/api/v1/public/ratings", rating(code, overall, device(47 + overall), extra));
    ASSERT_EQ(x.status, 201) << x.body;
    std::string rid = x.js()["id"];
    if (overall == 1)  // its case is opened all the same, for the hospital
      for (int i = 0; i < 500 && count("SELECT COUNT(*) FROM ratings WHERE id = ? AND case_id IS NOT NULL", {std::stoll(rid)}) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto k = pub.get("/api/v1/public/receipts/" + std::string(x.js()["receipt"]));
    ASSERT_EQ(k.status, 200) << k.body;
    EXPECT_EQ(k.js()["state"], "none") << k.body;
    EXPECT_FALSE(k.js().contains("tracking_code")) << k.body;
  }
}

TEST_P(FeedbackHttp, SuspectRatingsWaitForReviewAndCountOnlyWhenAccepted) {
  start();
  auto pub = server->client();
  std::string code = point("H001-XNK");
  auto h1 = as("hosp1");
  std::string dept = node("H001-XNK");
  auto n_of = [&] {
    auto d = h1.get("/api/v1/satisfaction/dashboard?node=" + dept);
    EXPECT_EQ(d.status, 200) << d.body;
    return d.js()["overall"]["n"].get<int64_t>();
  };
  int64_t n0 = n_of();
  // No timing at all: held as suspect (no_timing). The public answer does not say so.
  auto r = pub.post("/api/v1/public/ratings", {{"point", code}, {"overall", 5}, {"device", device(50)}});
  ASSERT_EQ(r.status, 201);
  std::string id = r.js()["id"];
  EXPECT_EQ(r.body.find("suspect"), std::string::npos);
  auto d = h1.get("/api/v1/ratings/" + id).js();
  EXPECT_EQ(d["status"], "suspect");
  EXPECT_EQ(d["flags"][0], "no_timing");
  EXPECT_EQ(n_of(), n0);  // excluded from the figures
  auto queue = h1.get("/api/v1/ratings/reviews?node=" + dept);
  ASSERT_EQ(queue.status, 200);
  EXPECT_NE(queue.body.find(id), std::string::npos);
  // The sibling hospital can neither see nor decide it; a reason is required.
  auto h2 = as("hosp2");
  EXPECT_EQ(h2.post("/api/v1/ratings/" + id + "/review", {{"decision", "accept"}, {"reason", "核实无误"}}).status, 403);
  EXPECT_EQ(h2.get("/api/v1/ratings/reviews?limit=500").body.find(id), std::string::npos);
  EXPECT_EQ(h1.post("/api/v1/ratings/" + id + "/review", {{"decision", "accept"}}).status, 422);
  EXPECT_EQ(h1.post("/api/v1/ratings/" + id + "/review", {{"decision", "maybe"}, {"reason", "xx"}}).status, 422);
  auto acc = h1.post("/api/v1/ratings/" + id + "/review", {{"decision", "accept"}, {"reason", "电话核实为真实患者"}});
  ASSERT_EQ(acc.status, 200) << acc.body;
  EXPECT_EQ(acc.js()["status"], "valid");
  EXPECT_EQ(n_of(), n0 + 1);
  EXPECT_EQ(h1.post("/api/v1/ratings/" + id + "/review", {{"decision", "accept"}, {"reason", "again"}}).status, 409);
  // An appeal (申诉) upheld takes a valid rating out again.
  auto rej = h1.post("/api/v1/ratings/" + id + "/review", {{"decision", "reject"}, {"reason", "恶意评价，申诉成立"}});
  ASSERT_EQ(rej.status, 200) << rej.body;
  EXPECT_EQ(rej.js()["status"], "rejected");
  EXPECT_EQ(n_of(), n0);
  // Both decisions are in the audit log with their reasons.
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE entity = 'rating' AND entity_id = ? AND action IN "
                  "('feedback.rating.accept', 'feedback.rating.reject')",
                  {std::stoll(id)}),
            2);
  // Server-measured time: a ticket from the page followed by an instant submit is too fast,
  // whatever elapsed_ms the client claims.
  auto pt = pub.get("/api/v1/public/points/" + code);
  ASSERT_EQ(pt.status, 200);
  auto fast = pub.post("/api/v1/public/ratings", {{"point", code}, {"overall", 5}, {"device", device(51)},
                                                  {"elapsed_ms", 60000}, {"ticket", pt.js()["ticket"]}});
  ASSERT_EQ(fast.status, 201);
  auto fd = h1.get("/api/v1/ratings/" + fast.js()["id"].get<std::string>()).js();
  EXPECT_EQ(fd["status"], "suspect");
  EXPECT_EQ(fd["flags"][0], "too_fast");
  // A forged ticket is ignored (the client's time is used).
  auto forged = pub.post("/api/v1/public/ratings", {{"point", code}, {"overall", 4}, {"device", device(52)},
                                                    {"elapsed_ms", 30000}, {"ticket", "1.0000"}});
  ASSERT_EQ(forged.status, 201);
  EXPECT_EQ(h1.get("/api/v1/ratings/" + forged.js()["id"].get<std::string>()).js()["status"], "valid");
}

TEST_P(FeedbackHttp, RatingsFromAStaffDeviceAreSuspect) {
  start();
  auto pub = server->client();
  auto staff = as("staff");
  EXPECT_EQ(staff.post("/api/v1/devices/mark", {{"device", device(60)}}).status, 204);
  EXPECT_EQ(staff.post("/api/v1/devices/mark", {{"device", "x"}}).status, 422);
  auto own = pub.post("/api/v1/public/ratings", rating(point("H001-NK"), 5, device(60)));
  ASSERT_EQ(own.status, 201);
  auto other = pub.post("/api/v1/public/ratings", rating(point("H001-NK"), 5, device(61)));
  ASSERT_EQ(other.status, 201);
  auto h1 = as("hosp1");
  auto a = h1.get("/api/v1/ratings/" + own.js()["id"].get<std::string>()).js();
  EXPECT_EQ(a["status"], "suspect");
  EXPECT_EQ(a["flags"][0], "staff_device");
  EXPECT_EQ(h1.get("/api/v1/ratings/" + other.js()["id"].get<std::string>()).js()["status"], "valid");
  // Marking needs a session.
  EXPECT_EQ(pub.post("/api/v1/devices/mark", {{"device", device(62)}}).status, 401);
}

TEST_P(FeedbackHttp, PublicPageIsSmallAndCarriesThePoint) {
  start();
  auto pub = server->client();
  std::string code = point("H001-SFC-1", "window");
  ASSERT_FALSE(code.empty());
  auto page = pub.request("GET", "/f/" + code, "", {{"Accept-Encoding", "gzip"}});
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-encoding"], "gzip");
  EXPECT_LT(page.body.size(), 30u * 1024);  // first view, gzipped
  EXPECT_NE(page.headers["content-security-policy"].find("default-src 'none'"), std::string::npos);
  auto plain = pub.get("/f/" + code);
  EXPECT_NE(plain.body.find(code), std::string::npos);
  EXPECT_NE(plain.body.find("收费窗口1"), std::string::npos);
  auto info = pub.get("/api/v1/public/points/" + code);
  ASSERT_EQ(info.status, 200);
  EXPECT_EQ(info.js()["unit_name"], "市第一人民医院");
  EXPECT_EQ(info.js()["survey"]["name"], "窗口服务好差评");
  EXPECT_EQ(info.js()["survey"]["levels"][0], "非常不满意");
  EXPECT_FALSE(info.js()["ticket"].get<std::string>().empty());
  EXPECT_EQ(info.body.find("points\""), std::string::npos);  // no scoring internals
  // Codes are case-insensitive (typed from the poster).
  std::string lower = code;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(pub.get("/api/v1/public/points/" + lower).status, 200);
}

TEST_P(FeedbackHttp, PointsQrAndPostersWithinTheUnit) {
  start();
  auto h1 = as("hosp1");
  // The department already has its outpatient point: a second one is made only when confirmed
  // (DuplicatePointIsRefusedUntilConfirmed).
  auto made = h1.post("/api/v1/points", {{"node_id", node("H001-YK")}, {"name", "眼科诊室3"}, {"allow_duplicate", true}});
  ASSERT_EQ(made.status, 201) << made.body;
  auto p = made.js();
  EXPECT_EQ(p["code"].get<std::string>().size(), 10u);
  EXPECT_EQ(p["template_name"], "门诊患者满意度");
  EXPECT_EQ(p["unit_name"], "市第一人民医院");
  std::string id = p["id"];
  // A staff member's own point.
  auto sid = db->query("SELECT id FROM staff WHERE node_id = ? LIMIT 1", {std::stoll(node("H001-YK"))})[0].str(0);
  auto staffp = h1.post("/api/v1/points", {{"staff_id", sid}});
  ASSERT_EQ(staffp.status, 201) << staffp.body;
  EXPECT_FALSE(staffp.js()["staff_name"].get<std::string>().empty());
  // Not in another hospital.
  EXPECT_EQ(h1.post("/api/v1/points", {{"node_id", node("H002-YK")}}).status, 403);
  auto h2 = as("hosp2");
  EXPECT_EQ(h2.get("/api/v1/points/" + id).status, 403);
  EXPECT_EQ(h2.request("PATCH", "/api/v1/points/" + id, json{{"active", false}}.dump()).status, 403);
  auto svg = h1.get("/api/v1/points/" + id + "/qr.svg");
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.headers["content-type"], "image/svg+xml");
  EXPECT_EQ(svg.body.rfind("<svg", 0), 0u);
  auto png = h1.get("/api/v1/points/" + id + "/qr.png?scale=4");
  ASSERT_EQ(png.status, 200);
  EXPECT_EQ(png.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(h1.get("/api/v1/points/" + id + "/qr.png?scale=99").status, 422);
  auto batch = h1.get("/api/v1/points/posters?node=" + node("H001-YK"));
  ASSERT_EQ(batch.status, 200);
  EXPECT_NE(batch.body.find("眼科诊室3"), std::string::npos);
  EXPECT_NE(batch.body.find("<svg"), std::string::npos);
  EXPECT_EQ(h1.get("/api/v1/points/posters?node=" + node("H002")).status, 403);
  // Switched off: the public page no longer takes ratings.
  ASSERT_EQ(h1.request("PATCH", "/api/v1/points/" + id, json{{"active", false}}.dump()).status, 200);
  auto pub = server->client();
  EXPECT_EQ(pub.post("/api/v1/public/ratings", rating(p["code"], 5, device(70))).status, 404);
  auto list = h1.get("/api/v1/points?node=" + node("H001-YK"));
  ASSERT_EQ(list.status, 200);
  EXPECT_GE(list.js()["items"].size(), 3u);
}

TEST_P(FeedbackHttp, DuplicatePointIsRefusedUntilConfirmed) {
  start();
  auto h1 = as("hosp1");
  int64_t before = count("SELECT COUNT(*) FROM collection_points");
  // 内科 already has an active outpatient point (demo).
  auto dup = h1.post("/api/v1/points", {{"node_id", node("H001-NK")}});
  ASSERT_EQ(dup.status, 409) << dup.body;
  EXPECT_EQ(dup.js()["error"]["code"], "duplicate_point");
  EXPECT_EQ(dup.js()["error"]["field"], "node_id");
  EXPECT_EQ(count("SELECT COUNT(*) FROM collection_points"), before);
  // Confirmed: made.
  auto ok = h1.post("/api/v1/points", {{"node_id", node("H001-NK")}, {"allow_duplicate", true}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  // Another survey on the same department is another place in the figures: no confirmation.
  auto staff_tpl = db->query("SELECT id FROM form_templates WHERE code = 'staff'")[0].str(0);
  EXPECT_EQ(h1.post("/api/v1/points", {{"node_id", node("H001-NK")}, {"template_id", staff_tpl}}).status, 201);
  // A staff member's point: the second for the same person names the staff field.
  auto sid = db->query("SELECT id FROM staff WHERE node_id = ? ORDER BY id LIMIT 1", {std::stoll(node("H001-WK"))})[0].str(0);
  ASSERT_EQ(h1.post("/api/v1/points", {{"staff_id", sid}}).status, 201);
  auto again = h1.post("/api/v1/points", {{"staff_id", sid}});
  ASSERT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.js()["error"]["field"], "staff_id");
}

TEST_P(FeedbackHttp, AttachTemplateToAllPointsOfAUnitAtOnce) {
  start();
  auto h1 = as("hosp1");
  std::string outpatient = db->query("SELECT id FROM form_templates WHERE code = 'outpatient'")[0].str(0);
  auto copy = h1.post("/api/v1/forms/templates/" + outpatient + "/copy", {{"node_id", node("H001")}, {"name", "一院门诊满意度"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  std::string cid = copy.js()["id"];
  int64_t h1_path_points = count(
      "SELECT COUNT(*) FROM collection_points p JOIN org_nodes n ON n.id = p.node_id JOIN org_nodes u ON u.id = p.unit_id "
      "WHERE u.code = 'H001' AND n.kind = 'department' AND p.staff_id IS NULL");
  ASSERT_GT(h1_path_points, 2);
  int64_t h2_before = count("SELECT COUNT(*) FROM collection_points p JOIN org_nodes u ON u.id = p.unit_id WHERE u.code = 'H002' "
                            "AND p.template_id = ?", {std::stoll(cid)});
  // Not another unit's node, not another unit's template.
  EXPECT_EQ(as("hosp2").post("/api/v1/points/template", {{"node_id", node("H001")}, {"template_id", cid}}).status, 403);
  auto foreign = as("bureau").post("/api/v1/points/template", {{"node_id", node("H002")}, {"template_id", cid}});
  EXPECT_EQ(foreign.status, 422) << foreign.body;
  EXPECT_EQ(foreign.js()["error"]["field"], "template_id");
  auto bad = h1.post("/api/v1/points/template", {{"node_id", node("H001")}, {"template_id", cid}, {"kind", "ward"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "kind");
  // Every department point of the unit, in one action.
  auto r = h1.post("/api/v1/points/template", {{"node_id", node("H001")}, {"template_id", cid}, {"kind", "department"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.js()["updated"], h1_path_points);
  EXPECT_EQ(count("SELECT COUNT(*) FROM collection_points p JOIN org_nodes n ON n.id = p.node_id JOIN org_nodes u ON u.id = "
                  "p.unit_id WHERE u.code = 'H001' AND n.kind = 'department' AND p.staff_id IS NULL AND p.template_id = ?",
                  {std::stoll(cid)}),
            h1_path_points);
  EXPECT_EQ(count("SELECT COUNT(*) FROM collection_points p JOIN org_nodes u ON u.id = p.unit_id WHERE u.code = 'H002' AND "
                  "p.template_id = ?", {std::stoll(cid)}),
            h2_before);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.point.attach_template'"), 1);
  // The points' public pages serve the new survey at once.
  auto code = point("H001-NK", "outpatient");
  EXPECT_TRUE(code.empty());  // none left on the shipped template
  auto list = h1.get("/api/v1/points?node=" + node("H001-NK")).js();
  bool seen = false;
  for (auto& p : list["items"])
    if (p["template_id"] == cid) {
      seen = true;
      EXPECT_EQ(p["template_version"], 1);
      EXPECT_EQ(server->client().get("/api/v1/public/points/" + p["code"].get<std::string>()).js()["survey"]["name"],
                "一院门诊满意度");
    }
  EXPECT_TRUE(seen);
}

TEST_P(FeedbackHttp, PublicAddressIsTheBureausSettingAndPostersWarn) {
  start();
  auto h1 = as("hosp1");
  auto bureau = as("bureau");
  std::string pid = h1.get("/api/v1/points?node=" + node("H001-NK")).js()["items"][0]["id"];
  // Not set: the console's own address, and a loud warning on the page and every poster.
  auto list = h1.get("/api/v1/points?node=" + node("H001-NK")).js();
  EXPECT_EQ(list["address"]["source"], "request");
  EXPECT_EQ(list["address"]["warning"], "not_set");
  auto poster = h1.get("/api/v1/points/" + pid + "/poster");
  ASSERT_EQ(poster.status, 200);
  EXPECT_NE(poster.body.find("data-warning=\"not_set\""), std::string::npos);
  EXPECT_NE(poster.body.find("尚未设置二维码公网地址"), std::string::npos);
  // Only the bureau sets it; a malformed address names the field.
  EXPECT_EQ(h1.request("PUT", "/api/v1/settings/public-url", json{{"url", "https://evil.example.com"}}.dump()).status, 403);
  auto bad = bureau.request("PUT", "/api/v1/settings/public-url", json{{"url", "ftp://x y"}}.dump());
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.js()["error"]["field"], "url");
  auto set = bureau.request("PUT", "/api/v1/settings/public-url", json{{"url", "https://manyi.example.gov.cn/"}}.dump());
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.js()["url"], "https://manyi.example.gov.cn");
  EXPECT_EQ(set.js()["source"], "setting");
  EXPECT_EQ(set.js()["warning"], "");
  list = h1.get("/api/v1/points?node=" + node("H001-NK")).js();
  EXPECT_EQ(list["items"][0]["url"].get<std::string>().rfind("https://manyi.example.gov.cn/f/", 0), 0u);
  poster = h1.get("/api/v1/points/" + pid + "/poster");
  EXPECT_EQ(poster.body.find("data-warning"), std::string::npos);
  EXPECT_NE(poster.body.find("https://manyi.example.gov.cn/f/"), std::string::npos);
  // An intranet address is kept but still warned about.
  ASSERT_EQ(bureau.request("PUT", "/api/v1/settings/public-url", json{{"url", "http://192.168.10.5:8080"}}.dump()).status, 200);
  EXPECT_EQ(h1.get("/api/v1/settings/public-url").js()["warning"], "private");
  EXPECT_NE(h1.get("/api/v1/points/posters?node=" + node("H001-NK")).body.find("data-warning=\"private\""), std::string::npos);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'settings.public_url'"), 2);
  // MANYI_PUBLIC_URL / --public-url override the setting.
  start({"--public-url", "https://override.example.cn"});
  auto over = as("hosp1").get("/api/v1/settings/public-url").js();
  EXPECT_EQ(over["source"], "config");
  EXPECT_EQ(over["url"], "https://override.example.cn");
  EXPECT_EQ(over["stored"], "http://192.168.10.5:8080");
}

TEST_P(FeedbackHttp, PostersOfStaffAndOfTheWholeUnit) {
  start();
  auto h1 = as("hosp1");
  auto st = db->query("SELECT id, name, title, employee_no FROM staff WHERE node_id = ? AND title <> '' ORDER BY id LIMIT 1",
                      {std::stoll(node("H001-EK"))});
  ASSERT_FALSE(st.empty());
  auto made = h1.post("/api/v1/points", {{"staff_id", st[0].str(0)}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.js()["staff_title"], st[0].str(2));
  EXPECT_EQ(made.js()["staff_no"], st[0].str(3));
  auto poster = h1.get("/api/v1/points/" + made.js()["id"].get<std::string>() + "/poster").body;
  EXPECT_NE(poster.find("职称：" + st[0].str(2)), std::string::npos) << poster.substr(0, 3000);
  EXPECT_NE(poster.find("工号：" + st[0].str(3)), std::string::npos);
  // A staff point with its own name still says who it is for.
  auto other = db->query("SELECT id, name FROM staff WHERE node_id = ? AND id <> ? ORDER BY id LIMIT 1",
                         {std::stoll(node("H001-EK")), st[0].i64(0)});
  ASSERT_FALSE(other.empty());
  auto named = h1.post("/api/v1/points", {{"staff_id", other[0].str(0)}, {"name", "专家门诊"}});
  ASSERT_EQ(named.status, 201) << named.body;
  auto np = h1.get("/api/v1/points/" + named.js()["id"].get<std::string>() + "/poster").body;
  EXPECT_NE(np.find("data-staff>" + other[0].str(1) + " · 儿科 · "), std::string::npos) << np.substr(0, 3000);
  // 本单位: every department of the hospital, whatever node the page was filtered to.
  std::string nk = point("H001-NK"), yk = point("H001-YK");
  auto only = h1.get("/api/v1/points/posters?node=" + node("H001-YK")).body;
  EXPECT_NE(only.find(yk), std::string::npos);
  EXPECT_EQ(only.find(nk), std::string::npos);
  auto whole = h1.get("/api/v1/points/posters?node=" + node("H001-YK") + "&whole_unit=1");
  ASSERT_EQ(whole.status, 200);
  EXPECT_NE(whole.body.find(nk), std::string::npos);
  EXPECT_NE(whole.body.find(yk), std::string::npos);
  EXPECT_NE(whole.body.find("<title>市第一人民医院 评价二维码"), std::string::npos);
  EXPECT_EQ(whole.body.find(point("H002-NK")), std::string::npos);
  // A department head's 本单位 is what they may read: their department only.
  auto dept = as("dept").get("/api/v1/points/posters?node=" + node("H001-NK") + "&whole_unit=1");
  ASSERT_EQ(dept.status, 200);
  EXPECT_NE(dept.body.find(nk), std::string::npos);
  EXPECT_EQ(dept.body.find(yk), std::string::npos);
  EXPECT_EQ(as("hosp2").get("/api/v1/points/posters?node=" + node("H001-NK") + "&whole_unit=1").status, 403);
  EXPECT_EQ(h1.get("/api/v1/points/posters?node=" + node("H001-NK") + "&whole_unit=yes").status, 422);
}

TEST_P(FeedbackHttp, EveryQuestionHasItsDistribution) {
  start();
  auto h1 = as("hosp1");
  std::string outpatient = db->query("SELECT id FROM form_templates WHERE code = 'outpatient'")[0].str(0);
  auto copy = h1.post("/api/v1/forms/templates/" + outpatient + "/copy", {{"node_id", node("H001")}, {"name", "一院门诊"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  std::string cid = copy.js()["id"];
  auto def = h1.get("/api/v1/forms/templates/" + cid).js()["draft"];
  def["sections"][0]["items"].push_back({{"id", "found"},
                                         {"type", "single"},
                                         {"label", "您是怎样找到诊室的"},
                                         {"options", {{{"value", "sign"}, {"label", "看指示牌"}}, {{"value", "ask"}, {"label", "问导诊"}}}}});
  ASSERT_EQ(h1.request("PUT", "/api/v1/forms/templates/" + cid + "/draft", json{{"definition", def}}.dump()).status, 200);
  ASSERT_EQ(h1.post("/api/v1/forms/templates/" + cid + "/publish", json::object()).status, 201);
  auto p = h1.post("/api/v1/points", {{"node_id", node("H001-NK")}, {"template_id", cid}});
  ASSERT_EQ(p.status, 201) << p.body;
  auto pub = server->client();
  std::string rid;
  const char* picks[] = {"sign", "sign", "ask"};
  for (int i = 0; i < 3; ++i) {
    auto r = pub.post("/api/v1/public/ratings", rating(p.js()["code"], 4, device(90 + i), {{"answers", {{"found", picks[i]}}}}));
    ASSERT_EQ(r.status, 201) << r.body;
    rid = r.js()["id"];
  }
  auto q = h1.get("/api/v1/satisfaction/questions?node=" + node("H001") + "&template=" + cid + "&period=year&year=" + this_year());
  ASSERT_EQ(q.status, 200) << q.body;
  auto qj = q.js();
  EXPECT_EQ(qj["n"], 3);
  EXPECT_EQ(qj["template"]["current_version"], 2);
  ASSERT_EQ(qj["versions"].size(), 1u);
  EXPECT_EQ(qj["versions"][0]["version"], 2);
  bool found = false;
  for (auto& it : qj["items"])
    if (it["label"] == "您是怎样找到诊室的") {
      found = true;
      EXPECT_EQ(it["type"], "single");
      EXPECT_EQ(it["answered"], 3);
      ASSERT_EQ(it["options"].size(), 2u);
      EXPECT_EQ(it["options"][0]["label"], "看指示牌");
      EXPECT_EQ(it["options"][0]["n"], 2);
      EXPECT_EQ(it["options"][1]["n"], 1);
    } else if (it["type"] == "rating") {
      EXPECT_EQ(it["options"].size(), 5u);  // by level, 非常满意 first
      EXPECT_EQ(it["options"][0]["label"], "非常满意");
    }
  EXPECT_TRUE(found) << q.body.substr(0, 500);
  // The template must be named; the other hospital sees neither the node nor the template.
  auto none = h1.get("/api/v1/satisfaction/questions?node=" + node("H001"));
  EXPECT_EQ(none.status, 422);
  EXPECT_EQ(none.js()["error"]["field"], "template");
  EXPECT_EQ(as("hosp2").get("/api/v1/satisfaction/questions?node=" + node("H001") + "&template=" + cid).status, 403);
  EXPECT_EQ(as("hosp2").get("/api/v1/satisfaction/questions?node=" + node("H002") + "&template=" + cid).status, 422);
  // The dashboard names the survey's version; the rating shows its score's scale.
  auto d = h1.get("/api/v1/satisfaction/dashboard?node=" + node("H001") + "&template=" + cid + "&period=year&year=" + this_year());
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.js()["template"]["current_version"], 2);
  auto rd = h1.get("/api/v1/ratings/" + rid).js();
  EXPECT_EQ(rd["score_max"], 100);
}

// A bad review's category comes from what the patient said — the comment, else the dimensions
// rated lowest — never from the header that names the unit and the point: a bare 不满意 on a
// 收费窗口 is not a charges complaint, and one at a 卫生院 is not about hygiene.
TEST_P(FeedbackHttp, BadReviewCategoryComesFromWhatThePatientSaid) {
  start();
  auto h = as("handler");
  std::string window = point("H001-SFC-1", "window");
  ASSERT_FALSE(window.empty());
  auto category_of = [&](const json& body) {
    auto r = h.post("/api/v1/ratings", body);
    EXPECT_EQ(r.status, 201) << r.body;
    auto id = r.js()["case_id"];
    if (!id.is_string()) return std::string("(no case) ") + r.body;
    return db->query("SELECT category FROM cases WHERE id = ?", {std::stoll(id.get<std::string>())})[0].str(0);
  };
  EXPECT_EQ(category_of({{"point", window}, {"channel", "opinion_box"}, {"overall", 1}}), "other");
  EXPECT_EQ(category_of({{"point", window}, {"channel", "opinion_box"}, {"overall", 2}, {"comment", "窗口的人态度很差，问两句就不耐烦"}}),
            "attitude");
  EXPECT_EQ(category_of({{"point", window}, {"channel", "opinion_box"}, {"overall", 1},
                         {"answers", {{"efficiency", 1}, {"attitude", 4}, {"service_level", 3}}}}),
            "waiting");
}

TEST_P(FeedbackHttp, ConsoleEntryRecordsTheChannel) {
  start();
  auto h = as("handler");
  std::string code = point("H001-FCK");
  auto r = h.post("/api/v1/ratings", {{"point", code}, {"channel", "opinion_box"}, {"overall", 2},
                                      {"comment", "意见箱：产房陪护规定不合理"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(r.js()["case_id"].is_null());  // 不满意 opens a case here too
  EXPECT_EQ(h.post("/api/v1/ratings", {{"point", code}, {"channel", "qr"}, {"overall", 5}}).status, 422);
  auto other = point("H002-FCK");
  EXPECT_EQ(h.post("/api/v1/ratings", {{"point", other}, {"channel", "kiosk"}, {"overall", 5}}).status, 403);
  auto list = as("hosp1").get("/api/v1/ratings/comments?channel=opinion_box&score=1,2&q=" + std::string("%E9%99%AA%E6%8A%A4"));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.js()["items"].size(), 1u) << list.body;
  EXPECT_EQ(list.js()["items"][0]["channel_label"], "意见箱");
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.rating.enter' AND entity_id = ?",
                  {std::stoll(r.js()["id"].get<std::string>())}),
            1);
}

TEST_P(FeedbackHttp, DashboardRankingTargetsAndExports) {
  start();
  auto bureau = as("bureau");
  auto d = bureau.get("/api/v1/satisfaction/dashboard?period=year&year=" + this_year() + "&min_n=30");
  ASSERT_EQ(d.status, 200) << d.body;
  auto j = d.js();
  EXPECT_GT(j["overall"]["n"].get<int64_t>(), 0);
  EXPECT_DOUBLE_EQ(j["overall"]["target"].get<double>(), 0.9);
  EXPECT_EQ(j["trend"].size(), 12u);
  EXPECT_GT(j["ranking"]["items"].size(), 0u);
  EXPECT_EQ(j["ranking"]["min_n"], 30);
  // Within each group of like units, ranked entries come first, ordered by the interval's lower
  // bound (the flat order used to span all children; the ranking is now per group).
  double prev = 2;
  bool unranked_seen = false;
  std::string group;
  for (auto& it : j["ranking"]["items"]) {
    if (it["group"] != group) {
      group = it["group"];
      prev = 2;
      unranked_seen = false;
    }
    if (!it["ranked"].get<bool>()) {
      unranked_seen = true;
      EXPECT_LT(it["n"].get<int64_t>(), 30);
      continue;
    }
    EXPECT_FALSE(unranked_seen);
    EXPECT_LE(it["ci_low"].get<double>(), prev);
    prev = it["ci_low"].get<double>();
  }
  // A window unit's default target is 85%; targets set from above.
  auto h1 = as("hosp1");
  auto t = h1.get("/api/v1/satisfaction/targets?node=" + node("H001-SFC"));
  ASSERT_EQ(t.status, 200);
  EXPECT_DOUBLE_EQ(t.js()["items"][0]["target"].get<double>(), 0.85);
  EXPECT_EQ(h1.request("PUT", "/api/v1/satisfaction/targets/" + node("H001-NK"), json{{"target", 0.95}}.dump()).status, 200);
  EXPECT_DOUBLE_EQ(h1.get("/api/v1/satisfaction/targets?node=" + node("H001-NK")).js()["items"][0]["target"].get<double>(), 0.95);
  // The ranking carries the same targets (computed in bulk there).
  auto rk = h1.get("/api/v1/satisfaction/ranking?node=" + node("H001") + "&min_n=1&period=year&year=" + this_year());
  ASSERT_EQ(rk.status, 200) << rk.body;
  auto rk_js = rk.js();
  int checked = 0;
  for (auto& it : rk_js["items"]) {
    std::map<std::string, double> want = {{"收费处", 0.85}, {"内科", 0.95}, {"外科", 0.90}};
    auto w = want.find(it["name"].get<std::string>());
    if (w == want.end()) continue;
    EXPECT_DOUBLE_EQ(it["target"].get<double>(), w->second) << w->first;
    ++checked;
  }
  EXPECT_EQ(checked, 3) << rk.body.substr(0, 400);
  EXPECT_EQ(h1.request("PUT", "/api/v1/satisfaction/targets/" + node("H001"), json{{"target", 0.5}}.dump()).status, 403);
  EXPECT_EQ(h1.request("PUT", "/api/v1/satisfaction/targets/" + node("H001-NK"), json{{"target", 1.5}}.dump()).status, 422);
  // Scope: a hospital sees its own dashboard only.
  EXPECT_EQ(h1.get("/api/v1/satisfaction/dashboard?node=" + node("H002")).status, 403);
  EXPECT_EQ(h1.get("/api/v1/satisfaction/dashboard?month=2026-13").status, 422);
  // Exports.
  auto x = bureau.get("/api/v1/satisfaction/ranking.xlsx?period=year&year=" + this_year());
  ASSERT_EQ(x.status, 200);
  EXPECT_EQ(x.body.substr(0, 2), "PK");
  auto cx = h1.get("/api/v1/ratings/comments.xlsx?period=year&year=" + this_year());
  ASSERT_EQ(cx.status, 200) << cx.body.substr(0, 200);
  EXPECT_EQ(cx.body.substr(0, 2), "PK");
  EXPECT_EQ(as("handler").get("/api/v1/ratings/comments.xlsx").status, 403);  // no report.read
}

// The default dashboard is one survey's figures (the patient survey): never the staff survey's
// dimensions (薪酬待遇, 职业发展) or its answers. Several surveys only when picked, each dimension
// labelled with its survey; a code two surveys share (environment) is not summed across them.
TEST_P(FeedbackHttp, DashboardShowsOneSurveyUnlessSeveralArePicked) {
  start();
  auto bureau = as("bureau");
  std::string q = "/api/v1/satisfaction/dashboard?period=year&year=" + this_year() + "&min_n=30";
  auto tid = [&](const char* code) {
    return std::to_string(db->query("SELECT id FROM form_templates WHERE code = ?", {std::string(code)})[0].i64(0));
  };
  std::string outpatient = tid("outpatient"), staff = tid("staff");
  auto d = bureau.get(q);
  ASSERT_EQ(d.status, 200) << d.body;
  auto j = d.js();
  ASSERT_EQ(j["surveys"].size(), 1u) << d.body.substr(0, 300);
  EXPECT_EQ(j["surveys"][0]["name"], "门诊患者满意度");
  EXPECT_EQ(j["surveys"][0]["id"], outpatient);
  ASSERT_GT(j["dimensions"].size(), 0u);
  for (auto& x : j["dimensions"]) {
    EXPECT_NE(x["name"], "薪酬待遇");
    EXPECT_NE(x["name"], "职业发展");
    EXPECT_EQ(x["template_name"], "门诊患者满意度");
  }
  auto only = bureau.get(q + "&template=" + outpatient).js();
  EXPECT_EQ(j["overall"]["n"], only["overall"]["n"]);
  EXPECT_EQ(j["trend"], only["trend"]);
  EXPECT_EQ(j["dimensions"], only["dimensions"]);
  auto st = bureau.get(q + "&template=" + staff).js();
  int64_t n_staff = st["overall"]["n"].get<int64_t>(), n_out = j["overall"]["n"].get<int64_t>();
  ASSERT_GT(n_staff, 0);
  // Both picked: the sum of the two, and each dimension labelled with its survey.
  auto both = bureau.get(q + "&template=" + outpatient + "," + staff);
  ASSERT_EQ(both.status, 200) << both.body;
  auto b = both.js();
  EXPECT_EQ(b["surveys"].size(), 2u);
  EXPECT_EQ(b["overall"]["n"].get<int64_t>(), n_out + n_staff);
  std::map<std::string, json> by_label;
  for (auto& x : b["dimensions"]) by_label[x["template_name"].get<std::string>() + "·" + x["name"].get<std::string>()] = x;
  ASSERT_TRUE(by_label.count("医务人员满意度·薪酬待遇"));
  ASSERT_TRUE(by_label.count("门诊患者满意度·环境卫生"));
  ASSERT_TRUE(by_label.count("医务人员满意度·工作环境"));
  for (auto& x : j["dimensions"])
    if (x["code"] == "environment") EXPECT_EQ(by_label["门诊患者满意度·环境卫生"]["n"], x["n"]);
  for (auto& x : st["dimensions"])
    if (x["code"] == "environment") EXPECT_EQ(by_label["医务人员满意度·工作环境"]["n"], x["n"]);
  // A node without patient-survey answers (收费处: windows only) shows the one survey it has.
  auto win = as("hosp1").get("/api/v1/satisfaction/dashboard?period=year&year=" + this_year() + "&node=" + node("H001-SFC"));
  ASSERT_EQ(win.status, 200) << win.body;
  ASSERT_EQ(win.js()["surveys"].size(), 1u);
  EXPECT_EQ(win.js()["surveys"][0]["name"], "窗口服务好差评");
  EXPECT_GT(win.js()["overall"]["n"].get<int64_t>(), 0);
  // Bad input names the field.
  for (std::string bad : std::vector<std::string>{"abc", "1", outpatient + ",x"}) {
    auto r = bureau.get(q + "&template=" + bad);
    EXPECT_EQ(r.status, 422) << bad;
    EXPECT_EQ(r.js()["error"]["field"], "template") << bad;
  }
}

// The bureau's ranking ranks like with like: county bureaus in one group, hospitals directly
// under the city in another, each ranked from 1; the export shows the same groups.
TEST_P(FeedbackHttp, RankingGroupsLikeUnitsInTheDashboardAndTheExport) {
  start();
  auto bureau = as("bureau");
  std::string q = "period=year&year=" + this_year() + "&min_n=1";
  auto d = bureau.get("/api/v1/satisfaction/ranking?" + q);
  ASSERT_EQ(d.status, 200) << d.body;
  auto j = d.js();
  ASSERT_EQ(j["groups"].size(), 2u) << d.body.substr(0, 400);
  EXPECT_EQ(j["groups"][0]["kind"], "county");
  EXPECT_EQ(j["groups"][0]["name"], "县（区）卫生健康局");
  EXPECT_EQ(j["groups"][0]["count"], 3);
  EXPECT_EQ(j["groups"][1]["kind"], "institution");
  EXPECT_EQ(j["groups"][1]["name"], "医疗机构");
  EXPECT_EQ(j["groups"][1]["count"], 3);
  std::map<std::string, std::vector<int>> ranks;
  for (auto& it : j["items"]) {
    EXPECT_EQ(it["group"], it["kind"]);
    ranks[it["group"]].push_back(it["rank"].get<int>());
  }
  EXPECT_EQ(ranks["county"].front(), 1);
  EXPECT_EQ(ranks["institution"].front(), 1);
  EXPECT_EQ(ranks["county"].size() + ranks["institution"].size(), j["items"].size());
  // The dashboard's ranking is the same.
  auto dash = bureau.get("/api/v1/satisfaction/dashboard?" + q).js();
  EXPECT_EQ(dash["ranking"]["groups"], j["groups"]);
  // A hospital's ranking: its departments only, one group.
  auto h = as("hosp1").get("/api/v1/satisfaction/ranking?node=" + node("H001") + "&" + q).js();
  ASSERT_EQ(h["groups"].size(), 1u);
  EXPECT_EQ(h["groups"][0]["kind"], "department");
  // The export: one block per group with its heading and a 类别 column; no block mixes kinds.
  auto x = bureau.get("/api/v1/satisfaction/ranking.xlsx?" + q);
  ASSERT_EQ(x.status, 200);
  auto rows = table::read_xlsx(x.body);
  std::vector<std::string> headings;
  std::map<std::string, std::string> group_of;  // unit name -> 类别 cell
  for (auto& r : rows) {
    if (r.size() == 1 && r[0].find("组内排名") != std::string::npos) headings.push_back(r[0]);
    if (r.size() >= 3 && r[0] != "类别" && !r[0].empty() && r[0].find("组内排名") == std::string::npos) group_of[r[2]] = r[0];
  }
  ASSERT_EQ(headings.size(), 2u);
  EXPECT_EQ(headings[0], "县（区）卫生健康局（3 个，组内排名）");
  EXPECT_EQ(headings[1], "医疗机构（3 个，组内排名）");
  EXPECT_EQ(group_of["河西县卫生健康局"], "县（区）卫生健康局");
  EXPECT_EQ(group_of["市第一人民医院"], "医疗机构");
}

TEST_P(FeedbackHttp, ExportsAreNamedInChineseWithTheUnitAndPeriod) {
  start();
  auto h1 = as("hosp1");
  auto x = h1.get("/api/v1/satisfaction/ranking.xlsx?period=month&month=2026-11");
  ASSERT_EQ(x.status, 200) << x.body.substr(0, 200);
  auto cd = x.headers["content-disposition"];
  EXPECT_EQ(utf8_file_name(cd), "市第一人民医院_满意度排名_2026-11.xlsx") << cd;
  EXPECT_NE(cd.find("filename=\"satisfaction-ranking_2026-11.xlsx\""), std::string::npos) << cd;
  auto cx = h1.get("/api/v1/ratings/comments.xlsx?period=month&month=2026-11");
  ASSERT_EQ(cx.status, 200) << cx.body.substr(0, 200);
  EXPECT_EQ(utf8_file_name(cx.headers["content-disposition"]), "市第一人民医院_评价留言_2026-11.xlsx");
  // The bureau exports its own scope under its own name.
  auto bx = as("bureau").get("/api/v1/satisfaction/ranking.xlsx?period=year&year=2026");
  ASSERT_EQ(bx.status, 200);
  auto bn = utf8_file_name(bx.headers["content-disposition"]);
  EXPECT_NE(bn.find("_满意度排名_2026.xlsx"), std::string::npos) << bn;
  EXPECT_EQ(bn.find("市第一人民医院"), std::string::npos) << bn;
}

TEST_P(FeedbackHttp, FormsEditorCopyEditPublish) {
  start();
  auto h1 = as("hosp1");
  auto list = h1.get("/api/v1/forms/templates?kind=survey");
  ASSERT_EQ(list.status, 200);
  std::string outpatient;
  auto list_js = list.js();  // keep the parsed body alive for the loop
  for (auto& t : list_js["items"])
    if (t["code"] == "outpatient") outpatient = t["id"];
  ASSERT_FALSE(outpatient.empty()) << list.body.substr(0, 300);
  // Shipped templates are the bureau's to edit; a hospital copies.
  EXPECT_EQ(h1.request("PUT", "/api/v1/forms/templates/" + outpatient + "/draft", json{{"definition", {{"name", "x"}}}}.dump()).status,
            403);
  auto copy = h1.post("/api/v1/forms/templates/" + outpatient + "/copy", {{"node_id", node("H001")}, {"name", "门诊满意度（一院）"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  std::string cid = copy.js()["id"];
  auto full = h1.get("/api/v1/forms/templates/" + cid).js();
  auto def = full["draft"];
  def["sections"][0]["items"].push_back({{"id", "parking"}, {"type", "rating"}, {"label", "停车是否方便"}});
  auto saved = h1.request("PUT", "/api/v1/forms/templates/" + cid + "/draft", json{{"definition", def}}.dump());
  ASSERT_EQ(saved.status, 200) << saved.body;
  def["sections"][0]["items"].push_back({{"id", "parking"}, {"type", "rating"}, {"label", "重复"}});
  auto dup = h1.request("PUT", "/api/v1/forms/templates/" + cid + "/draft", json{{"definition", def}}.dump());
  EXPECT_EQ(dup.status, 422);
  EXPECT_EQ(dup.js()["error"]["field"], "definition");
  auto pub = h1.post("/api/v1/forms/templates/" + cid + "/publish", json::object());
  ASSERT_EQ(pub.status, 201) << pub.body;
  EXPECT_EQ(pub.js()["version"], 2);
  // The sibling hospital does not see the copy.
  auto h2 = as("hosp2");
  EXPECT_EQ(h2.get("/api/v1/forms/templates/" + cid).status, 404);
  EXPECT_EQ(h2.get("/api/v1/forms/templates").body.find(cid), std::string::npos);
  // A point on the new version takes the new item; old ratings keep their version.
  auto p = h1.post("/api/v1/points", {{"node_id", node("H001-NK")}, {"template_id", cid}});
  ASSERT_EQ(p.status, 201) << p.body;
  auto pubc = server->client();
  auto r = pubc.post("/api/v1/public/ratings", rating(p.js()["code"], 5, device(80), {{"answers", {{"parking", 2}}}}));
  ASSERT_EQ(r.status, 201) << r.body;
  auto rd = h1.get("/api/v1/ratings/" + r.js()["id"].get<std::string>()).js();
  EXPECT_EQ(rd["form_version_id"], pub.js()["id"]);
  EXPECT_EQ(rd["answers"][0]["shown"], "不满意");
}

TEST_P(FeedbackHttp, FollowUpImportCallAndRate) {
  start();
  auto h1 = as("hosp1");
  std::string d1 = days_ago(40), d2 = days_ago(39);
  std::string csv = "name,phone,department,discharge_date\n王大明,13800001111,H001-WK," + d1 + "\n李小红,13800002222,H001-GK," +
                    d2 + "\n赵错误,123,H001-WK," + d2 + "\n张外院,13800003333,H002-WK," + d2 + "\n";
  auto bad = h1.request("POST", "/api/v1/followups/import?node=" + node("H001") + "&days=7", csv, {{"Content-Type", "text/csv"}});
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.js()["imported"], 0);
  EXPECT_EQ(bad.js()["errors"].size(), 2u);
  auto ok = h1.request("POST", "/api/v1/followups/import?node=" + node("H001") + "&days=7&valid_rows_only=true", csv,
                       {{"Content-Type", "text/csv"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.js()["imported"], 2);
  auto again = h1.request("POST", "/api/v1/followups/import?node=" + node("H001") + "&valid_rows_only=true", csv,
                          {{"Content-Type", "text/csv"}});
  EXPECT_EQ(again.js()["duplicates"], 2);
  auto tasks = h1.get("/api/v1/followups/tasks?node=" + node("H001-WK") + "&status=open&limit=500");
  ASSERT_EQ(tasks.status, 200);
  std::string tid;
  auto tasks_js = tasks.js();  // keep the parsed body alive for the loop
  for (auto& t : tasks_js["items"])
    if (t["discharge_date"] == d1) {
      tid = t["id"];
      EXPECT_EQ(t["due_date"], days_ago(33));
      EXPECT_EQ(t["phone"], "138****1111");
    }
  ASSERT_FALSE(tid.empty()) << tasks.body.substr(0, 300);
  auto screen = h1.get("/api/v1/followups/tasks/" + tid);
  ASSERT_EQ(screen.status, 200);
  EXPECT_EQ(screen.js()["patient_phone"], "13800001111");
  EXPECT_NE(screen.js()["script"].get<std::string>().find("王大明"), std::string::npos);
  EXPECT_EQ(as("hosp2").get("/api/v1/followups/tasks/" + tid).status, 403);
  EXPECT_EQ(h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "reached"}}).status, 422);  // overall needed
  auto done = h1.post("/api/v1/followups/tasks/" + tid + "/outcome",
                      {{"outcome", "reached"}, {"overall", 5}, {"answers", {{"skill", 5}}}, {"comment", "感谢外科医生"}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.js()["status"], "reached");
  std::string rid = done.js()["rating_id"];
  auto rd = h1.get("/api/v1/ratings/" + rid).js();
  EXPECT_EQ(rd["channel"], "followup");
  EXPECT_EQ(rd["channel_label"], "回访");
  EXPECT_EQ(h1.post("/api/v1/followups/tasks/" + tid + "/outcome", {{"outcome", "refused"}}).status, 409);
  auto rates = h1.get("/api/v1/followups/rates?node=" + node("H001") + "&period=custom&from=" + days_ago(35) + "&to=" + days_ago(30));
  ASSERT_EQ(rates.status, 200);
  bool seen = false;
  auto rates_js = rates.js();  // keep the parsed body alive for the loop
  for (auto& x : rates_js["items"])
    if (x["name"] == "外科") {
      seen = true;
      EXPECT_GE(x["contacted"].get<int>(), 1);
      EXPECT_DOUBLE_EQ(x["target"].get<double>(), 1.0);
    }
  EXPECT_TRUE(seen);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.followup.reveal'"), 1);
}

INSTANTIATE_TEST_SUITE_P(Db, FeedbackHttp, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
