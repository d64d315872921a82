// The one ranking rule (metrics/ranking.hpp): rates by the Wilson lower bound, scores by value,
// a minimum n below which entries are listed after the ranked ones with rank 0, and
// competition ranking with ties (1, 2, 2, 4).
#include "metrics/ranking.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace manyi::metrics;
using namespace manyi::metrics::ranking;

namespace {
struct Item {
  std::string name;
  Measure m;
  int rank = -1;
};
std::vector<Item> ranked(std::vector<Item> items, int64_t min_n) {
  rank_in_place(items, min_n, [](const Item& x) { return x.m; }, [](Item& x, int r) { x.rank = r; });
  return items;
}
std::string names(const std::vector<Item>& items) {
  std::string s;
  for (auto& x : items) s += x.name + ":" + std::to_string(x.rank) + " ";
  return s;
}
}  // namespace

TEST(Ranking, TiesShareARankAndTheNextSkips) {
  auto r = ranked({{"a", score(90, 50)}, {"b", score(80, 50)}, {"c", score(80, 50)}, {"d", score(70, 50)},
                   {"e", score(70, 50)}, {"f", score(60, 50)}},
                  30);
  EXPECT_EQ(names(r), "a:1 b:2 c:2 d:4 e:4 f:6 ");
}

TEST(Ranking, EqualRatesShareARank) {
  // Equal rates on equal n: one lower bound, one rank; a lower rate comes third, not second.
  auto r = ranked({{"x", rate(50, 60)}, {"y", rate(50, 60)}, {"z", rate(10, 60)}}, 30);
  EXPECT_EQ(names(r), "x:1 y:1 z:3 ");
}

TEST(Ranking, BelowTheMinimumNIsListedAfterUnranked) {
  // 29 of 29 is 100% but below the minimum; listed after the ranked ones, larger n first.
  auto r = ranked({{"small", rate(29, 29)}, {"tiny", rate(5, 5)}, {"mid", rate(95, 100)}, {"none", rate(0, 0)},
                   {"big", rate(930, 1000)}},
                  30);
  EXPECT_EQ(names(r), "big:1 mid:2 small:0 tiny:0 none:0 ");
  // With a lower minimum the small unit is ranked, on its lower bound (below 95 of 100's).
  auto s = ranked({{"small", rate(29, 29)}, {"mid", rate(95, 100)}}, 10);
  EXPECT_EQ(names(s), "mid:1 small:2 ");
  // n = 0 is never ranked, even with no minimum.
  auto z = ranked({{"none", score(0, 0)}, {"one", score(10, 1)}}, 0);
  EXPECT_EQ(names(z), "one:1 none:0 ");
}

TEST(Ranking, RateByLowerBoundScoreByValue) {
  // As rates, 930/1000 (93%) beats 95/100 (95%): its interval is tighter, its lower bound higher.
  auto r = ranked({{"p", rate(95, 100)}, {"q", rate(930, 1000)}}, 30);
  EXPECT_EQ(names(r), "q:1 p:2 ");
  EXPECT_GT(wilson(930, 1000).low, wilson(95, 100).low);
  // As scores (means), the same figures rank by value, whatever n.
  auto s = ranked({{"p", score(95, 100)}, {"q", score(93, 1000)}}, 30);
  EXPECT_EQ(names(s), "p:1 q:2 ");
  // The measures: a rate's key is its lower bound, its value the rate; a score's both are the score.
  EXPECT_DOUBLE_EQ(rate(81, 100).key, wilson(81, 100).low);
  EXPECT_DOUBLE_EQ(rate(81, 100).value, 0.81);
  EXPECT_EQ(rate(0, 0).value, 0);
  EXPECT_DOUBLE_EQ(score(87.5, 40).key, 87.5);
}

TEST(Ranking, EqualKeysAreOrderedByValueThenNButShareTheRank) {
  Measure a{0.5, 0.6, 100}, b{0.5, 0.7, 100}, c{0.5, 0.7, 200};
  auto r = ranked({{"a", a}, {"b", b}, {"c", c}}, 30);
  EXPECT_EQ(names(r), "c:1 b:1 a:1 ");
}

TEST(Ranking, EmptyAndAllBelowTheMinimum) {
  EXPECT_TRUE(ranked({}, 30).empty());
  EXPECT_TRUE(rank({}, 30).empty());
  auto r = ranked({{"a", rate(9, 10)}, {"b", rate(19, 20)}, {"c", score(99, 20)}}, 30);
  EXPECT_EQ(names(r), "b:0 c:0 a:0 ");  // none ranked: n descending, input order among equals
  auto p = rank({rate(9, 10), rate(19, 20)}, 30);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].index, 1u);
  EXPECT_EQ(p[0].rank, 0);
  EXPECT_EQ(p[1].index, 0u);
}
