// Case attachments (附件) over HTTP against a real `manyi serve` on each database: the
// complainant's files right after filing on the public form, staff uploads on the timeline,
// downloads byte for byte, type checks by content, size and count limits, and who may see what.
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/audit.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const int64_t kMiB = 1024 * 1024;

std::string png_bytes(size_t extra = 64, char fill = '\x07') {
  return std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(extra, fill);
}
std::string jpeg_bytes(size_t total) {
  std::string s("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11);
  s.resize(total, '\x5a');
  return s;
}
const std::string kPdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

std::string pct(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class CaseAttachments : public DemoServerTest {
 protected:
  int64_t attachments_of(const std::string& case_id) {
    return count("SELECT COUNT(*) FROM attachments WHERE owner_kind = 'case' AND owner_id = ?", {std::stoll(case_id)});
  }
  // Files a complaint on the public form; returns {tracking code, case id}.
  std::pair<std::string, std::string> file_complaint(const std::string& content = "内科候诊区厕所很脏，地面湿滑",
                                                     const std::string& dept = "H001-NK") {
    auto pub = server->client();
    auto made = pub.post("/api/v1/public/cases", {{"type", "complaint"},
                                                  {"point", dept},
                                                  {"content", content},
                                                  {"name", "王五"},
                                                  {"phone", "13712345678"}});
    EXPECT_EQ(made.status, 201) << made.body;
    std::string code = made.js()["tracking_code"];
    auto id = db->query("SELECT id FROM cases WHERE tracking_code = ?", {code})[0].str(0);
    return {code, id};
  }
  HttpResponse public_upload(const std::string& code, const std::string& last4, const std::string& name,
                             const std::string& bytes, const std::string& claimed_type = "image/jpeg") {
    return server->client().request("POST",
                                    "/api/v1/public/cases/" + code + "/attachments?phone_last4=" + last4 +
                                        "&name=" + pct(name),
                                    bytes, {{"Content-Type", claimed_type}});
  }
  HttpResponse staff_upload(HttpClient& c, const std::string& id, const std::string& name, const std::string& bytes) {
    return c.request("POST", "/api/v1/cases/" + id + "/attachments?name=" + pct(name), bytes,
                     {{"Content-Type", "application/octet-stream"}});
  }
};

TEST_P(CaseAttachments, ComplainantsPhotoReachesTheHospitalByteForByte) {
  auto [code, id] = file_complaint();
  auto photo = png_bytes(5000, '\x11');
  auto up = public_upload(code, "5678", "厕所照片.png", photo, "image/png");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.js()["name"], "厕所照片.png");
  EXPECT_EQ(up.js()["size"], static_cast<int64_t>(photo.size()));
  EXPECT_EQ(up.js()["content_type"], "image/png");

  // The type comes from the bytes: a PDF sent as image/jpeg named scan.jpg is stored as a PDF.
  auto pdf = public_upload(code, "5678", "scan.jpg", kPdf, "image/jpeg");
  ASSERT_EQ(pdf.status, 201) << pdf.body;
  EXPECT_EQ(pdf.js()["content_type"], "application/pdf");
  EXPECT_EQ(pdf.js()["name"], "scan.jpg.pdf");

  auto hosp1 = as("hosp1");
  auto list = hosp1.get("/api/v1/cases/" + id + "/attachments");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.js()["items"].size(), 2u);
  auto item = list.js()["items"][0];
  EXPECT_EQ(item["name"], "厕所照片.png");
  EXPECT_EQ(item["source"], "public");
  EXPECT_EQ(item["uploader"], "群众");
  EXPECT_EQ(item["size"], static_cast<int64_t>(photo.size()));
  EXPECT_TRUE(list.js()["can_upload"].get<bool>());
  EXPECT_EQ(list.body.find("\"data\""), std::string::npos);  // metadata only

  auto dl = hosp1.get("/api/v1/cases/" + id + "/attachments/" + item["id"].get<std::string>());
  ASSERT_EQ(dl.status, 200);
  EXPECT_EQ(audit::sha256_hex(dl.body), audit::sha256_hex(photo));
  EXPECT_EQ(dl.headers["content-type"], "image/png");
  EXPECT_EQ(dl.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(dl.headers["content-disposition"].find("attachment;"), std::string::npos);
  EXPECT_NE(dl.headers["content-disposition"].find("filename*=UTF-8''" + pct("厕所照片.png")), std::string::npos);
  auto dl_pdf = hosp1.get("/api/v1/cases/" + id + "/attachments/" + pdf.js()["id"].get<std::string>());
  EXPECT_EQ(dl_pdf.body, kPdf);
  EXPECT_EQ(dl_pdf.headers["content-type"], "application/pdf");

  // The department the complaint is about sees the files too; the timeline shows each upload.
  auto dept = as("dept");
  EXPECT_EQ(dept.get("/api/v1/cases/" + id + "/attachments").js()["items"].size(), 2u);
  auto events = hosp1.get("/api/v1/cases/" + id).js()["events"];
  int attach_events = 0;
  for (auto& e : events)
    if (e["action"] == "attach") ++attach_events;
  EXPECT_EQ(attach_events, 2);

  // The public tracking page never lists files or their names.
  auto track = server->client().get("/api/v1/public/cases/" + code + "?phone_last4=5678");
  ASSERT_EQ(track.status, 200);
  EXPECT_EQ(track.body.find("厕所照片"), std::string::npos);
  EXPECT_EQ(track.body.find("attach"), std::string::npos);
}

TEST_P(CaseAttachments, PublicUploadNeedsTheCodeAndPhoneDigits) {
  auto [code, id] = file_complaint();
  EXPECT_EQ(public_upload(code, "0000", "a.png", png_bytes()).status, 404);
  EXPECT_EQ(public_upload(code, "", "a.png", png_bytes()).status, 404);
  EXPECT_EQ(public_upload("AAAAAAAAAA", "5678", "a.png", png_bytes()).status, 404);
  EXPECT_EQ(attachments_of(id), 0);
}

TEST_P(CaseAttachments, WrongTypeRenamedToJpgIsRefusedAndNothingStored) {
  auto [code, id] = file_complaint();
  int64_t events_before = count("SELECT COUNT(*) FROM case_events WHERE case_id = ?", {std::stoll(id)});
  const std::string text = "这不是照片，只是一段文字。\n";
  const std::string html = "<html><body><script>alert(document.cookie)</script></body></html>";
  const std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00", 10) + std::string(500, '\0');
  for (const auto& bytes : {text, html, exe}) {
    auto r = public_upload(code, "5678", "photo.jpg", bytes, "image/jpeg");
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.js()["error"]["code"], "unsupported_type");
    EXPECT_EQ(r.js()["error"]["field"], "file");
  }
  auto empty = public_upload(code, "5678", "photo.jpg", "");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.js()["error"]["field"], "file");
  auto hosp1 = as("hosp1");
  auto staff = staff_upload(hosp1, id, "photo.jpg", html);
  EXPECT_EQ(staff.status, 422);
  EXPECT_EQ(staff.js()["error"]["code"], "unsupported_type");
  EXPECT_EQ(attachments_of(id), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM case_events WHERE case_id = ?", {std::stoll(id)}), events_before);
}

