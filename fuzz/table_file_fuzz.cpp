// Uploaded tables (staff, discharged patients): table::read on any bytes — CSV in UTF-8 or
// GB18030, or an .xlsx (a zip of XML) — then the header matching the imports do.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/table_file.hpp"
#include "fuzz_util.hpp"

using namespace manyi;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  table::Limits lim;
  lim.max_rows = 2000;
  lim.max_unzipped = 4u << 20;  // keeps each run quick; the bound itself is what is checked
  fuzz::expect_clean([&] {
    auto rows = table::read(bytes, lim);
    if (rows.empty()) return;
    std::vector<table::Column> cols = {{"employee_no", {"工号", "employee no"}, true},
                                       {"name", {"姓名", "name"}, true},
                                       {"title", {"职称", "title"}, false}};
    auto m = table::match_header(rows[0], cols);
    for (size_t i = 1; i < rows.size(); ++i)
      if (!table::blank(rows[i])) (void)table::cell(rows[i], m, "title");
  });
  fuzz::expect_clean([&] { (void)table::decode_text(bytes); });
  return 0;
}
