#include "core/table_file.hpp"

#include <expat.h>
#include <fmt/format.h>
#include <iconv.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "core/error.hpp"

namespace manyi::table {
namespace {

Error file_error(const char* code, std::string message) { return Error(422, code, std::move(message), "file"); }

std::string trim(const std::string& s) {
  // ASCII spaces and the full-width space U+3000 that Chinese spreadsheets often carry.
  size_t b = 0, e = s.size();
  for (;;) {
    if (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    else if (e - b >= 3 && s.compare(b, 3, "\xE3\x80\x80") == 0) b += 3;
    else break;
  }
  for (;;) {
    if (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    else if (e - b >= 3 && s.compare(e - 3, 3, "\xE3\x80\x80") == 0) e -= 3;
    else break;
  }
  return s.substr(b, e - b);
}

void check_shape(const Rows& rows, const Limits& lim) {
  if (rows.size() > lim.max_rows)
    throw file_error("too_many_rows", fmt::format("at most {} rows per import", lim.max_rows - 1));
}

void add_cell(std::vector<std::string>& row, std::string v, const Limits& lim) {
  if (row.size() >= lim.max_cols)
    throw file_error("too_many_columns", fmt::format("at most {} columns per row", lim.max_cols));
  if (v.size() > lim.max_cell) throw file_error("cell_too_long", fmt::format("a cell is longer than {} bytes", lim.max_cell));
  row.push_back(trim(v));
}

// ---------------------------------------------------------------- CSV
Rows parse_csv(const std::string& text, const Limits& lim) {
  Rows rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  // A header written as "a;b" or with tabs (Excel's "Unicode text") is read with that separator.
  char sep = ',';
  size_t eol = text.find_first_of("\r\n");
  std::string first = text.substr(0, eol);
  if (first.find(',') == std::string::npos) {
    if (first.find('\t') != std::string::npos) sep = '\t';
    else if (first.find(';') != std::string::npos) sep = ';';
  }
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    any = true;
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field += c;
        if (field.size() > lim.max_cell)
          throw file_error("cell_too_long", fmt::format("a cell is longer than {} bytes", lim.max_cell));
      }
    } else if (c == '"' && trim(field).empty()) {
      quoted = true;
      field.clear();
    } else if (c == sep) {
      add_cell(row, std::move(field), lim);
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      add_cell(row, std::move(field), lim);
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      check_shape(rows, lim);
      any = false;
    } else {
      field += c;
      if (field.size() > lim.max_cell)
        throw file_error("cell_too_long", fmt::format("a cell is longer than {} bytes", lim.max_cell));
    }
  }
  if (any) {
    add_cell(row, std::move(field), lim);
    rows.push_back(std::move(row));
    check_shape(rows, lim);
  }
  return rows;
}

// ---------------------------------------------------------------- XLSX
struct ZipArchive {
  zip_t* z = nullptr;
  ~ZipArchive() {
    if (z) zip_discard(z);
  }
};

Error not_xlsx() { return file_error("unsupported_file", "the file is not a readable .xlsx workbook"); }

// One entry's bytes, counting against the whole file's inflate budget (zip bombs: the sizes
// a zip declares are not trusted, the bytes actually inflated are counted).
std::optional<std::string> entry(zip_t* z, const std::string& name, size_t& budget) {
  zip_int64_t idx = zip_name_locate(z, name.c_str(), ZIP_FL_NOCASE);
  if (idx < 0) return std::nullopt;
  zip_file_t* f = zip_fopen_index(z, static_cast<zip_uint64_t>(idx), 0);
  if (!f) throw not_xlsx();
  std::string out;
  char buf[65536];
  for (;;) {
    zip_int64_t n = zip_fread(f, buf, sizeof buf);
    if (n < 0) {
      zip_fclose(f);
      throw not_xlsx();
    }
    if (n == 0) break;
    if (static_cast<size_t>(n) > budget) {
      zip_fclose(f);
      throw file_error("file_too_large", "the workbook unpacks to too much data");
    }
    budget -= static_cast<size_t>(n);
    out.append(buf, static_cast<size_t>(n));
  }
  zip_fclose(f);
  return out;
}

// A small SAX driver over expat: the handler gets element starts/ends and text.
struct Sax {
  virtual ~Sax() = default;
  virtual void start(const std::string& name, const char** attrs) = 0;
  virtual void end(const std::string& name) = 0;
  virtual void text(const char* s, int len) = 0;
  std::string error;  // set by a handler to stop with a file error (code, message)
  std::string error_code;
  XML_Parser parser = nullptr;
  void stop_if_failed() {
    if (!error.empty()) XML_StopParser(parser, XML_FALSE);
  }
};

std::string local_name(const char* n) {
  const char* c = std::strrchr(n, ':');
  return c ? c + 1 : n;
}
const char* attr(const char** a, const char* want) {
  for (; a && *a; a += 2)
    if (local_name(a[0]) == want) return a[1];
  return nullptr;
}

void parse_xml(const std::string& xml, Sax& h) {
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> p(XML_ParserCreate(nullptr),
                                                                                    &XML_ParserFree);
  if (!p) throw std::bad_alloc();
  XML_SetUserData(p.get(), &h);
  h.parser = p.get();
  XML_SetElementHandler(
      p.get(),
      [](void* u, const char* n, const char** a) {
        auto* s = static_cast<Sax*>(u);
        if (s->error.empty()) s->start(local_name(n), a);
        s->stop_if_failed();
      },
      [](void* u, const char* n) {
        auto* s = static_cast<Sax*>(u);
        if (s->error.empty()) s->end(local_name(n));
        s->stop_if_failed();
      });
  XML_SetCharacterDataHandler(p.get(), [](void* u, const char* t, int len) {
    auto* s = static_cast<Sax*>(u);
    if (s->error.empty()) s->text(t, len);
  });
  // Entities a workbook never needs: refuse any DTD rather than expand it.
  XML_SetStartDoctypeDeclHandler(p.get(), [](void* u, const char*, const char*, const char*, int) {
    auto* s = static_cast<Sax*>(u);
    s->error_code = "unsupported_file";
    s->error = "the workbook contains a DTD";
    s->stop_if_failed();  // before any entity of it is expanded
  });
  size_t off = 0;
  const size_t chunk = 1 << 20;
  do {
    size_t n = std::min(chunk, xml.size() - off);
    bool last = off + n >= xml.size();
    auto status = XML_Parse(p.get(), xml.data() + off, static_cast<int>(n), last);
    if (!h.error.empty()) {
      if (h.error_code == "unsupported_file") throw not_xlsx();
      throw file_error(h.error_code.c_str(), h.error);
    }
    if (status == XML_STATUS_ERROR) throw not_xlsx();
    off += n;
  } while (off < xml.size());
}

struct SharedStrings : Sax {
  const Limits& lim;
  std::vector<std::string> items;
  std::string cur;
  bool in_si = false, in_t = false;
  int phonetic = 0;  // <rPh> runs carry furigana/pinyin hints, not the cell's text
  size_t total = 0;
  explicit SharedStrings(const Limits& l) : lim(l) {}
  void start(const std::string& n, const char**) override {
    if (n == "si") in_si = true, cur.clear();
    else if (n == "rPh") ++phonetic;
    else if (n == "t" && in_si && !phonetic) in_t = true;
  }
  void end(const std::string& n) override {
    if (n == "si") {
      in_si = false;
      items.push_back(std::move(cur));
      cur.clear();
    } else if (n == "rPh") --phonetic;
    else if (n == "t") in_t = false;
  }
  void text(const char* s, int len) override {
    if (!in_t) return;
    if (cur.size() + static_cast<size_t>(len) > lim.max_cell) {
      // Kept long: the cell check reports it only if a row uses the string.
      if (cur.size() <= lim.max_cell) cur.append(s, std::min<size_t>(static_cast<size_t>(len), lim.max_cell + 1 - cur.size()));
      return;
    }
    cur.append(s, static_cast<size_t>(len));
  }
};

// "BC12" -> 54 (0-based column of the reference), -1 when there are no letters.
long column_of(const char* ref) {
  long c = 0;
  int letters = 0;
  for (; ref && *ref >= 'A' && *ref <= 'Z'; ++ref, ++letters) {
    c = c * 26 + (*ref - 'A' + 1);
    if (letters > 3) return -2;
  }
  return letters ? c - 1 : -1;
}

// Excel writes numbers as "13800001111", "12.5" or "1.38E+10": integral values are shown
// without a fraction or exponent, as a person typing them would have written them.
std::string number_text(const std::string& v) {
  if (v.find_first_of("eE.") == std::string::npos) return v;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (!end || *end || !std::isfinite(d)) return v;
  if (std::fabs(d) < 1e15 && d == std::floor(d)) return fmt::format("{}", static_cast<long long>(d));
  return v;
}

struct SheetReader : Sax {
  const Limits& lim;
  const std::vector<std::string>& strings;
  Rows rows;
  std::vector<std::string>* row = nullptr;
  long col = -1;  // column of the current cell
  std::string type, value, inline_text;
  bool in_v = false, in_is_t = false, in_c = false;
  SheetReader(const Limits& l, const std::vector<std::string>& s) : lim(l), strings(s) {}

