#include "reports/xlsx.hpp"

#include <unistd.h>
#include <xlsxwriter.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace manyi::reports {
namespace {

void check(lxw_error e) {
  if (e != LXW_NO_ERROR) throw std::runtime_error(std::string("workbook: ") + lxw_strerror(e));
}

std::string temp_path() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "manyi-export-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for the export");
  close(fd);
  return tmpl;
}

}  // namespace

void Sheet::cell(int64_t row, int col, const std::string& text, lxw_format* format) {
  check(worksheet_write_string(ws_, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), text.c_str(), format));
}

void Sheet::cell(int64_t row, int col, double number, lxw_format* format) {
  check(worksheet_write_number(ws_, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), number, format));
}

void Sheet::width(int first, int last, double width) {
  check(worksheet_set_column(ws_, static_cast<lxw_col_t>(first), static_cast<lxw_col_t>(last), width, nullptr));
}

Workbook::Workbook(Options o) : path_(temp_path()), temporary_(true) { open(o); }

Workbook::Workbook(const std::string& path, Options o) : path_(path) { open(o); }

void Workbook::open(Options o) {
  lxw_workbook_options opt{};
  opt.constant_memory = LXW_TRUE;
  opt.use_zip64 = LXW_TRUE;
  wb_ = workbook_new_opt(path_.c_str(), &opt);
  if (!wb_) {
    if (temporary_) std::filesystem::remove(path_);
    throw std::runtime_error("cannot create the workbook");
  }
  header_ = workbook_add_format(wb_);
  format_set_bold(header_);
  if (o.header_fill) format_set_bg_color(header_, o.header_fill);
}

Workbook::~Workbook() {
  if (wb_) workbook_close(wb_);
  if (temporary_) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

Sheet Workbook::sheet(const std::string& name) {
  lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
  if (!ws) throw std::runtime_error("workbook: cannot add the sheet " + name);
  return Sheet(ws);
}

Sheet Workbook::sheet(const std::string& name, const std::vector<Column>& cols) {
  Sheet s = sheet(name);
  for (size_t i = 0; i < cols.size(); ++i) {
    int col = static_cast<int>(i);
    s.width(col, col, cols[i].width);
    s.cell(0, col, cols[i].name, header_);
  }
  return s;
}

lxw_format* Workbook::number_format(const std::string& pattern) {
  lxw_format* f = workbook_add_format(wb_);
  format_set_num_format(f, pattern.c_str());
  return f;
}

void Workbook::close() {
  if (!wb_) return;
  lxw_error e = workbook_close(wb_);
  wb_ = nullptr;
  check(e);
}

std::string Workbook::bytes() {
  close();
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the finished workbook");
  std::ostringstream ss;
  ss << in.rdbuf();
  in.close();
  if (temporary_) std::filesystem::remove(path_);
  temporary_ = false;
  return ss.str();
}

}  // namespace manyi::reports
