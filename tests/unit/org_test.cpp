// OrgService and Auth on both databases: the tree (create, rename, move, deactivate), staff
// and their institution, CSV import, users and grants, sessions and sign-in throttling, and an
// audit entry for every change.
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/router.hpp"
#include "org/auth.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"
#include "store/subtree.hpp"

using namespace manyi;
using namespace manyi::testing;

namespace {

const audit::Actor kWho{0, "tester", "10.0.0.1"};

class Org : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    tmp_ = std::make_unique<TempDb>(GetParam());
    db_ = tmp_->open_migrated();
    org_ = std::make_unique<org::OrgService>(*db_);
    city_ = org_->create_root(kWho, "bureau", "CITY", "市卫生健康局");
    county_ = org_->create_node(kWho, city_.id, "county", "C1", "城关区卫生健康局");
    a_ = org_->create_node(kWho, county_.id, "institution", "A", "甲医院");
    b_ = org_->create_node(kWho, city_.id, "institution", "B", "乙医院");
    a_nk_ = org_->create_node(kWho, a_.id, "department", "A-NK", "内科");
    a_nk_1_ = org_->create_node(kWho, a_nk_.id, "point", "A-NK-1", "内科护士站");
    a_wk_ = org_->create_node(kWho, a_.id, "department", "A-WK", "外科");
  }
  void TearDown() override {
    set_fake_now_ms(0);
    org_.reset();
    db_.reset();
    tmp_.reset();
  }
  int64_t count(const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db_->query(sql, p)).value_or(-1);
  }
  int64_t audits(const std::string& action) {
    return count("SELECT COUNT(*) FROM audit_log WHERE action = ?", {action});
  }
  org::Staff staff(const std::string& no, int64_t node, const std::string& cat = "doctor") {
    org::Staff s;
    s.employee_no = no;
    s.name = "员工" + no;
    s.category = cat;
    s.node_id = node;
    return org_->create_staff(kWho, s);
  }
  template <class F>
  std::string error_field(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code() + ":" + e.field();
    }
    return "no error";
  }

  std::unique_ptr<TempDb> tmp_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<org::OrgService> org_;
  org::Node city_, county_, a_, b_, a_nk_, a_nk_1_, a_wk_;
};

}  // namespace

TEST_P(Org, CreateSetsPathsDepthsAndChecksRules) {
  EXPECT_EQ(city_.path, "/" + std::to_string(city_.id) + "/");
  EXPECT_EQ(a_nk_1_.path, a_nk_.path + std::to_string(a_nk_1_.id) + "/");
  EXPECT_EQ(a_nk_1_.depth, 4);
  EXPECT_EQ(b_.depth, 1);
  auto n = org_->node(a_nk_.id);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->name, "内科");
  EXPECT_TRUE(n->has_children);
  EXPECT_FALSE(org_->node(a_wk_.id)->has_children);
  EXPECT_EQ(org_->node_by_code("A-NK-1")->id, a_nk_1_.id);
  auto kids = org_->children(a_.id);
  ASSERT_EQ(kids.size(), 2u);
  auto anc = org_->ancestors(a_nk_1_);
  ASSERT_EQ(anc.size(), 4u);
  EXPECT_EQ(anc[0].id, city_.id);
  EXPECT_EQ(anc[3].id, a_nk_.id);

  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "department", "A-NK", "重复"); }), "duplicate_code:code");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_nk_1_.id, "department", "X1", "倒挂"); }), "invalid_field:kind");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "county", "X2", "倒挂"); }), "invalid_field:kind");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "ward", "X3", "未知"); }), "invalid_field:kind");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, 42, "department", "X4", "无父"); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "department", "has space", "x"); }), "invalid_field:code");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "department", "", "x"); }), "invalid_field:code");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "department", "X5", " "); }), "invalid_field:name");
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_.id, "department", "X6", std::string(101, 'x')); }),
            "invalid_field:name");
  EXPECT_NO_THROW(org_->create_node(kWho, a_.id, "department", "X7", std::string(100, 'x')));
  // 100 Chinese characters are 100 characters, not 300.
  std::string zh;
  for (int i = 0; i < 100; ++i) zh += "科";
  EXPECT_NO_THROW(org_->create_node(kWho, a_.id, "department", "X8", zh));
  // Same kind below is fine (a point under a point, a department under a department).
  EXPECT_NO_THROW(org_->create_node(kWho, a_nk_.id, "department", "A-NK-SUB", "内科一病区"));
  EXPECT_EQ(audits("org.node.create"), 10);
}

