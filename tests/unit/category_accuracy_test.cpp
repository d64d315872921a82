// The category suggestion measured on a labelled set of complaint texts written for this test
// (tests/fixtures/complaint_categories.tsv, one "code<TAB>text" a line), on both databases with
// the shipped rules as migrated. Prints the figures; asserts floors for the top category (the
// routing decision), the exact category, and the share wrongly left under 其他.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "cases/service.hpp"
#include "store/db.hpp"
#include "support/testing.hpp"

using namespace manyi;

namespace {

struct Labelled {
  std::string code, text;
};

std::vector<Labelled> fixture() {
  std::ifstream f(std::string(MANYI_SOURCE_DIR) + "/tests/fixtures/complaint_categories.tsv");
  std::vector<Labelled> out;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

class CategoryAccuracy : public ::testing::TestWithParam<std::string> {};

TEST_P(CategoryAccuracy, ShippedRulesSuggestTheRightCategory) {
  manyi::testing::TempDb tdb(GetParam());
  auto db = tdb.open_migrated();
  cases::CaseService svc(*db);
  std::map<std::string, std::string> parent;  // code -> top category
  for (auto& k : svc.categories()) parent[k.code] = k.parent.empty() ? k.code : k.parent;
  auto set = fixture();
  ASSERT_GE(set.size(), 300u);
  int exact = 0, top = 0, other = 0, not_other = 0;
  std::map<std::string, std::pair<int, int>> per_top;  // right, total
  std::string misses;
  for (auto& x : set) {
    ASSERT_TRUE(parent.count(x.code)) << "the fixture uses a category the product does not ship: " << x.code;
    auto got = svc.suggest_category(x.text).category;
    bool top_ok = parent[got] == parent[x.code];
    exact += got == x.code;
    top += top_ok;
    auto& pt = per_top[parent[x.code]];
    pt.first += top_ok;
    ++pt.second;
    if (x.code != "other") {
      ++not_other;
      other += got == "other";
    }
    if (!top_ok) misses += "  " + x.code + " → " + got + "  " + x.text + "\n";
  }
  double n = static_cast<double>(set.size());
  double top_rate = top / n, exact_rate = exact / n, other_rate = other / static_cast<double>(not_other);
  std::printf("category suggestion on %zu labelled texts: top category %.1f%%, exact category %.1f%%, "
              "left under 其他 %.1f%% of %d texts that have a category\n",
              set.size(), top_rate * 100, exact_rate * 100, other_rate * 100, not_other);
  for (auto& [code, p] : per_top) std::printf("  %-12s %3d / %3d\n", code.c_str(), p.first, p.second);
  std::printf("wrong top category:\n%s", misses.c_str());
  EXPECT_GE(top_rate, 0.85);
  EXPECT_GE(exact_rate, 0.75);
  EXPECT_LE(other_rate, 0.10);
  // The example: a wait for a result is a waiting matter, not a diagnosis.
  EXPECT_EQ(svc.suggest_category("检查结果等太久了。").category, "waiting_report");
}

INSTANTIATE_TEST_SUITE_P(Db, CategoryAccuracy, ::testing::ValuesIn(manyi::testing::backends()),
                         manyi::testing::backend_name);

}  // namespace