  void fail(const char* code, std::string msg) {
    error_code = code;
    error = std::move(msg);
  }
  void start(const std::string& n, const char** a) override {
    if (n == "row") {
      size_t r = rows.size() + 1;
      if (const char* rs = attr(a, "r")) {
        char* end = nullptr;
        long v = std::strtol(rs, &end, 10);
        if (v < 1 || *end) return fail("unsupported_file", "bad row number");
        r = static_cast<size_t>(v);
      }
      if (r > lim.max_rows) return fail("too_many_rows", fmt::format("at most {} rows per import", lim.max_rows - 1));
      if (r < rows.size() + 1) return fail("unsupported_file", "rows out of order");
      rows.resize(r);
      row = &rows.back();
    } else if (n == "c" && row) {
      in_c = true;
      const char* t = attr(a, "t");
      type = t ? t : "n";
      long c = column_of(attr(a, "r"));
      if (c == -2) return fail("too_many_columns", fmt::format("at most {} columns per row", lim.max_cols));
      col = c >= 0 ? c : static_cast<long>(row->size());
      if (static_cast<size_t>(col) < row->size()) return fail("unsupported_file", "cells out of order");
      if (static_cast<size_t>(col) >= lim.max_cols)
        return fail("too_many_columns", fmt::format("at most {} columns per row", lim.max_cols));
      value.clear();
      inline_text.clear();
    } else if (n == "v" && in_c) {
      in_v = true;
    } else if (n == "t" && in_c) {
      in_is_t = true;
    }
  }
  void end(const std::string& n) override {
    if (n == "v") in_v = false;
    else if (n == "t") in_is_t = false;
    else if (n == "c" && in_c && row) {
      in_c = false;
      std::string text;
      if (type == "s") {
        char* end = nullptr;
        unsigned long i = std::strtoul(value.c_str(), &end, 10);
        if (value.empty() || *end || i >= strings.size()) return fail("unsupported_file", "bad shared string index");
        text = strings[i];
      } else if (type == "inlineStr") {
        text = inline_text;
      } else if (type == "b") {
        text = value == "1" ? "TRUE" : "FALSE";
      } else if (type == "str" || type == "e") {
        text = value;
      } else {
        text = number_text(value);
      }
      if (text.size() > lim.max_cell)
        return fail("cell_too_long", fmt::format("a cell is longer than {} bytes", lim.max_cell));
      row->resize(static_cast<size_t>(col));
      row->push_back(trim(text));
    } else if (n == "row") {
      row = nullptr;
    }
  }
  void text(const char* s, int len) override {
    std::string& dst = in_v ? value : in_is_t ? inline_text : value;
    if (!in_v && !in_is_t) return;
    if (dst.size() + static_cast<size_t>(len) > lim.max_cell + 1) {
      dst.append(s, std::min<size_t>(static_cast<size_t>(len), lim.max_cell + 1 - std::min(dst.size(), lim.max_cell + 1)));
      return;
    }
    dst.append(s, static_cast<size_t>(len));
  }
};

// The first sheet's part name: workbook.xml's first <sheet r:id> through its relationships.
struct FirstSheet : Sax {
  std::string rid;
  void start(const std::string& n, const char** a) override {
    if (n == "sheet" && rid.empty())
      if (const char* id = attr(a, "id")) rid = id;
  }
  void end(const std::string&) override {}
  void text(const char*, int) override {}
};
struct Rels : Sax {
  std::string want, target;
  void start(const std::string& n, const char** a) override {
    if (n != "Relationship" || !target.empty()) return;
    const char* id = attr(a, "Id");
    const char* t = attr(a, "Target");
    if (id && t && want == id) target = t;
  }
  void end(const std::string&) override {}
  void text(const char*, int) override {}
};

std::string sheet_part(zip_t* z, size_t& budget) {
  std::string part = "xl/worksheets/sheet1.xml";
  auto wb = entry(z, "xl/workbook.xml", budget);
  if (!wb) throw not_xlsx();
  FirstSheet fs;
  parse_xml(*wb, fs);
  if (fs.rid.empty()) return part;
  auto rels = entry(z, "xl/_rels/workbook.xml.rels", budget);
  if (!rels) return part;
  Rels r;
  r.want = fs.rid;
  parse_xml(*rels, r);
  if (r.target.empty()) return part;
  if (r.target[0] == '/') return r.target.substr(1);
  return "xl/" + r.target;
}

}  // namespace