TEST_P(Org, RenameAndRecode) {
  auto n = org_->update_node(kWho, a_nk_.id, std::string("心内科"), std::string("A-XNK"), std::nullopt);
  EXPECT_EQ(n.name, "心内科");
  EXPECT_EQ(n.code, "A-XNK");
  EXPECT_EQ(n.path, a_nk_.path);  // paths are ids, not codes
  EXPECT_EQ(error_field([&] { org_->update_node(kWho, a_wk_.id, std::nullopt, std::string("A-XNK"), std::nullopt); }),
            "duplicate_code:code");
  EXPECT_EQ(error_field([&] { org_->update_node(kWho, 1234, std::string("x"), std::nullopt, std::nullopt); }), "not_found:");
  auto same = org_->update_node(kWho, a_nk_.id, std::nullopt, std::string("A-XNK"), std::nullopt);  // own code again
  EXPECT_EQ(same.code, "A-XNK");
  EXPECT_EQ(audits("org.node.update"), 2);
}

TEST_P(Org, MoveRewritesTheWholeSubtreeAndStaffUnits) {
  auto deep = org_->create_node(kWho, a_nk_1_.id, "point", "A-NK-1-1", "床旁");
  auto s1 = staff("S1", a_nk_.id), s2 = staff("S2", deep.id), s3 = staff("S3", a_wk_.id);
  EXPECT_EQ(s1.unit_id, a_.id);
  EXPECT_EQ(s2.unit_id, a_.id);
  std::string wk_path_before = org_->node(a_wk_.id)->path;

  auto moved = org_->move_node(kWho, a_nk_.id, b_.id);
  EXPECT_EQ(moved.parent_id, b_.id);
  EXPECT_EQ(moved.path, b_.path + std::to_string(a_nk_.id) + "/");
  EXPECT_EQ(moved.depth, 2);
  auto p = *org_->node(a_nk_1_.id);
  EXPECT_EQ(p.path, moved.path + std::to_string(a_nk_1_.id) + "/");
  EXPECT_EQ(p.depth, 3);
  auto d = *org_->node(deep.id);
  EXPECT_EQ(d.path, p.path + std::to_string(deep.id) + "/");
  EXPECT_EQ(d.depth, 4);
  EXPECT_EQ(org_->node(a_wk_.id)->path, wk_path_before);  // the sibling is untouched
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes WHERE path >= ? AND path < ?", {a_.path, store::subtree_upper(a_.path)}), 2);
  // Staff keep their node and follow it to the new institution.
  EXPECT_EQ(org_->staff(s1.id)->unit_id, b_.id);
  EXPECT_EQ(org_->staff(s2.id)->unit_id, b_.id);
  EXPECT_EQ(org_->staff(s3.id)->unit_id, a_.id);
  EXPECT_EQ(org_->staff(s2.id)->node_id, deep.id);

  // Moving deeper: B under the county; everything below B shifts by one.
  auto b2 = org_->move_node(kWho, b_.id, county_.id);
  EXPECT_EQ(b2.depth, 2);
  EXPECT_EQ(org_->node(deep.id)->depth, 5);
  EXPECT_EQ(org_->node(deep.id)->path.rfind(county_.path, 0), 0u);

  // Not under itself or its own subtree; not the root; not under a point; not into an inactive parent.
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, a_nk_.id, a_nk_.id); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, a_nk_.id, deep.id); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, b_.id, deep.id); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, city_.id, a_.id); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, a_wk_.id, 99); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, 99, a_.id); }), "not_found:");
  auto off = org_->create_node(kWho, a_.id, "department", "A-OFF", "停用科");
  org_->update_node(kWho, off.id, std::nullopt, std::nullopt, false);
  EXPECT_EQ(error_field([&] { org_->move_node(kWho, a_wk_.id, off.id); }), "invalid_field:parent_id");
  // Moving under the current parent changes nothing.
  auto again = org_->move_node(kWho, a_wk_.id, a_.id);
  EXPECT_EQ(again.path, wk_path_before);
  EXPECT_EQ(audits("org.node.move"), 2);
}

