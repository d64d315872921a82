// The one .xlsx writer of the server's exports: libxlsxwriter in constant_memory mode (each
// row streams to a temporary file, so memory stays flat for a million rows) with zip64 on
// (workbooks past 4 GB stay readable), one bold header style, sheets with Chinese column names
// and widths. A workbook is written to a temporary file whose bytes bytes() returns (the file
// is removed), or to a file the caller names. Every libxlsxwriter error is an exception.
// constant_memory means rows are written in order: a row before the last one written is lost.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace manyi::reports {

// A column of a sheet: its header text and width (in characters, as Excel measures them).
struct Column {
  std::string name;
  double width = 10;
};

class Sheet {
 public:
  explicit Sheet(lxw_worksheet* ws) : ws_(ws) {}
  // Text cells are always text, never formulas ("=…" stays text).
  void cell(int64_t row, int col, const std::string& text, lxw_format* format = nullptr);
  void cell(int64_t row, int col, double number, lxw_format* format = nullptr);
  // Columns first…last (0-based) this wide.
  void width(int first, int last, double width);

 private:
  lxw_worksheet* ws_;
};

struct WorkbookOptions {
  uint32_t header_fill = 0;  // the header style's background (0xRRGGBB), 0 = none
};

class Workbook {
 public:
  using Options = WorkbookOptions;
  // To a temporary file, removed by bytes() or when the workbook is dropped.
  explicit Workbook(Options o = {});
  // To `path`, which stays (close() finishes it).
  Workbook(const std::string& path, Options o);
  ~Workbook();
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // A sheet; with columns, its first row is their names in the header style, at their widths.
  Sheet sheet(const std::string& name);
  Sheet sheet(const std::string& name, const std::vector<Column>& cols);
  // The header style (bold), for headers and titles not in the first row.
  lxw_format* header() { return header_; }
  // A number format ("0.0%", "0.0"), made once per workbook.
  lxw_format* number_format(const std::string& pattern);

  // Finishes the file.
  void close();
  // Finishes the temporary file and returns its bytes; the file is removed.
  std::string bytes();

 private:
  void open(Options o);
  std::string path_;
  bool temporary_ = false;
  lxw_workbook* wb_ = nullptr;
  lxw_format* header_ = nullptr;
};

}  // namespace manyi::reports
