// The one reader for uploaded tables (staff, discharged patients, future imports): the first
// sheet of an .xlsx, or a CSV in UTF-8 (with or without BOM) or GB18030/GBK — valid UTF-8 is
// read as UTF-8, anything else is decoded as GB18030. The input is outside data: the unzipped
// size, rows, columns and cell length are bounded, and a malformed file is a 422 naming the
// file, never a crash. File-level errors carry field "file" and one of the codes
// unsupported_file, empty_file, file_too_large, too_many_rows, too_many_columns,
// cell_too_long, missing_column (field = the missing column's key).
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace manyi::table {

struct Limits {
  size_t max_rows = 20001;            // header included
  size_t max_cols = 64;
  size_t max_cell = 2000;             // bytes of one cell's text
  size_t max_unzipped = 64u << 20;    // total bytes inflated from an .xlsx
};

// Rows of cells, UTF-8, row i is the file's line/row i + 1 (blank rows kept, so row numbers
// match what the user sees in Excel). Cells are trimmed of surrounding spaces.
using Rows = std::vector<std::vector<std::string>>;

Rows read(const std::string& bytes, const Limits& lim = {});
Rows read_xlsx(const std::string& bytes, const Limits& lim = {});
Rows read_csv(const std::string& bytes, const Limits& lim = {});
// UTF-8 (BOM dropped) as is, otherwise GB18030 decoded to UTF-8; throws unsupported_file.
std::string decode_text(const std::string& bytes);
bool is_utf8(const std::string& s);

// A column an import understands: its key (as row errors name it) and the header texts that
// mean it (Chinese and English; matched ignoring case, spaces, "*" and bracketed notes).
struct Column {
  std::string key;
  std::vector<std::string> names;
  bool required = true;
};
// key -> column index of the header row; throws missing_column (field = key) for a required
// column that is not there.
std::map<std::string, size_t> match_header(const std::vector<std::string>& header, const std::vector<Column>& cols);
std::string header_key(const std::string& text);

bool blank(const std::vector<std::string>& row);
// The cell of a row for a column key ("" when the row is short or the column absent).
std::string cell(const std::vector<std::string>& row, const std::map<std::string, size_t>& cols, const std::string& key);

// A CSV (UTF-8 with BOM, which Excel opens correctly) of a header row and example rows.
std::string csv_text(const std::vector<std::vector<std::string>>& rows);

}  // namespace manyi::table