TEST_P(Org, AMoveThatWouldDuplicateAnEmployeeNumberChangesNothing) {
  staff("SAME-1", a_nk_.id);
  staff("SAME-1", b_.id);  // same number, other institution: fine
  std::string before = org_->node(a_nk_.id)->path;
  EXPECT_THROW(org_->move_node(kWho, a_nk_.id, b_.id), Error);
  EXPECT_EQ(org_->node(a_nk_.id)->path, before);
  EXPECT_EQ(org_->node(a_nk_1_.id)->path.rfind(before, 0), 0u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff WHERE unit_id = ?", {a_.id}), 1);
  EXPECT_EQ(audits("org.node.move"), 0);
}

TEST_P(Org, DeactivationRules) {
  EXPECT_EQ(error_field([&] { org_->update_node(kWho, a_nk_.id, std::nullopt, std::nullopt, false); }),
            "has_active_children:active");
  org_->update_node(kWho, a_nk_1_.id, std::nullopt, std::nullopt, false);
  auto off = org_->update_node(kWho, a_nk_.id, std::nullopt, std::nullopt, false);
  EXPECT_FALSE(off.active);
  EXPECT_EQ(count("SELECT COUNT(*) FROM org_nodes WHERE id = ?", {a_nk_.id}), 1);  // never deleted
  EXPECT_EQ(error_field([&] { org_->create_node(kWho, a_nk_.id, "point", "P9", "x"); }), "invalid_field:parent_id");
  EXPECT_EQ(error_field([&] { staff("S9", a_nk_.id); }), "invalid_field:node_id");
  EXPECT_EQ(error_field([&] { org_->update_node(kWho, a_nk_1_.id, std::nullopt, std::nullopt, true); }),
            "parent_inactive:active");
  org_->update_node(kWho, a_nk_.id, std::nullopt, std::nullopt, true);
  EXPECT_TRUE(org_->update_node(kWho, a_nk_1_.id, std::nullopt, std::nullopt, true).active);
  EXPECT_EQ(audits("org.node.deactivate"), 2);
  EXPECT_EQ(audits("org.node.activate"), 2);
}

TEST_P(Org, StaffCreateUpdateAndTheirInstitution) {
  EXPECT_EQ(org_->unit_of(a_nk_1_), a_.id);
  EXPECT_EQ(org_->unit_of(a_), a_.id);
  EXPECT_EQ(org_->unit_of(county_), county_.id);  // nothing above: the node itself
  auto s = staff("E-1", a_nk_1_.id, "window");
  EXPECT_EQ(s.unit_id, a_.id);
  EXPECT_EQ(s.node_name, "内科护士站");
  EXPECT_EQ(error_field([&] { staff("E-1", a_wk_.id); }), "duplicate_employee_no:employee_no");
  auto other = staff("E-1", b_.id);  // another institution may reuse the number
  EXPECT_EQ(other.unit_id, b_.id);
  EXPECT_EQ(error_field([&] { staff("E-2", a_wk_.id, "chef"); }), "invalid_field:category");
  EXPECT_EQ(error_field([&] { staff("", a_wk_.id); }), "invalid_field:employee_no");
  EXPECT_EQ(error_field([&] { staff("E-3", 77); }), "invalid_field:node_id");

  auto u = org_->update_staff(kWho, s.id, std::string("新名字"), std::string("nurse"), std::string("护师"), a_wk_.id, std::nullopt);
  EXPECT_EQ(u.name, "新名字");
  EXPECT_EQ(u.category, "nurse");
  EXPECT_EQ(u.node_id, a_wk_.id);
  EXPECT_EQ(u.unit_id, a_.id);
  // Moving to B where E-1 exists is refused; nothing changes.
  EXPECT_EQ(error_field([&] { org_->update_staff(kWho, s.id, std::nullopt, std::nullopt, std::nullopt, b_.id, std::nullopt); }),
            "duplicate_employee_no:employee_no");
  EXPECT_EQ(org_->staff(s.id)->node_id, a_wk_.id);
  auto off = org_->update_staff(kWho, s.id, std::nullopt, std::nullopt, std::nullopt, std::nullopt, false);
  EXPECT_FALSE(off.active);
  EXPECT_EQ(error_field([&] { org_->update_staff(kWho, 5, std::nullopt, std::nullopt, std::nullopt, std::nullopt, false); }),
            "not_found:");

  org::StaffFilter f;
  f.scope = {a_.path};
  f.limit = 100;
  EXPECT_EQ(org_->list_staff(f).size(), 1u);
  f.scope = {a_.path, b_.path};
  EXPECT_EQ(org_->list_staff(f).size(), 2u);
  f.active = true;
  EXPECT_EQ(org_->list_staff(f).size(), 1u);
  f.active.reset();
  f.q = "新名";
  EXPECT_EQ(org_->list_staff(f).size(), 1u);
  f.q.clear();
  f.scope = {};
  EXPECT_EQ(org_->list_staff(f).size(), 0u);  // no scope, nothing
  EXPECT_EQ(audits("staff.create"), 2);
  EXPECT_EQ(audits("staff.update"), 2);
}

TEST_P(Org, CsvImportAllOrNothingOrValidRows) {
  staff("OLD-1", a_nk_.id);
  std::string csv =
      "\xEF\xBB\xBF"
      "employee_no, name ,category,title,node_code\r\n"
      "I-1,张三,doctor,主任医师,A-NK\r\n"
      "I-2,\"李\"\"四\"\"\",nurse,,A-NK-1\r\n"
      "\r\n"
      "I-3,王五,chef,,A-NK\r\n"
      "I-4,赵六,doctor,,B\r\n"
      "I-5,钱七,doctor,,NOPE\r\n"
      "I-1,重复,doctor,,A-WK\r\n"
      "OLD-1,已有,doctor,,A-WK\r\n"
      "I-6,\"多行\n名字\",doctor\r\n"
      "I-7,孙八,admin,科员,A-WK";
  auto in_a = [&](const std::string& path) { return path.rfind(a_.path, 0) == 0; };
  int64_t before = count("SELECT COUNT(*) FROM staff");
  auto r = org_->import_staff(kWho, csv, false, in_a);
  EXPECT_EQ(r.imported, 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), before);
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(r.errors[0].row, 5);
  EXPECT_EQ(r.errors[0].field, "category");
  EXPECT_EQ(r.errors[1].row, 6);  // B is outside the caller's scope
  EXPECT_EQ(r.errors[1].field, "node_code");
  EXPECT_EQ(r.errors[2].field, "node_code");
  EXPECT_EQ(r.errors[3].field, "employee_no");  // repeated in the file
  EXPECT_EQ(r.errors[4].field, "employee_no");  // already stored
  EXPECT_EQ(r.errors[5].field, "node_code");    // a short row: its department is missing
  EXPECT_EQ(audits("staff.import"), 0);

  auto ok = org_->import_staff(kWho, csv, true, in_a);
  EXPECT_EQ(ok.imported, 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM staff"), before + 3);
  EXPECT_EQ(db_->query("SELECT name FROM staff WHERE employee_no = 'I-2'")[0].str(0), "李\"四\"");
  EXPECT_EQ(count("SELECT unit_id FROM staff WHERE employee_no = 'I-2'"), a_.id);
  EXPECT_EQ(db_->query("SELECT title FROM staff WHERE employee_no = 'I-7'")[0].str(0), "科员");
  EXPECT_EQ(audits("staff.import"), 1);

  // File-level refusals carry their own codes (the console words each one).
  EXPECT_EQ(error_field([&] { org_->import_staff(kWho, "", false, in_a); }), "empty_file:file");
  EXPECT_EQ(error_field([&] { org_->import_staff(kWho, "no,header\n", false, in_a); }), "missing_column:employee_no");
  // Bytes that are neither UTF-8 nor GB18030 (text that is not UTF-8 is read as GB18030).
  EXPECT_EQ(error_field([&] { org_->import_staff(kWho, "employee_no,name,category,title,node_code\nX,\xFF\xFE\xFF,doctor,,A\n", false, in_a); }),
            "unsupported_file:file");
  std::string big = "employee_no,name,category,title,node_code\n";
  for (int i = 0; i < 20001; ++i) big += "B" + std::to_string(i) + ",名,doctor,,A-NK\n";
  EXPECT_EQ(error_field([&] { org_->import_staff(kWho, big, false, in_a); }), "too_many_rows:file");
  // 20000 rows are fine and go in as one bulk insert.
  big = "employee_no,name,category,title,node_code\n";
  for (int i = 0; i < 20000; ++i) big += "B" + std::to_string(i) + ",名,doctor,,A-NK\n";
  EXPECT_EQ(org_->import_staff(kWho, big, false, in_a).imported, 20000);
}

TEST_P(Org, UsersPasswordsAndGrants) {
  auto u = org_->create_user(kWho, "li.si", "李四", "Good-pass-1", a_nk_.id, 0, true);
  EXPECT_TRUE(u.must_change_password);
  EXPECT_EQ(u.node_name, "内科");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "li.si", "x", "Good-pass-1", a_.id, 0, false); }),
            "duplicate_username:username");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "bad name", "x", "Good-pass-1", a_.id, 0, false); }),
            "invalid_field:username");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "x", "x", "Good-pass-1", a_.id, 0, false); }), "invalid_field:username");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "wang", "x", "weak", a_.id, 0, false); }), "invalid_field:password");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "wang", "x", "Good-pass-1", 5, 0, false); }), "invalid_field:node_id");
  EXPECT_EQ(error_field([&] { org_->create_user(kWho, "wang", "x", "Good-pass-1", a_.id, 5, false); }), "invalid_field:staff_id");
  auto hash = db_->query("SELECT password_hash FROM users WHERE id = ?", {u.id})[0].str(0);
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(org::verify_password(hash, "Good-pass-1"));

  auto g = org_->grant(kWho, u.id, "dept_head", a_nk_.id);
  EXPECT_EQ(g.node_path, a_nk_.path);
  org_->grant(kWho, u.id, "handler", a_.id);
  EXPECT_EQ(error_field([&] { org_->grant(kWho, u.id, "dept_head", a_nk_.id); }), "duplicate_grant:");
  EXPECT_EQ(error_field([&] { org_->grant(kWho, u.id, "god", a_nk_.id); }), "invalid_field:role");
  EXPECT_EQ(error_field([&] { org_->grant(kWho, 3, "handler", a_nk_.id); }), "not_found:");
  auto gs = org_->grants_of(u.id);
  ASSERT_EQ(gs.size(), 2u);
  EXPECT_EQ(gs[1].node_name, "甲医院");
  EXPECT_EQ(error_field([&] { org_->revoke(kWho, u.id + 1, g.id); }), "not_found:");
  org_->revoke(kWho, u.id, g.id);
  EXPECT_EQ(org_->grants_of(u.id).size(), 1u);

  org_->set_password(kWho, u.id, "Next-pass-2", false);
  EXPECT_FALSE(org_->user(u.id)->must_change_password);
  EXPECT_EQ(error_field([&] { org_->set_password(kWho, u.id, "li.si-Pass-3", false); }), "invalid_field:password");
  auto off = org_->update_user(kWho, u.id, std::string("李四（离职）"), false);
  EXPECT_FALSE(off.active);
  EXPECT_EQ(off.display_name, "李四（离职）");
  auto listed = org_->list_users({a_.path}, "", "", 0, 10);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].grants.size(), 1u);
  EXPECT_TRUE(org_->list_users({b_.path}, "", "", 0, 10).empty());
  for (auto a : {"user.create", "user.grant", "user.revoke", "user.password", "user.deactivate"})
    EXPECT_GE(audits(a), 1) << a;
}