bool is_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (!len || i + static_cast<size_t>(len) > n) return false;
    uint32_t cp = c & (0xff >> (len + 1));
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

std::string decode_text(const std::string& bytes) {
  if (bytes.find('\0') != std::string::npos)
    throw file_error("unsupported_file", "the file is not text: upload an .xlsx workbook or a CSV file");
  if (is_utf8(bytes)) return bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? bytes.substr(3) : bytes;
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw Error(500, "internal_error", "GB18030 is not available");
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size(), out_left = out.size();
  char* o = out.data();
  size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1) || in_left)
    throw file_error("unsupported_file", "the file is neither UTF-8 nor GB18030 (GBK) text");
  out.resize(out.size() - out_left);
  return out;
}

Rows read_csv(const std::string& bytes, const Limits& lim) { return parse_csv(decode_text(bytes), lim); }

Rows read_xlsx(const std::string& bytes, const Limits& lim) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &ze);
  if (!src) {
    zip_error_fini(&ze);
    throw not_xlsx();
  }
  ZipArchive za;
  za.z = zip_open_from_source(src, ZIP_RDONLY, &ze);
  zip_error_fini(&ze);
  if (!za.z) {
    zip_source_free(src);
    throw not_xlsx();
  }
  size_t budget = lim.max_unzipped;
  std::string part = sheet_part(za.z, budget);
  std::vector<std::string> strings;
  if (auto ss = entry(za.z, "xl/sharedStrings.xml", budget)) {
    SharedStrings h(lim);
    parse_xml(*ss, h);
    strings = std::move(h.items);
  }
  auto sheet = entry(za.z, part, budget);
  if (!sheet) throw not_xlsx();
  SheetReader h(lim, strings);
  parse_xml(*sheet, h);
  // Trailing blank rows (formatted but empty) are not part of the table.
  while (!h.rows.empty() && blank(h.rows.back())) h.rows.pop_back();
  return std::move(h.rows);
}

