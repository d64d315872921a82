#include "reports/export.hpp"

#include <fmt/format.h>

#include "http/download.hpp"

namespace manyi::reports {

http::Response xlsx_download(std::string bytes, const ExportName& name) {
  auto res = http::Response::text(200, std::move(bytes), kXlsxType);
  res.header("Content-Disposition",
             http::attachment_disposition(http::export_file_name(name.unit, name.what, name.period),
                                          http::export_ascii_name(name.what_ascii, name.period)));
  return res;
}

http::Response audited_xlsx_download(store::Db& db, const audit::Actor& who, const ExportAudit& a, std::string bytes,
                                     const ExportName& name) {
  db.write([&](store::Tx& tx) {
    audit::record(tx, who,
                  {a.action, a.entity, 0, a.node_id, a.node_path, "", "", fmt::format("{}：{} 行", name.what, a.rows)});
  });
  auto res = xlsx_download(std::move(bytes), name);
  res.header("Cache-Control", "no-store");
  return res;
}

}  // namespace manyi::reports
