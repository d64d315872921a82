// OrgService: the org tree, staff and users — the rules (codes, kinds, moves, staff import,
// password policy) over the store. Every change is audited in the same transaction.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "core/org_path.hpp"
#include "org/model.hpp"
#include "store/db.hpp"

namespace manyi::org {

struct StaffFilter {
  std::vector<std::string> scope;  // subtree paths the caller may see
  std::optional<int64_t> node;     // restrict to this node's subtree (path given in node_path)
  std::string node_path;
  int64_t unit_id = 0;  // only staff of this institution (0: any)
  std::string q, category;
  std::optional<bool> active;
  int64_t cursor = 0;  // id to continue after (ids are time-ordered)
  int limit = 50;
};

// A row an import refuses: its row number in the file (header = 1), the column's key, a
// code the console shows in Chinese (required, too_long, bad_value, bad_phone, bad_date,
// unknown_department, ambiguous_department, department_inactive, duplicate_in_file,
// already_exists), an English message and the offending value (shortened).
struct ImportError {
  int row;
  std::string field, message, code, value;
};
struct ImportResult {
  int imported = 0;
  std::vector<ImportError> errors;
};

class OrgService {
 public:
  explicit OrgService(store::Db& db) : db_(db) {}

  // ---- nodes ----
  std::optional<Node> node(int64_t id);
  std::optional<Node> node_by_code(const std::string& code);
  std::vector<Node> children(int64_t parent_id);
  std::vector<Node> nodes_at(const std::vector<std::string>& paths);  // the scope roots
  std::vector<Node> ancestors(const Node& n);                          // root first, n excluded
  std::vector<Node> search(const std::string& q, const std::vector<std::string>& scope, int limit);
  // Names of the nodes on each path ("/a/b/c/" → a, b, c), one query for all of them.
  std::map<int64_t, std::string> names_on_paths(const std::vector<std::string>& paths);
  Node create_node(const audit::Actor& who, int64_t parent_id, const std::string& kind, const std::string& code,
                   const std::string& name);
  // Root node of a new installation (no parent).
  Node create_root(const audit::Actor& who, const std::string& kind, const std::string& code, const std::string& name);
  Node update_node(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                   const std::optional<std::string>& code, const std::optional<bool>& active);
  Node move_node(const audit::Actor& who, int64_t id, int64_t new_parent_id);
  // The nearest institution at or above a node (the node itself when there is none).
  int64_t unit_of(const Node& n);

  // ---- staff ----
  std::optional<Staff> staff(int64_t id);
  std::vector<Staff> list_staff(const StaffFilter& f);
  Staff create_staff(const audit::Actor& who, const Staff& s);
  Staff update_staff(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                     const std::optional<std::string>& category, const std::optional<std::string>& title,
                     const std::optional<int64_t>& node_id, const std::optional<bool>& active);
  // An .xlsx or CSV (see core/table_file.hpp) with columns 工号/employee_no, 姓名/name,
  // 类别/category (医师 or doctor …), 职称/title and 科室编码/node_code or 科室/department
  // (a node's code, or its name under `within`; within = "" searches all the caller may use).
  // can_use(node path) limits target nodes. With valid_rows_only false any error stores nothing.
  ImportResult import_staff(const audit::Actor& who, const std::string& file, bool valid_rows_only,
                            const std::function<bool(const std::string&)>& can_use, const std::string& within = "");
  // The import template: Chinese headers and an example row in a department under `within`.
  std::string staff_template(const std::string& within);
  // A node named in an imported row: the node with that code, else the one node with that name,
  // among those accept() allows. ambiguous when several share the name.
  struct NodeMatch {
    std::optional<Node> node;
    bool ambiguous = false;
  };
  NodeMatch find_for_import(const std::string& code_or_name, const std::function<bool(const Node&)>& accept);
  // The first active department under a path (for templates' example rows).
  std::optional<Node> example_department(const std::string& under);

  // ---- users ----
  std::optional<User> user(int64_t id);
  std::optional<User> user_by_name(const std::string& username);
  std::vector<User> list_users(const std::vector<std::string>& scope, const std::string& node_path,
                               const std::string& q, int64_t cursor, int limit);
  User create_user(const audit::Actor& who, const std::string& username, const std::string& display_name,
                   const std::string& password, int64_t node_id, int64_t staff_id, bool must_change);
  User update_user(const audit::Actor& who, int64_t id, const std::optional<std::string>& display_name,
                   const std::optional<bool>& active);
  void set_password(const audit::Actor& who, int64_t user_id, const std::string& password, bool must_change);
  Grant grant(const audit::Actor& who, int64_t user_id, const std::string& role, int64_t node_id);
  void revoke(const audit::Actor& who, int64_t user_id, int64_t grant_id);
  std::vector<Grant> grants_of(int64_t user_id);
  // Active users who, through one grant on `path`'s node or an ancestor, hold a role with
  // every permission in `perms` (who may handle a case owned there). Searched by username
  // or display name; ordered by display name; at most `limit`. Grants are not filled in.
  std::vector<User> holders(const std::vector<std::string>& perms, const std::string& path, const std::string& q,
                            int limit);

  store::Db& db() { return db_; }

 private:
  store::Db& db_;
};

// Password policy: at least 8 characters from at least 3 of lower/upper/digit/symbol, not
// containing the username. Throws invalid("password", …).
void check_password_policy(const std::string& password, const std::string& username);
// argon2id (libsodium); hashing is bounded to a few at a time (64 MiB each). The production
// cost (2 passes over 64 MiB) unless test_fast_hash(); hash_password_production always.
std::string hash_password(const std::string& password);
std::string hash_password_production(const std::string& password);
bool verify_password(const std::string& hash, const std::string& password);
// A valid hash with the parameters hash_password uses: checking a password of an unknown user
// against it costs what a real check costs.
const std::string& unknown_user_hash();
// True only in tests that set MANYI_TEST_FAST_HASH=1: hashes use libsodium's minimum cost.
bool test_fast_hash();
std::string node_json_text(const Node& n);
// The ids on a materialised path "/a/b/c/", root first (org::Path::ids).
std::vector<int64_t> path_ids(const std::string& path);
// Throws invalid(field, …) for a staff member's bad employee_no, name, category or title.
void check_staff_fields(const Staff& s);
// A staff category from an imported cell: the code (doctor) or its Chinese name (医师); "" if neither.
std::string staff_category_of(const std::string& text);

}  // namespace manyi::org