Rows read(const std::string& bytes, const Limits& lim) {
  if (bytes.empty()) throw file_error("empty_file", "the file is empty");
  Rows rows;
  if (bytes.compare(0, 4, "PK\x03\x04") == 0) rows = read_xlsx(bytes, lim);
  else if (bytes.compare(0, 4, "\xD0\xCF\x11\xE0") == 0)
    throw file_error("unsupported_file", "old Excel .xls files cannot be read: save the sheet as .xlsx or CSV");
  else rows = read_csv(bytes, lim);
  while (!rows.empty() && blank(rows.back())) rows.pop_back();
  if (rows.empty()) throw file_error("empty_file", "the file is empty");
  return rows;
}

std::string header_key(const std::string& text) {
  std::string s = trim(text);
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) s = s.substr(3);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    // A bracketed note ends the name: "手机号(必填)", "科室（名称或编码）".
    if (c == '(' || c == '[' || s.compare(i, 3, "\xEF\xBC\x88") == 0 || s.compare(i, 3, "\xE3\x80\x90") == 0) break;
    if (c == ' ' || c == '*' || c == '_' || c == '-' || c == '\t') continue;
    if (s.compare(i, 3, "\xE3\x80\x80") == 0) {  // full-width space
      i += 2;
      continue;
    }
    out += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
  }
  return out;
}

std::map<std::string, size_t> match_header(const std::vector<std::string>& header, const std::vector<Column>& cols) {
  std::map<std::string, size_t> out;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string h = header_key(header[i]);
    if (h.empty()) continue;
    for (auto& c : cols) {
      if (out.count(c.key)) continue;
      bool hit = std::any_of(c.names.begin(), c.names.end(), [&](const std::string& n) { return header_key(n) == h; });
      if (hit) {
        out[c.key] = i;
        break;
      }
    }
  }
  for (auto& c : cols)
    if (c.required && !out.count(c.key))
      throw Error(422, "missing_column", fmt::format("the header row has no column {} ({})", c.key, c.names.front()), c.key);
  return out;
}

bool blank(const std::vector<std::string>& row) {
  return std::all_of(row.begin(), row.end(), [](const std::string& s) { return s.empty(); });
}

std::string cell(const std::vector<std::string>& row, const std::map<std::string, size_t>& cols, const std::string& key) {
  auto it = cols.find(key);
  if (it == cols.end() || it->second >= row.size()) return "";
  return row[it->second];
}

std::string csv_text(const std::vector<std::vector<std::string>>& rows) {
  std::string out = "\xEF\xBB\xBF";
  for (auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (i) out += ',';
      if (r[i].find_first_of(",\"\r\n") != std::string::npos) {
        out += '"';
        for (char c : r[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      } else {
        out += r[i];
      }
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace manyi::table
