// The shared import reader: CSV in UTF-8 (BOM or not) and GBK, .xlsx written by libxlsxwriter,
// header matching in Chinese and English, and malformed or hostile files refused cleanly.
#include <gtest/gtest.h>
#include <iconv.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cn_phone.hpp"
#include "core/error.hpp"
#include "core/table_file.hpp"

using namespace manyi;
using Rows = table::Rows;

namespace {
std::string gbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  std::string out(utf8.size() * 2 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t il = utf8.size(), ol = out.size();
  char* o = out.data();
  EXPECT_NE(iconv(cd, &in, &il, &o, &ol), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - ol);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// An .xlsx as Excel users send it: strings (shared), numbers (a phone stored as a number),
// a date cell, a blank row in the middle and a second sheet that must be ignored.
std::string make_xlsx(const std::function<void(lxw_workbook*, lxw_worksheet*)>& fill) {
  auto path = (std::filesystem::temp_directory_path() / ("manyi-table-" + std::to_string(getpid()) + ".xlsx")).string();
  lxw_workbook* wb = workbook_new(path.c_str());
  lxw_worksheet* ws = workbook_add_worksheet(wb, "人员");
  fill(wb, ws);
  lxw_worksheet* other = workbook_add_worksheet(wb, "说明");
  worksheet_write_string(other, 0, 0, "ignored", nullptr);
  EXPECT_EQ(workbook_close(wb), LXW_NO_ERROR);
  std::string bytes = slurp(path);
  std::filesystem::remove(path);
  return bytes;
}

std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), 422) << e.what();
    return e.code();
  }
  return "";
}
}  // namespace

TEST(TableFile, Utf8CsvWithAndWithoutBom) {
  Rows want{{"工号", "姓名"}, {"T1", "张三"}, {"T2", "王, 五"}};
  std::string body = "工号,姓名\r\nT1,张三\r\nT2,\"王, 五\"\r\n";
  EXPECT_EQ(table::read(body), want);
  EXPECT_EQ(table::read("\xEF\xBB\xBF" + body), want);
  // Trailing blank lines are not rows; cells are trimmed (full-width spaces too).
  EXPECT_EQ(table::read("a,b\n 1 ,\xE3\x80\x80" "2\n\n\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  // Tab- and semicolon-separated exports.
  EXPECT_EQ(table::read("a\tb\n1\t2\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(table::read("a;b\n1;2\n"), (Rows{{"a", "b"}, {"1", "2"}}));
}

TEST(TableFile, GbkCsvFromExcel) {
  // Bytes as a Chinese Excel writes "工号,姓名,类别,职称,科室编码" / "T001,张三,医师,主治医师,H001-NK".
  std::string bytes =
      "\xB9\xA4\xBA\xC5\x2C\xD0\xD5\xC3\xFB\x2C\xC0\xE0\xB1\xF0\x2C\xD6\xB0\xB3\xC6\x2C\xBF\xC6\xCA\xD2\xB1\xE0\xC2\xEB\x0D\x0A"
      "\x54\x30\x30\x31\x2C\xD5\xC5\xC8\xFD\x2C\xD2\xBD\xCA\xA6\x2C\xD6\xF7\xD6\xCE\xD2\xBD\xCA\xA6\x2C\x48\x30\x30\x31\x2D\x4E\x4B\x0D\x0A";
  auto rows = table::read(bytes);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"工号", "姓名", "类别", "职称", "科室编码"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"T001", "张三", "医师", "主治医师", "H001-NK"}));
  // GB18030 beyond GBK (a rare surname character 𠀀 U+20000) decodes too.
  EXPECT_EQ(table::decode_text(gbk("姓名\n") + std::string("\x95\x32\x82\x36")), "姓名\n\xF0\xA0\x80\x80");
}

TEST(TableFile, XlsxFirstSheet) {
  auto bytes = make_xlsx([](lxw_workbook* wb, lxw_worksheet* ws) {
    const char* head[] = {"住院号", "姓名", "手机号", "出院科室", "出院日期"};
    for (int c = 0; c < 5; ++c) worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), head[c], nullptr);
    worksheet_write_number(ws, 1, 0, 2025000123, nullptr);
    worksheet_write_string(ws, 1, 1, "张三", nullptr);
    worksheet_write_number(ws, 1, 2, 13800001111.0, nullptr);
    worksheet_write_string(ws, 1, 3, "内科", nullptr);
    lxw_format* df = workbook_add_format(wb);
    format_set_num_format(df, "yyyy-mm-dd");
    lxw_datetime dt = {2025, 3, 7, 0, 0, 0};
    worksheet_write_datetime(ws, 1, 4, &dt, df);
    // Row 3 blank; row 4 leaves column B empty.
    worksheet_write_string(ws, 3, 0, "X", nullptr);
    worksheet_write_string(ws, 3, 2, "0571-88888888", nullptr);
  });
  auto rows = table::read(bytes);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"住院号", "姓名", "手机号", "出院科室", "出院日期"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"2025000123", "张三", "13800001111", "内科", "45723"}));
  EXPECT_TRUE(table::blank(rows[2]));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"X", "", "0571-88888888"}));
}

