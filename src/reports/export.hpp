// The download response of an export: the workbook under its Chinese file name
// ("市第一人民医院_投诉统计_2026-01-01至2026-03-31.xlsx", http/download.hpp) with an ASCII
// fallback, and — for exports of personal or case data — the audit entry that records who
// exported what, written before the file is sent.
#pragma once
#include <cstdint>
#include <string>

#include "audit/audit.hpp"
#include "http/http.hpp"
#include "store/db.hpp"

namespace manyi::reports {

inline constexpr const char* kXlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// "<unit>_<what>_<period>.xlsx"; the ASCII fallback is "<what_ascii>_<period>.xlsx".
struct ExportName {
  std::string unit, what, what_ascii, period;
};

// The workbook's bytes as a download.
http::Response xlsx_download(std::string bytes, const ExportName& name);

// Where an audited export is recorded: the node it covers (its unit's audit log shows it).
struct ExportAudit {
  std::string action;  // "case.export"
  std::string entity;  // "case"
  int64_t node_id = 0;
  std::string node_path;  // looked up from node_id when empty
  int64_t rows = 0;       // the detail says "<what>：<rows> 行"
};

// Records the export in the audit log, then the download, never cached (Cache-Control: no-store).
http::Response audited_xlsx_download(store::Db& db, const audit::Actor& who, const ExportAudit& a, std::string bytes,
                                     const ExportName& name);

}  // namespace manyi::reports
