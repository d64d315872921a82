// .xlsx exports (libxlsxwriter, constant_memory mode: rows stream to a temporary file, so
// memory stays flat for a million rows): the satisfaction ranking and the comments list.
#pragma once
#include <string>
#include <vector>

#include "feedback/service.hpp"
#include "metrics/satisfaction.hpp"

namespace manyi::feedback {

// One block per group of like units (县（区）卫生健康局, 医疗机构, 科室 …), each ranked on its own.
std::string ranking_xlsx(const std::string& node_name, const std::string& period_label, const std::string& surveys,
                         const std::vector<metrics::RankGroup>& groups, int64_t min_n);
// Comments matching the filter (newest first), at most max_rows; f.cursor/limit are ignored.
std::string comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows);
// Writes the comments workbook to a file; returns the number of rows written.
int64_t write_comments_xlsx(FeedbackService& svc, CommentFilter f, const std::string& title, int64_t max_rows,
                            const std::string& path);

}  // namespace manyi::feedback