TEST(TableFile, HeadersInChineseOrEnglish) {
  std::vector<table::Column> cols = {{"employee_no", {"工号", "employee_no"}}, {"name", {"姓名", "name"}},
                                     {"title", {"职称", "title"}, false}};
  auto m = table::match_header({"*姓名", "工号（必填）", "备注"}, cols);
  EXPECT_EQ(m.at("name"), 0u);
  EXPECT_EQ(m.at("employee_no"), 1u);
  EXPECT_FALSE(m.count("title"));
  m = table::match_header({"Employee_No", " NAME ", "Title"}, cols);
  EXPECT_EQ(m.at("employee_no"), 0u);
  EXPECT_EQ(m.at("title"), 2u);
  try {
    table::match_header({"姓名"}, cols);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "missing_column");
    EXPECT_EQ(e.field(), "employee_no");
  }
}

TEST(TableFile, MalformedAndHostileFilesAreRefused) {
  EXPECT_EQ(code_of([] { table::read(""); }), "empty_file");
  EXPECT_EQ(code_of([] { table::read("\xEF\xBB\xBF\r\n\r\n"); }), "empty_file");
  EXPECT_EQ(code_of([] { table::read("a,b\n\xff\xfe\xff,1\n"); }), "unsupported_file");   // neither UTF-8 nor GB18030
  EXPECT_EQ(code_of([] { table::read(std::string("a\0b", 3)); }), "unsupported_file");     // binary
  EXPECT_EQ(code_of([] { table::read("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"); }), "unsupported_file");  // old .xls
  EXPECT_EQ(code_of([] { table::read("PK\x03\x04garbage that is no zip"); }), "unsupported_file");
  // A real zip that is not a workbook, and a workbook cut short.
  auto xlsx = make_xlsx([](lxw_workbook*, lxw_worksheet* ws) { worksheet_write_string(ws, 0, 0, "a", nullptr); });
  EXPECT_EQ(code_of([&] { table::read(xlsx.substr(0, xlsx.size() / 2)); }), "unsupported_file");
  for (size_t at : {size_t{100}, xlsx.size() / 3, xlsx.size() - 30}) {  // flipped bytes: refused or read, never a crash
    std::string bad = xlsx;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    std::string code = code_of([&] { table::read(bad); });
    EXPECT_TRUE(code.empty() || code == "unsupported_file" || code == "empty_file") << code;
  }
  // Limits: rows, columns, cell length, and the bytes an .xlsx may inflate to (zip bomb).
  table::Limits lim;
  lim.max_rows = 3;
  EXPECT_EQ(code_of([&] { table::read("h\n1\n2\n3\n", lim); }), "too_many_rows");
  lim = {};
  lim.max_cols = 4;
  EXPECT_EQ(code_of([&] { table::read("a,b,c,d,e\n", lim); }), "too_many_columns");
  EXPECT_EQ(code_of([] { table::read("a\n" + std::string(5000, 'x') + "\n"); }), "cell_too_long");
  EXPECT_EQ(code_of([] { table::read("a\n\"" + std::string(5000, 'x')); }), "cell_too_long");
  auto big = make_xlsx([](lxw_workbook*, lxw_worksheet* ws) {
    for (int r = 0; r < 3000; ++r)
      for (int c = 0; c < 10; ++c) worksheet_write_number(ws, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c), r * 10 + c, nullptr);
  });
  EXPECT_EQ(table::read(big).size(), 3000u);
  lim = {};
  lim.max_unzipped = big.size();  // the file itself is within the budget; what it inflates to is not
  EXPECT_EQ(code_of([&] { table::read(big, lim); }), "file_too_large");
  lim = {};
  lim.max_rows = 100;
  EXPECT_EQ(code_of([&] { table::read(big, lim); }), "too_many_rows");
}

TEST(CnPhone, MobilesAndLandlines) {
  using cn_phone::Kind;
  EXPECT_EQ(cn_phone::parse("13800001111").kind, Kind::mobile);
  EXPECT_EQ(cn_phone::parse("138 0000 1111").number, "13800001111");
  EXPECT_EQ(cn_phone::parse("+86 138-0000-1111").number, "13800001111");
  EXPECT_EQ(cn_phone::parse("0571-88888888").kind, Kind::landline);
  EXPECT_EQ(cn_phone::parse("(010)62345678").number, "010-62345678");
  EXPECT_EQ(cn_phone::parse("057188888888").number, "0571-88888888");
  EXPECT_EQ(cn_phone::parse("0571-8888888转123").number, "0571-8888888-123");
  for (auto bad : {"1380000111", "138000011112", "12800001111", "88888888", "5551234", "abc", "", "0571-1234"})
    EXPECT_EQ(cn_phone::parse(bad).kind, Kind::invalid) << bad;
}
