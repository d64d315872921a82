// Names of downloaded files: exports are named in Chinese with the unit and the period, sent as
// RFC 5987 filename*=UTF-8'' with an ASCII fallback for old clients.
#include <gtest/gtest.h>

#include "http/download.hpp"

using namespace manyi::http;

TEST(ExportFileName, SaysTheUnitWhatAndPeriodInChinese) {
  EXPECT_EQ(export_file_name("市第一人民医院", "满意度排名", "2026-11"), "市第一人民医院_满意度排名_2026-11.xlsx");
  EXPECT_EQ(export_file_name("市第一人民医院", "投诉统计", "2026-01-01 ~ 2026-03-31"),
            "市第一人民医院_投诉统计_2026-01-01至2026-03-31.xlsx");
  EXPECT_EQ(export_file_name("", "评价留言", "2026"), "评价留言_2026.xlsx");
  // Characters file systems refuse never reach the name.
  EXPECT_EQ(export_file_name("A/B:C*医院?", "投诉案件清单", "2026-12"), "A_B_C_医院__投诉案件清单_2026-12.xlsx");
}

TEST(ExportFileName, HasAnAsciiFallbackWithThePeriod) {
  EXPECT_EQ(export_ascii_name("satisfaction-ranking", "2026-11"), "satisfaction-ranking_2026-11.xlsx");
  EXPECT_EQ(export_ascii_name("cases", "截至2026-12-06"), "cases_2026-12-06.xlsx");
  EXPECT_EQ(export_ascii_name("case-statistics", "2026-01-01至2026-03-31"), "case-statistics_2026-01-01_2026-03-31.xlsx");
  EXPECT_EQ(export_ascii_name("comments", ""), "comments.xlsx");
}

TEST(AttachmentDisposition, SendsTheUtf8NameAndTheAsciiFallback) {
  EXPECT_EQ(attachment_disposition("医院_2026-11.xlsx", "ranking_2026-11.xlsx"),
            "attachment; filename=\"ranking_2026-11.xlsx\"; "
            "filename*=UTF-8''%E5%8C%BB%E9%99%A2_2026-11.xlsx");
  EXPECT_EQ(attachment_disposition("a\"b.png"), "attachment; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png");
}
