// Attachment checks without a server: the type comes from the bytes (what a file claims to be
// by its name does not matter), empty and oversize files are refused with the documented
// status, code and field, and names are made safe to show and to download.
#include <gtest/gtest.h>

#include <string>

#include "cases/attachments.hpp"
#include "core/error.hpp"

using namespace manyi;
using namespace manyi::cases;

namespace {

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00", 11) + std::string(100, 'x');
const std::string kPng = std::string("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR", 16) + std::string(40, '\0');
const std::string kGif87 = "GIF87a" + std::string(20, '\x01');
const std::string kGif89 = "GIF89a" + std::string(20, '\x01');
const std::string kWebp = std::string("RIFF\x24\x00\x00\x00WEBPVP8 ", 16) + std::string(30, '\x02');
const std::string kPdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n%%EOF\n";

Error error_of(const std::string& bytes) {
  try {
    check_file(bytes);
  } catch (const Error& e) {
    return e;
  }
  return Error(0, "none", "no error");
}

TEST(Attachments, AcceptsImagesAndPdfByTheirBytes) {
  EXPECT_EQ(check_file(kJpeg).content_type, "image/jpeg");
  EXPECT_EQ(check_file(kPng).content_type, "image/png");
  EXPECT_EQ(check_file(kGif87).content_type, "image/gif");
  EXPECT_EQ(check_file(kGif89).content_type, "image/gif");
  EXPECT_EQ(check_file(kWebp).content_type, "image/webp");
  EXPECT_EQ(check_file(kPdf).content_type, "application/pdf");
  EXPECT_EQ(check_file(kPdf).ext, "pdf");
  EXPECT_EQ(check_file(kJpeg).ext, "jpg");
}

TEST(Attachments, RefusesWhatIsNotAnImageOrPdfWhateverItIsCalled) {
  const std::string html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";
  const std::string exe = std::string("MZ\x90\x00\x03\x00\x00\x00", 8) + std::string(200, '\0');
  const std::string zip = std::string("PK\x03\x04\x14\x00\x00\x00", 8) + "word/document.xml";
  const std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
  const std::string text = "这是一张照片，真的。";
  const std::string riff_wave = std::string("RIFF\x24\x00\x00\x00WAVEfmt ", 16);  // RIFF but not WebP
  for (const auto& bytes : {html, exe, zip, svg, text, riff_wave}) {
    auto e = error_of(bytes);
    EXPECT_EQ(e.status(), 422) << bytes.substr(0, 10);
    EXPECT_EQ(e.code(), "unsupported_type") << bytes.substr(0, 10);
    EXPECT_EQ(e.field(), "file");
    EXPECT_FALSE(sniff_file(bytes).has_value());
  }
}

TEST(Attachments, TruncatedMagicNumbersAreNotEnough) {
  EXPECT_EQ(error_of("\xFF\xD8").code(), "unsupported_type");             // JPEG needs FF D8 FF
  EXPECT_EQ(error_of(std::string("\x89PNG\r\n\x1A", 7)).code(), "unsupported_type");
  EXPECT_EQ(error_of("GIF8").code(), "unsupported_type");
  EXPECT_EQ(error_of("GIF88a").code(), "unsupported_type");
  EXPECT_EQ(error_of(std::string("RIFF\x10\x00\x00\x00WEB", 11)).code(), "unsupported_type");  // 11 bytes
  EXPECT_EQ(error_of("%PDF").code(), "unsupported_type");
  EXPECT_EQ(error_of(" %PDF-1.4").code(), "unsupported_type");  // magic must come first
}

TEST(Attachments, EmptyAndOversizeFilesAreRefused) {
  auto empty = error_of("");
  EXPECT_EQ(empty.status(), 422);
  EXPECT_EQ(empty.field(), "file");

  std::string big = kJpeg + std::string(kMaxAttachmentBytes - kJpeg.size() + 1, 'x');
  ASSERT_EQ(big.size(), kMaxAttachmentBytes + 1);
  auto e = error_of(big);
  EXPECT_EQ(e.status(), 413);
  EXPECT_EQ(e.code(), "body_too_large");
  big.pop_back();  // exactly 10 MiB is allowed
  EXPECT_EQ(check_file(big).content_type, "image/jpeg");
}

TEST(Attachments, FileNamesAreMadeSafe) {
  auto jpeg = *sniff_file(kJpeg), pdf = *sniff_file(kPdf), png = *sniff_file(kPng);
  EXPECT_EQ(sanitize_file_name("病历照片.JPG", jpeg), "病历照片.JPG");
  EXPECT_EQ(sanitize_file_name("scan.jpeg", jpeg), "scan.jpeg");
  EXPECT_EQ(sanitize_file_name("C:\\fakepath\\收据.pdf", pdf), "收据.pdf");
  EXPECT_EQ(sanitize_file_name("../../etc/passwd", pdf), "passwd.pdf");
  EXPECT_EQ(sanitize_file_name("report", pdf), "report.pdf");
  // The extension follows the content: a PNG sent as .exe or .pdf gets .png added.
  EXPECT_EQ(sanitize_file_name("setup.exe", png), "setup.exe.png");
  EXPECT_EQ(sanitize_file_name("a.pdf", png), "a.pdf.png");
  // Bidi override ("photo\u202Egpj.exe" shows as "photoexe.jpg"), controls, Windows-reserved.
  EXPECT_EQ(sanitize_file_name("photo\xE2\x80\xAEgpj.exe", jpeg), "photogpj.exe.jpg");
  EXPECT_EQ(sanitize_file_name("a\r\nb\x01<c>:\"d\"|?*.png", png), "ab_c___d____.png");
  EXPECT_EQ(sanitize_file_name("bad\xFF\xFEutf8.png", png), "badutf8.png");
  EXPECT_EQ(sanitize_file_name("", jpeg), "file.jpg");
  EXPECT_EQ(sanitize_file_name(" ... ", jpeg), "file.jpg");
  EXPECT_EQ(sanitize_file_name(".png", png), "png.png");  // no hidden files
  // At most 200 characters, extension kept, never a split character.
  std::string long_name;
  for (int i = 0; i < 300; ++i) long_name += "图";
  auto s = sanitize_file_name(long_name + ".png", png);
  EXPECT_EQ(s.substr(s.size() - 4), ".png");
  size_t chars = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++chars;
  EXPECT_EQ(chars, kMaxAttachmentNameChars);
}

TEST(Attachments, ContentDispositionCarriesTheUtf8Name) {
  EXPECT_EQ(content_disposition("收据 1.pdf"),
            "attachment; filename=\"_ 1.pdf\"; filename*=UTF-8''%E6%94%B6%E6%8D%AE%201.pdf");
  EXPECT_EQ(content_disposition("a\"b.png"), "attachment; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png");
}

}  // namespace