TEST_P(CaseAttachments, OversizeFilesAreRefusedAndNothingStored) {
  auto [code, id] = file_complaint();
  auto over = public_upload(code, "5678", "big.jpg", jpeg_bytes(10 * kMiB + 1));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.js()["error"]["code"], "body_too_large");
  auto hosp1 = as("hosp1");
  EXPECT_EQ(staff_upload(hosp1, id, "big.jpg", jpeg_bytes(10 * kMiB + 1)).status, 413);
  EXPECT_EQ(attachments_of(id), 0);
  // Exactly 10 MiB is fine, and comes back whole.
  auto full = jpeg_bytes(10 * kMiB);
  auto ok = public_upload(code, "5678", "big.jpg", full);
  ASSERT_EQ(ok.status, 201) << ok.body.substr(0, 300);
  auto dl = hosp1.get("/api/v1/cases/" + id + "/attachments/" + ok.js()["id"].get<std::string>());
  EXPECT_EQ(dl.body.size(), full.size());
  EXPECT_EQ(audit::sha256_hex(dl.body), audit::sha256_hex(full));
}

TEST_P(CaseAttachments, PublicMayAddFiveFilesWithinAnHourOnly) {
  auto [code, id] = file_complaint();
  for (int i = 1; i <= 5; ++i) {
    auto r = public_upload(code, "5678", "p" + std::to_string(i) + ".png", png_bytes(10 + i));
    ASSERT_EQ(r.status, 201) << i << r.body;
  }
  auto sixth = public_upload(code, "5678", "p6.png", png_bytes());
  EXPECT_EQ(sixth.status, 409);
  EXPECT_EQ(sixth.js()["error"]["code"], "too_many_attachments");
  EXPECT_EQ(attachments_of(id), 5);

  // A second complaint filed two hours ago: too late to add files.
  auto [code2, id2] = file_complaint("挂号处排队太久，等了两个小时");
  db->write([&](store::Tx& tx) {
    tx.exec("UPDATE cases SET created_at = created_at - ? WHERE id = ?", {int64_t{2 * 3600 * 1000}, std::stoll(id2)});
  });
  auto late = public_upload(code2, "5678", "late.png", png_bytes());
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.js()["error"]["code"], "attachment_window_closed");
  EXPECT_EQ(attachments_of(id2), 0);

  // A case staff registered (e.g. a hotline call) takes no public uploads at all.
  auto handler = as("handler");
  auto made = handler.post("/api/v1/cases", {{"type", "complaint"},
                                             {"channel", "hotline"},
                                             {"node_id", node("H001-NK")},
                                             {"content", "电话投诉：护士态度差"},
                                             {"complainant_phone", "13600001111"}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(public_upload(made.js()["tracking_code"], "1111", "x.png", png_bytes()).status, 409);
}

TEST_P(CaseAttachments, StaffUploadAppearsOnTheTimelineAndInTheAuditLog) {
  auto [code, id] = file_complaint();
  auto handler = as("handler");
  auto before = handler.get("/api/v1/cases/" + id).js();
  std::string status = before["status"];
  auto letter = kPdf + std::string(300, ' ');
  auto up = staff_upload(handler, id, "情况说明.pdf", letter);
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(up.js()["name"], "情况说明.pdf");
  EXPECT_EQ(up.js()["source"], "staff");
  EXPECT_EQ(up.js()["content_type"], "application/pdf");

  auto after = handler.get("/api/v1/cases/" + id).js();
  EXPECT_EQ(after["status"], status);  // status unchanged
  auto& events = after["events"];
  ASSERT_EQ(events.size(), before["events"].size() + 1);
  auto last = events.back();
  EXPECT_EQ(last["action"], "attach");
  EXPECT_EQ(last["note"], "情况说明.pdf");
  EXPECT_EQ(last["id"], up.js()["event_id"]);
  EXPECT_FALSE(last["public"].get<bool>());
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.attach' AND entity_id = ?", {std::stoll(id)}),
            1);

  auto list = handler.get("/api/v1/cases/" + id + "/attachments").js()["items"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_NE(list[0]["uploader"].get<std::string>(), "");
  EXPECT_NE(list[0]["uploaded_by"], nullptr);
  auto dl = handler.get("/api/v1/cases/" + id + "/attachments/" + up.js()["id"].get<std::string>());
  EXPECT_EQ(audit::sha256_hex(dl.body), audit::sha256_hex(letter));

  // Without the CSRF token the upload is refused.
  auto no_csrf = server->client();
  no_csrf.login("handler");
  no_csrf.send_csrf = false;
  EXPECT_EQ(staff_upload(no_csrf, id, "x.png", png_bytes()).status, 403);
  // Not signed in: 401.
  auto anon = server->client();
  EXPECT_EQ(anon.get("/api/v1/cases/" + id + "/attachments").status, 401);
  EXPECT_EQ(attachments_of(id), 1);
}

TEST_P(CaseAttachments, AnotherHospitalSeesNothing) {
  auto [code, id] = file_complaint();
  auto up = public_upload(code, "5678", "a.png", png_bytes());
  ASSERT_EQ(up.status, 201);
  std::string aid = up.js()["id"];
  auto hosp2 = as("hosp2");
  EXPECT_EQ(hosp2.get("/api/v1/cases/" + id + "/attachments").status, 404);
  auto dl = hosp2.get("/api/v1/cases/" + id + "/attachments/" + aid);
  EXPECT_EQ(dl.status, 404);
  EXPECT_EQ(dl.body.find("PNG"), std::string::npos);
  EXPECT_EQ(staff_upload(hosp2, id, "b.png", png_bytes()).status, 404);
  EXPECT_EQ(attachments_of(id), 1);

  // An attachment id under another case of one's own is not found either.
  auto [code2, id2] = file_complaint("中医院药房发错药", "H002");
  (void)code2;
  EXPECT_EQ(hosp2.get("/api/v1/cases/" + id2 + "/attachments/" + aid).status, 404);
  EXPECT_EQ(hosp2.get("/api/v1/cases/" + id2 + "/attachments/12345").status, 404);
}

TEST_P(CaseAttachments, IntegrityCaseFilesAreHiddenFromTheDepartmentConcerned) {
  auto [code, id] = file_complaint("内科主治医生收了红包才给安排床位");
  ASSERT_EQ(db->query("SELECT sensitive FROM cases WHERE id = ?", {std::stoll(id)})[0].i64(0), 1);
  auto up = public_upload(code, "5678", "转账记录.png", png_bytes());
  ASSERT_EQ(up.status, 201) << up.body;
  std::string aid = up.js()["id"];

  auto dept = as("dept");  // head of 内科, the department concerned
  EXPECT_EQ(dept.get("/api/v1/cases/" + id + "/attachments").status, 404);
  EXPECT_EQ(dept.get("/api/v1/cases/" + id + "/attachments/" + aid).status, 404);
  EXPECT_EQ(staff_upload(dept, id, "x.png", png_bytes()).status, 404);
  auto handler = as("handler");  // no case.sensitive
  EXPECT_EQ(handler.get("/api/v1/cases/" + id + "/attachments/" + aid).status, 404);

  auto hosp1 = as("hosp1");  // the institution's leadership
  auto list = hosp1.get("/api/v1/cases/" + id + "/attachments");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.js()["items"].size(), 1u);
  EXPECT_EQ(hosp1.get("/api/v1/cases/" + id + "/attachments/" + aid).status, 200);
}

TEST_P(CaseAttachments, PublicComplaintPageOffersTheFilePicker) {
  auto page = server->client().get("/c");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("\"attachments\":true"), std::string::npos);
  EXPECT_NE(page.body.find("最多5个文件，每个不超过10MB，支持图片和PDF"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Db, CaseAttachments, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
