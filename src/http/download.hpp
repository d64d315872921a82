// Names of files the server sends for download: the Content-Disposition header (an ASCII
// fallback plus the RFC 5987 UTF-8 name) and the Chinese names of exports, which say the unit
// and the period ("市第一人民医院_满意度排名_2026-11.xlsx").
#pragma once
#include <string>

namespace manyi::http {

/// `attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded name>`. The ASCII
/// fallback is derived from the name when not given.
std::string attachment_disposition(const std::string& name, const std::string& ascii_fallback = {});

/// "<unit>_<what>_<period>.<ext>", each part cleaned of characters file systems refuse
/// (/ \ : * ? " < > | and controls) and the period's " ~ " written as "至".
std::string export_file_name(const std::string& unit, const std::string& what, const std::string& period,
                             const std::string& ext = "xlsx");

/// The ASCII fallback for an export: "<what_ascii>_<period>.<ext>", keeping only ASCII of the period.
std::string export_ascii_name(const std::string& what_ascii, const std::string& period,
                              const std::string& ext = "xlsx");

}  // namespace manyi::http