TEST_P(Org, EveryChangeIsAuditedAndTheChainVerifies) {
  staff("A-1", a_nk_.id);
  org_->move_node(kWho, a_wk_.id, b_.id);
  auto u = org_->create_user(kWho, "zhao", "赵", "Good-pass-1", b_.id, 0, false);
  org_->grant(kWho, u.id, "unit_admin", b_.id);
  auto rows = db_->query("SELECT username, ip, node_path, before_digest, after_digest FROM audit_log WHERE action = 'org.node.move'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].str(0), "tester");
  EXPECT_EQ(rows[0].str(1), "10.0.0.1");
  EXPECT_EQ(rows[0].str(2).rfind(b_.path, 0), 0u);
  EXPECT_EQ(rows[0].str(3).size(), 64u);  // sha-256 of the canonical before/after
  EXPECT_NE(rows[0].str(3), rows[0].str(4));
  auto v = audit::verify(*db_);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.checked, count("SELECT COUNT(*) FROM audit_log"));
  EXPECT_EQ(v.checked, count("SELECT seq FROM audit_head"));
}

// ---- sessions and sign-in ----

TEST_P(Org, SessionsExpireWhenIdleAndAfterTheAbsoluteLimit) {
  auto u = org_->create_user(kWho, "sess", "会话", "Good-pass-1", a_.id, 0, false);
  org_->grant(kWho, u.id, "unit_admin", a_.id);
  http::RateLimiter limiter;
  org::Auth auth(*org_, limiter);
  int64_t t0 = 1'900'000'000'000;
  set_fake_now_ms(t0);
  auto res = auth.login("sess", "Good-pass-1", "10.0.0.9", "test-agent");
  ASSERT_FALSE(res.token.empty());
  EXPECT_EQ(res.principal.username, "sess");
  ASSERT_EQ(res.principal.grants.size(), 1u);
  EXPECT_EQ(res.principal.grants[0].node_path, a_.path);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions WHERE token_hash = ?", {res.token}), 0);  // stored hashed
  EXPECT_TRUE(auth.principal_for_token(res.token));
  EXPECT_FALSE(auth.principal_for_token(res.token + "x"));
  EXPECT_FALSE(auth.principal_for_token(""));
  EXPECT_FALSE(auth.principal_for_token(std::string(200, 'a')));
  auto cookie = auth.session_cookie(res.token, false);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);
  EXPECT_NE(auth.session_cookie(res.token, true).find("; Secure"), std::string::npos);

  // Idle: just under two hours is fine (and touches the session), just over is not.
  int64_t idle = auth.options().idle_timeout_ms;
  set_fake_now_ms(t0 + idle - 1000);
  EXPECT_TRUE(auth.principal_for_token(res.token));
  set_fake_now_ms(t0 + 2 * idle - 2000);
  EXPECT_TRUE(auth.principal_for_token(res.token));  // the touch above moved last_seen
  set_fake_now_ms(t0 + 3 * idle);
  EXPECT_FALSE(auth.principal_for_token(res.token));

  // Absolute: an active session still ends after twelve hours.
  set_fake_now_ms(t0);
  auto res2 = auth.login("sess", "Good-pass-1", "10.0.0.9", "");
  int64_t step = idle / 2;
  for (int64_t t = t0; t < t0 + auth.options().absolute_timeout_ms; t += step) {
    set_fake_now_ms(t);
    EXPECT_TRUE(auth.principal_for_token(res2.token)) << (t - t0);
  }
  set_fake_now_ms(t0 + auth.options().absolute_timeout_ms + 1);  // last seen an hour ago
  EXPECT_FALSE(auth.principal_for_token(res2.token));

  // Logout and deactivation end sessions.
  set_fake_now_ms(t0);
  auto res3 = auth.login("sess", "Good-pass-1", "10.0.0.9", "");
  auth.logout(*auth.principal_for_token(res3.token));
  EXPECT_FALSE(auth.principal_for_token(res3.token));
  auto res4 = auth.login("sess", "Good-pass-1", "10.0.0.9", "");
  org_->update_user(kWho, u.id, std::nullopt, false);
  EXPECT_FALSE(auth.principal_for_token(res4.token));
  EXPECT_THROW(auth.login("sess", "Good-pass-1", "10.0.0.9", ""), Error);  // inactive
}

