// The export workbook (src/reports/xlsx.hpp): what it writes reads back with the project's own
// .xlsx reader (core/table_file.hpp) — the header row, Chinese text, numbers, text that looks
// like a formula — its temporary file is gone once the bytes are taken or the workbook is
// dropped, and libxlsxwriter's errors are exceptions.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "core/table_file.hpp"
#include "reports/xlsx.hpp"

using namespace manyi;
namespace fs = std::filesystem;

namespace {

// TMPDIR pointed at a fresh folder for the test, so the workbook's temporary file can be seen.
struct TempDir {
  fs::path dir;
  std::string old;
  bool had_old = false;
  TempDir() {
    dir = fs::temp_directory_path() / ("manyi-reports-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    if (const char* t = std::getenv("TMPDIR")) {
      old = t;
      had_old = true;
    }
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TempDir() {
    if (had_old) ::setenv("TMPDIR", old.c_str(), 1);
    else ::unsetenv("TMPDIR");
    fs::remove_all(dir);
  }
  size_t files() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }
};

}  // namespace

TEST(ReportsXlsx, HeaderAndChineseCellsReadBack) {
  TempDir tmp;
  std::string bytes;
  {
    reports::Workbook b({0xE8F3FF});
    auto ws = b.sheet("案件清单", {{"查询码", 13}, {"内容", 60}, {"重办次数", 9}});
    EXPECT_EQ(tmp.files(), 1u);  // rows stream to the temporary file
    ws.cell(1, 0, "K7QX2M9PLA");
    ws.cell(1, 1, "医生态度差，候诊两小时");
    ws.cell(1, 2, 2.0);
    ws.cell(2, 0, "=1+1");  // text, never a formula
    ws.cell(2, 1, "");
    b.sheet("概况", {{"指标", 22}});  // a second sheet; the reader reads the first
    bytes = b.bytes();
    EXPECT_EQ(tmp.files(), 0u);
  }
  ASSERT_EQ(bytes.compare(0, 4, "PK\x03\x04"), 0);
  auto rows = table::read_xlsx(bytes);
  ASSERT_GE(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"查询码", "内容", "重办次数"}));
  EXPECT_EQ(rows[1][0], "K7QX2M9PLA");
  EXPECT_EQ(rows[1][1], "医生态度差，候诊两小时");
  EXPECT_EQ(rows[1][2], "2");
  EXPECT_EQ(rows[2][0], "=1+1");
}

TEST(ReportsXlsx, SheetWithoutColumnsAndNumberFormats) {
  TempDir tmp;
  reports::Workbook b;
  auto ws = b.sheet("满意度排名");
  ws.width(0, 0, 20);
  ws.width(3, 10, 12);
  ws.cell(0, 0, "市第一人民医院 满意度排名（2026-11）", b.header());
  ws.cell(2, 0, "满意率", b.header());
  ws.cell(3, 0, 0.925, b.number_format("0.0%"));
  auto rows = table::read_xlsx(b.bytes());
  ASSERT_GE(rows.size(), 4u);
  EXPECT_EQ(rows[0][0], "市第一人民医院 满意度排名（2026-11）");
  EXPECT_TRUE(rows[1].empty() || rows[1][0].empty());
  EXPECT_EQ(rows[2][0], "满意率");
  EXPECT_EQ(rows[3][0], "0.925");
  EXPECT_EQ(tmp.files(), 0u);
}

TEST(ReportsXlsx, DroppedWorkbookLeavesNoFile) {
  TempDir tmp;
  {
    reports::Workbook b;
    b.sheet("评价留言", {{"时间", 17}}).cell(1, 0, "2026-11-02 09:30");
    EXPECT_EQ(tmp.files(), 1u);
  }  // an export that failed half-way: nothing is left behind
  EXPECT_EQ(tmp.files(), 0u);
}

TEST(ReportsXlsx, WritingToANamedFileKeepsIt) {
  TempDir tmp;
  auto path = (tmp.dir / "comments.xlsx").string();
  {
    reports::Workbook b(path, {});
    b.sheet("评价留言", {{"留言", 60}}).cell(1, 0, "护士很耐心");
    b.close();
  }
  ASSERT_TRUE(fs::exists(path));
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto rows = table::read_xlsx(bytes);
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "护士很耐心");
}

TEST(ReportsXlsx, LibraryErrorsAreExceptions) {
  TempDir tmp;
  reports::Workbook b;
  auto ws = b.sheet("案件清单", {{"内容", 60}});
  EXPECT_THROW(ws.cell(1, 0, std::string(40000, 'x')), std::runtime_error);  // over Excel's 32,767 characters
  EXPECT_THROW(ws.cell(2'000'000, 0, "行数超出"), std::runtime_error);          // past Excel's last row
  EXPECT_THROW(ws.cell(1, 20'000, 1.0), std::runtime_error);                  // past Excel's last column
  EXPECT_THROW(b.sheet("案件清单"), std::runtime_error);                       // a sheet name used twice
}
