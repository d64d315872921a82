// utf8_prefix: truncation for labels and notifications never splits a character (PostgreSQL
// rejects invalid UTF-8, so a split character loses the whole write).
#include <gtest/gtest.h>

#include "core/json.hpp"

namespace manyi {
TEST(Utf8Prefix, NeverSplitsACharacter) {
  std::string s = "医德医风问题";  // 6 characters, 3 bytes each
  for (size_t n = 0; n <= s.size() + 2; ++n) {
    std::string p = utf8_prefix(s, n);
    EXPECT_LE(p.size(), n);
    EXPECT_EQ(p.size() % 3, 0u) << n;
    EXPECT_TRUE(jv::valid_text(p)) << n;
    EXPECT_EQ(s.compare(0, p.size(), p), 0);
  }
  EXPECT_EQ(utf8_prefix(s, 7), "医德");
  EXPECT_EQ(utf8_prefix("abc", 2), "ab");
  EXPECT_EQ(utf8_prefix("abc", 10), "abc");
}
}  // namespace manyi