namespace {
struct Attempt {
  int status = 200;
  std::string code, message;
  int retry_after = 0;
  bool operator==(const Attempt&) const = default;
};
Attempt attempt(org::Auth& auth, const std::string& user, const std::string& pw, const std::string& ip) {
  try {
    auth.login(user, pw, ip, "");
    return {};
  } catch (const Error& e) {
    return {e.status(), e.code(), e.what(), e.retry_after()};
  }
}
}  // namespace

// Per name: five free failures, then a wait of 30 s that doubles with each further failure up
// to 15 minutes; attempts during the wait are refused unchecked and not counted. A name without
// an account is treated exactly alike (no account discovery).
TEST_P(Org, SignInFailuresPerAccountWaitProgressively) {
  org_->create_user(kWho, "lock", "锁", "Good-pass-1", a_.id, 0, false);
  http::RateLimiter limiter;  // no "login" class: no per-address limit in this test
  org::Auth auth(*org_, limiter);
  int64_t t = 1'900'000'000'000;
  set_fake_now_ms(t);
  for (const std::string name : {"lock", "nobody"}) {
    SCOPED_TRACE(name);
    t += 24LL * 3600 * 1000;
    set_fake_now_ms(t);
    for (int i = 0; i < 5; ++i)
      EXPECT_EQ(attempt(auth, name, "Wrong-pass-1", "10.0.0." + std::to_string(i)).status, 401) << i;
    auto held = attempt(auth, name, "Good-pass-1", "10.0.0.99");  // whatever the address
    EXPECT_EQ(held.status, 429);
    EXPECT_EQ(held.code, "too_many_attempts");
    EXPECT_EQ(held.retry_after, 30);
    int64_t wait = 30'000;
    for (int extra = 0; extra < 7; ++extra) {
      t += wait - 1000;
      set_fake_now_ms(t);
      EXPECT_EQ(attempt(auth, name, "Wrong-pass-1", "10.0.1.1").status, 429) << extra;  // not counted
      t += 2000;
      set_fake_now_ms(t);
      EXPECT_EQ(attempt(auth, name, "Wrong-pass-1", "10.0.1.1").status, 401) << extra;
      wait = std::min<int64_t>(wait * 2, 15 * 60 * 1000);
      EXPECT_EQ(attempt(auth, name, "Good-pass-1", "10.0.1.2").retry_after, wait / 1000) << extra;
    }
    EXPECT_EQ(wait, 15 * 60 * 1000);  // capped
  }
  EXPECT_EQ(audits("auth.login_failed"), 12);  // only checked attempts of the real account
  // A correct password after the wait signs in and forgets the failures.
  t += 15 * 60 * 1000;
  set_fake_now_ms(t);
  EXPECT_EQ(attempt(auth, "lock", "Good-pass-1", "10.0.0.99").status, 200);
  EXPECT_EQ(count("SELECT COUNT(*) FROM login_failures WHERE username = 'lock'"), 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(attempt(auth, "lock", "Wrong-pass-1", "10.0.0.7").status, 401);
  EXPECT_EQ(attempt(auth, "lock", "Good-pass-1", "10.0.0.7").status, 200);
  // An administrator's new password starts afresh too.
  for (int i = 0; i < 6; ++i) attempt(auth, "lock", "Wrong-pass-1", "10.0.0.8");
  EXPECT_EQ(attempt(auth, "lock", "Good-pass-1", "10.0.0.8").status, 429);
  org_->set_password(kWho, *store::scalar_i64(db_->query("SELECT id FROM users WHERE username = 'lock'")),
                     "Other-pass-2", false);
  EXPECT_EQ(attempt(auth, "lock", "Other-pass-2", "10.0.0.8").status, 200);
}

// Whoever floods an account with failures from elsewhere cannot keep its user out at the address
// of their last sign-in; guesses from that address wait just as long.
TEST_P(Org, UsualAddressIsNotHeldByFailuresFromElsewhere) {
  org_->create_user(kWho, "nurse", "护士", "Good-pass-1", a_.id, 0, false);
  http::RateLimiter limiter;
  limiter.configure("login", {0.2, 10});
  org::Auth auth(*org_, limiter);
  int64_t t = 1'900'000'000'000;
  set_fake_now_ms(t);
  ASSERT_EQ(attempt(auth, "nurse", "Good-pass-1", "10.1.1.1").status, 200);  // the usual address
  for (int i = 0; i < 40; ++i) attempt(auth, "nurse", "Wrong-pass-1", "198.51.100." + std::to_string(i));
  EXPECT_EQ(attempt(auth, "nurse", "Good-pass-1", "203.0.113.5").status, 429);  // elsewhere: held
  EXPECT_EQ(attempt(auth, "nurse", "Good-pass-1", "10.1.1.1").status, 200);     // at the usual address
  // From the usual address, guessing is throttled all the same.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt(auth, "nurse", "Wrong-pass-1", "10.1.1.1").status, 401);
  EXPECT_EQ(attempt(auth, "nurse", "Good-pass-1", "10.1.1.1").status, 429);
}

// Per address: a bucket of failures only; successes take nothing from it.
TEST_P(Org, PerAddressLimitCountsFailuresOnly) {
  org_->create_user(kWho, "shift", "班", "Good-pass-1", a_.id, 0, false);
  http::RateLimiter limiter;
  limiter.configure("login", {0.1, 3});
  org::Auth auth(*org_, limiter);
  int64_t t = 1'900'000'000'000;
  set_fake_now_ms(t);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(attempt(auth, "shift", "Good-pass-1", "192.0.2.1").status, 200) << i;
  EXPECT_EQ(attempt(auth, "nobody", "x", "192.0.2.1").status, 401);
  EXPECT_EQ(attempt(auth, "other", "x", "192.0.2.1").status, 401);
  EXPECT_EQ(attempt(auth, "shift", "Wrong-pass-1", "192.0.2.1").status, 401);
  auto held = attempt(auth, "shift", "Good-pass-1", "192.0.2.1");  // the address's failures are used up
  EXPECT_EQ(held.status, 429);
  EXPECT_EQ(held.retry_after, 10);
  EXPECT_EQ(attempt(auth, "shift", "Good-pass-1", "192.0.2.2").status, 200);  // another address is not affected
  set_fake_now_ms(t + 10'000);                                               // one failure forgiven after 10 s
  EXPECT_EQ(attempt(auth, "shift", "Good-pass-1", "192.0.2.1").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Db, Org, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
