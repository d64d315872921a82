// org::Path (core/org_path.hpp) and the org reads inside a transaction (org/reads.hpp), on both
// databases: the ids of a path, its parent, the ancestor with an id, the child below an
// ancestor, subtree tests and range; the node, the institution above a node, the root, and
// whether a user holds permissions on a path.
#include <gtest/gtest.h>

#include "core/org_path.hpp"
#include "org/reads.hpp"
#include "org/service.hpp"
#include "store/subtree.hpp"
#include "support/testing.hpp"

using namespace manyi;
using manyi::org::Path;

namespace {

TEST(OrgPath, IdsParentAncestorsAndSubtrees) {
  Path p("/1/4/9/");
  EXPECT_EQ(p.ids(), (std::vector<int64_t>{1, 4, 9}));
  EXPECT_EQ(p.id(), 9);
  EXPECT_EQ(p.depth(), 3u);
  EXPECT_EQ(p.parent().str(), "/1/4/");
  EXPECT_EQ(p.parent_id(), 4);
  EXPECT_EQ(Path("/1/").parent().str(), "");
  EXPECT_EQ(Path("/1/").parent_id(), 0);
  EXPECT_EQ(Path().ids(), std::vector<int64_t>{});
  EXPECT_EQ(p.upto(4).str(), "/1/4/");
  EXPECT_EQ(p.upto(9).str(), "/1/4/9/");
  EXPECT_TRUE(p.upto(40).empty()) << "40 is not on the path, though '4' is a prefix of it";
  EXPECT_EQ(Path("/1/4/9/12/").child_below(Path("/1/4/")).str(), "/1/4/9/");
  EXPECT_TRUE(Path("/1/4/").child_below(Path("/1/4/")).empty()) << "not strictly below";
  EXPECT_TRUE(Path("/1/4/").child_below(Path()).empty());
  EXPECT_TRUE(p.within(Path("/1/")));
  EXPECT_TRUE(p.within(p));
  EXPECT_FALSE(p.strictly_within(p));
  EXPECT_FALSE(Path("/1/40/").within(Path("/1/4/"))) << "a sibling whose id starts with the same digits";
  EXPECT_FALSE(p.within(Path())) << "the empty path is no subtree";
  EXPECT_EQ(p.upper(), "/1/4/90");
  EXPECT_EQ(store::subtree_upper("/1/4/"), Path("/1/4/").upper());
  // Every descendant sorts inside [P, P.upper()), a sibling outside.
  EXPECT_TRUE(Path("/1/4/9/12/").str() >= p.str() && Path("/1/4/9/12/").str() < p.upper());
  EXPECT_FALSE(Path("/1/4/90/").str() < p.upper());
  EXPECT_TRUE(Path("/1/x/").ids().empty()) << "not a path";
}

class OrgReads : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tmp_ = std::make_unique<manyi::testing::TempDb>(GetParam());
    db_ = tmp_->open_migrated();
    org_ = std::make_unique<org::OrgService>(*db_);
    city_ = org_->create_root(kWho, "bureau", "CITY", "市卫生健康局");
    county_ = org_->create_node(kWho, city_.id, "county", "C1", "城关区卫生健康局");
    a_ = org_->create_node(kWho, county_.id, "institution", "A", "甲医院");
    a_nk_ = org_->create_node(kWho, a_.id, "department", "A-NK", "内科");
    a_nk_1_ = org_->create_node(kWho, a_nk_.id, "point", "A-NK-1", "内科护士站");
  }
  const audit::Actor kWho{0, "tester", "10.0.0.1"};
  std::unique_ptr<manyi::testing::TempDb> tmp_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<org::OrgService> org_;
  org::Node city_, county_, a_, a_nk_, a_nk_1_;
};

TEST_P(OrgReads, NodeInstitutionRootAndHoldersInsideATransaction) {
  db_->write([&](store::Tx& tx) {
    auto n = org::node_at(tx, a_nk_1_.id);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->name, "内科护士站");
    EXPECT_EQ(n->kind, "point");
    EXPECT_EQ(n->code, "A-NK-1");
    EXPECT_EQ(n->path.str(), a_nk_1_.path);
    EXPECT_TRUE(n->active);
    EXPECT_FALSE(org::node_at(tx, 999999));

    auto inst = org::institution_of(tx, n->path);
    ASSERT_TRUE(inst);
    EXPECT_EQ(inst->id, a_.id);
    EXPECT_EQ(org::institution_of(tx, Path(a_.path))->id, a_.id) << "an institution is its own";
    EXPECT_FALSE(org::institution_of(tx, Path(county_.path))) << "nothing above a county is an institution";

    auto r = org::root(tx);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->id, city_.id);
    EXPECT_EQ(org::nodes_at(tx, Path(a_nk_1_.path).ids()).size(), 5u);
  });
  EXPECT_EQ(org::root(*db_)->id, city_.id);
  EXPECT_EQ(org::node_at(*db_, a_.id)->name, "甲医院");

  auto head = org_->create_user(kWho, "nk-head", "内科主任", "Password-123456", a_nk_.id, 0, false);
  org_->grant(kWho, head.id, "dept_head", a_nk_.id);
  auto admin = org_->create_user(kWho, "a-admin", "甲医院管理员", "Password-123456", a_.id, 0, false);
  org_->grant(kWho, admin.id, "unit_admin", a_.id);
  db_->write([&](store::Tx& tx) {
    // A grant on the department covers the point below it, not the hospital above.
    auto h = org::holder_on(tx, head.id, {"case.read", "case.handle"}, Path(a_nk_1_.path));
    EXPECT_TRUE(h.found);
    EXPECT_TRUE(h.holds);
    EXPECT_EQ(h.display_name, "内科主任");
    EXPECT_FALSE(org::holder_on(tx, head.id, {"case.handle"}, Path(a_.path)).holds);
    EXPECT_FALSE(org::holder_on(tx, head.id, {"case.contact"}, Path(a_nk_1_.path)).holds) << "dept_head lacks it";
    EXPECT_TRUE(org::holder_on(tx, admin.id, {"case.contact", "case.handle"}, Path(a_nk_.path)).holds);
    EXPECT_FALSE(org::holder_on(tx, 424242, {"case.read"}, Path(a_.path)).found);
  });
}

INSTANTIATE_TEST_SUITE_P(Db, OrgReads, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);

}  // namespace
