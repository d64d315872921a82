// What an uploaded file is (sniffed from its bytes) and the name it is kept and sent under.
// Pure functions on outside input, no database: tests/unit/attachments_test.cpp and
// fuzz/attachment_fuzz.cpp run them.
#include "workflow/attachments.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "http/download.hpp"
#include "core/error.hpp"

namespace manyi::workflow {

namespace {
constexpr FileKind kJpeg{"image/jpeg", "jpg"};
constexpr FileKind kPng{"image/png", "png"};
constexpr FileKind kGif{"image/gif", "gif"};
constexpr FileKind kWebp{"image/webp", "webp"};
constexpr FileKind kPdf{"application/pdf", "pdf"};

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Extensions a user may reasonably have for each kind (lower case).
bool ext_matches(std::string_view ext, const FileKind& kind) {
  if (kind.content_type == kJpeg.content_type) return ext == "jpg" || ext == "jpeg" || ext == "jpe" || ext == "jfif";
  return ext == kind.ext;
}

// Decodes one UTF-8 character at s[i]; returns its length, or 0 when the bytes are not valid UTF-8.
size_t decode(std::string_view s, size_t i, uint32_t& cp) {
  unsigned char c = s[i];
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (!len || i + len > s.size()) return 0;
  cp = c & (0xff >> (len + 1));
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

// Characters that must not appear in a file name: controls, bidi overrides (which make
// "gpj.exe" look like "exe.jpg"), zero-width and other invisible formatting characters.
bool dropped(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0xad || (cp >= 0x200b && cp <= 0x200f) ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
         (cp >= 0xfff0 && cp <= 0xffff);
}

size_t char_count(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xc0) != 0x80) ++n;
  return n;
}

// The first max_chars characters of valid UTF-8 text.
std::string first_chars(const std::string& s, size_t max_chars) {
  size_t n = 0, i = 0;
  while (i < s.size() && n < max_chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) ++i;
    ++n;
  }
  return s.substr(0, i);
}

std::string trim_dots_and_spaces(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '.')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '.')) --b;
  return s.substr(a, b - a);
}
}  // namespace

std::optional<FileKind> sniff_file(std::string_view b) {
  if (starts_with(b, "\xFF\xD8\xFF")) return kJpeg;
  if (starts_with(b, std::string_view("\x89PNG\r\n\x1A\n", 8))) return kPng;
  if (starts_with(b, "GIF87a") || starts_with(b, "GIF89a")) return kGif;
  if (b.size() >= 12 && starts_with(b, "RIFF") && b.substr(8, 4) == "WEBP") return kWebp;
  if (starts_with(b, "%PDF-")) return kPdf;
  return std::nullopt;
}

FileKind check_file(std::string_view bytes) {
  if (bytes.empty()) throw invalid("file", "the file is empty");
  if (bytes.size() > kMaxAttachmentBytes)
    throw Error(413, "body_too_large", fmt::format("a file may have at most {} bytes (10 MB)", kMaxAttachmentBytes),
                "file");
  auto kind = sniff_file(bytes);
  if (!kind)
    throw Error(422, "unsupported_type", "only images (JPEG, PNG, GIF, WebP) and PDF files are accepted", "file");
  return *kind;
}

std::string sanitize_file_name(std::string_view raw, const FileKind& kind) {
  // Keep only the last path component (browsers on Windows may send "C:\\fakepath\\x.jpg").
  if (auto slash = raw.find_last_of("/\\"); slash != std::string_view::npos) raw = raw.substr(slash + 1);
  std::string clean;
  for (size_t i = 0; i < raw.size();) {
    uint32_t cp = 0;
    size_t len = decode(raw, i, cp);
    if (!len) {  // invalid byte: skip it
      ++i;
      continue;
    }
    if (!dropped(cp)) {
      if (cp < 0x80 && std::string_view("<>:\"|?*").find(static_cast<char>(cp)) != std::string_view::npos)
        clean += '_';
      else
        clean.append(raw.substr(i, len));
    }
    i += len;
  }
  clean = trim_dots_and_spaces(clean);
  std::string base = clean, ext;
  if (auto dot = clean.rfind('.'); dot != std::string::npos && dot > 0) {
    std::string e = clean.substr(dot + 1);
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext_matches(e, kind)) {
      base = clean.substr(0, dot);
      ext = clean.substr(dot + 1);
    }
  }
  if (ext.empty()) ext = std::string(kind.ext);  // "report" → "report.pdf", "x.exe" (a PNG) → "x.exe.png"
  base = trim_dots_and_spaces(base);
  if (base.empty()) base = "file";
  size_t room = kMaxAttachmentNameChars - 1 - char_count(ext);
  if (char_count(base) > room) base = trim_dots_and_spaces(first_chars(base, room));
  if (base.empty()) base = "file";
  return base + "." + ext;
}

std::string content_disposition(const std::string& name) { return http::attachment_disposition(name); }

}  // namespace manyi::workflow
