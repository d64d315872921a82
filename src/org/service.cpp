#include "org/service.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "org/roles.hpp"
#include "store/subtree.hpp"

namespace manyi::org {

namespace {
// A role's Chinese name for the audit log's summary.
std::string role_zh(const std::string& code) {
  auto r = find_role(code);
  return r ? r->name_zh : code;
}
}  // namespace
using store::Params;
using store::Row;
using store::Value;

namespace {
const char* kNodeCols = "id, parent_id, kind, code, name, path, depth, active";

Node node_from(const Row& r) {
  Node n;
  n.id = r.i64(0);
  n.parent_id = r.i64(1);
  n.kind = r.str(2);
  n.code = r.str(3);
  n.name = r.str(4);
  n.path = r.str(5);
  n.depth = static_cast<int>(r.i64(6));
  n.active = r.i64(7) != 0;
  if (r.v.size() > 8) n.has_children = r.i64(8) != 0;
  return n;
}

std::string node_select(const std::string& where) {
  return fmt::format(
      "SELECT {}, (SELECT COUNT(*) FROM org_nodes c WHERE c.parent_id = n.id) FROM org_nodes n WHERE {}",
      "n.id, n.parent_id, n.kind, n.code, n.name, n.path, n.depth, n.active", where);
}

int kind_rank(const std::string& k) {
  for (size_t i = 0; i < kNodeKinds.size(); ++i)
    if (kNodeKinds[i] == k) return static_cast<int>(i);
  return -1;
}

void check_code(const std::string& code, const char* field = "code") {
  if (code.empty() || code.size() > 32) throw invalid(field, "code must be 1–32 characters");
  for (char c : code)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
      throw invalid(field, "code may contain only letters, digits, '-' and '_'");
}

void check_name(const std::string& name, const char* field = "name", size_t max = 100) {
  if (name.find_first_not_of(" \t") == std::string::npos) throw invalid(field, std::string(field) + " must not be empty");
  if (!jv::valid_text(name)) throw invalid(field, std::string(field) + " contains invalid characters");
  size_t chars = 0;
  for (unsigned char c : name)
    if ((c & 0xc0) != 0x80) ++chars;
  if (chars > max) throw invalid(field, fmt::format("{} is longer than {} characters", field, max));
}

std::string staff_json_text(const Staff& s) {
  return json{{"employee_no", s.employee_no}, {"name", s.name}, {"category", s.category}, {"title", s.title},
              {"node_id", s.node_id}, {"active", s.active}}
      .dump();
}

const char* kStaffSelect =
    "SELECT s.id, s.node_id, s.unit_id, s.employee_no, s.name, s.category, s.title, s.active, n.name "
    "FROM staff s JOIN org_nodes n ON n.id = s.node_id ";

Staff staff_from(const Row& r) {
  Staff s;
  s.id = r.i64(0);
  s.node_id = r.i64(1);
  s.unit_id = r.i64(2);
  s.employee_no = r.str(3);
  s.name = r.str(4);
  s.category = r.str(5);
  s.title = r.str(6);
  s.active = r.i64(7) != 0;
  s.node_name = r.str(8);
  return s;
}

// Bounds concurrent argon2id hashes: each takes 64 MiB and ~0.25 s of one core.
class HashGate {
 public:
  void enter() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return busy_ < 2; });
    ++busy_;
  }
  void leave() {
    {
      std::lock_guard lk(mu_);
      --busy_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int busy_ = 0;
};
HashGate& gate() {
  static HashGate g;
  return g;
}
}  // namespace

std::string node_json_text(const Node& n) {
  return json{{"parent_id", n.parent_id}, {"kind", n.kind}, {"code", n.code}, {"name", n.name},
              {"path", n.path}, {"active", n.active}}
      .dump();
}

// ---------------- nodes ----------------

std::optional<Node> OrgService::node(int64_t id) {
  auto r = db_.query(node_select("n.id = ?"), {id});
  if (r.empty()) return std::nullopt;
  return node_from(r[0]);
}

std::optional<Node> OrgService::node_by_code(const std::string& code) {
  auto r = db_.query(node_select("n.code = ?"), {code});
  if (r.empty()) return std::nullopt;
  return node_from(r[0]);
}

OrgService::NodeMatch OrgService::find_for_import(const std::string& v, const std::function<bool(const Node&)>& accept) {
  NodeMatch m;
  if (v.empty()) return m;
  if (auto n = node_by_code(v); n && accept(*n)) {
    m.node = n;
    return m;
  }
  for (auto& row : db_.query(node_select("n.name = ? ORDER BY n.id"), {v})) {
    Node n = node_from(row);
    if (!accept(n)) continue;
    if (m.node) {
      m.ambiguous = true;
      m.node.reset();
      return m;
    }
    m.node = n;
  }
  return m;
}

std::optional<Node> OrgService::example_department(const std::string& under) {
  auto r = db_.query(node_select("n.kind = 'department' AND n.active = 1 AND n.path >= ? AND n.path < ? ORDER BY n.path LIMIT 1"),
                     {under, store::subtree_upper(under)});
  if (r.empty()) return std::nullopt;
  return node_from(r[0]);
}

std::vector<Node> OrgService::children(int64_t parent_id) {
  auto r = db_.query(node_select("n.parent_id = ? ORDER BY n.sort, n.kind, n.name"), {parent_id});
  std::vector<Node> out;
  for (auto& row : r) out.push_back(node_from(row));
  return out;
}

std::vector<Node> OrgService::nodes_at(const std::vector<std::string>& paths) {
  std::vector<Node> out;
  for (auto& p : paths) {
    auto r = db_.query(node_select("n.path = ?"), {p});
    if (!r.empty()) out.push_back(node_from(r[0]));
  }
  return out;
}

std::vector<int64_t> path_ids(const std::string& path) { return Path(path).ids(); }

std::vector<Node> OrgService::ancestors(const Node& n) {
  std::vector<Node> out;
  for (int64_t id : path_ids(n.path))
    if (id != n.id)
      if (auto a = node(id)) out.push_back(*a);
  return out;
}

std::vector<Node> OrgService::search(const std::string& q, const std::vector<std::string>& scope, int limit) {
  Params p;
  std::string cond = store::subtree_condition("s.path", scope, p);
  std::string like = store::contains_pattern(q);
  p.push_back(like);
  p.push_back(like);
  p.push_back(int64_t{limit});
  // The page is chosen in a subquery on the bare rows; only its (at most `limit`) rows then
  // count their children — not every match in a province's scope (thousands for 内科).
  auto r = db_.query(node_select("n.id IN (SELECT s.id FROM org_nodes s WHERE " + cond +
                                 " AND (s.name LIKE ? ESCAPE '\\' OR s.code LIKE ? ESCAPE '\\') "
                                 "ORDER BY s.depth, s.name LIMIT ?) ORDER BY n.depth, n.name"),
                     p);
  std::vector<Node> out;
  for (auto& row : r) out.push_back(node_from(row));
  return out;
}

std::map<int64_t, std::string> OrgService::names_on_paths(const std::vector<std::string>& paths) {
  std::set<int64_t> ids;
  for (auto& p : paths)
    for (int64_t id : path_ids(p)) ids.insert(id);
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  std::string marks;
  Params p;
  for (int64_t id : ids) {
    marks += marks.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  for (auto& row : db_.query("SELECT id, name FROM org_nodes WHERE id IN (" + marks + ")", p))
    out[row.i64(0)] = row.str(1);
  return out;
}

Node OrgService::create_root(const audit::Actor& who, const std::string& kind, const std::string& code,
                             const std::string& name) {
  check_code(code);
  check_name(name);
  if (kind_rank(kind) < 0) throw invalid("kind", "unknown node kind");
  Node n;
  n.id = new_id();
  n.kind = kind;
  n.code = code;
  n.name = name;
  n.path = "/" + std::to_string(n.id) + "/";
  n.depth = 0;
  db_.write([&](store::Tx& tx) {
    int64_t t = now_ms();
    tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
            "VALUES (?, NULL, ?, ?, ?, ?, 0, 1, ?, ?)",
            {n.id, kind, code, name, n.path, t, t});
    audit::record(tx, who, {"org.node.create", "org_node", n.id, n.id, n.path, "", node_json_text(n), name});
  });
  return n;
}

Node OrgService::create_node(const audit::Actor& who, int64_t parent_id, const std::string& kind,
                             const std::string& code, const std::string& name) {
  check_code(code);
  check_name(name);
  if (kind_rank(kind) < 0) throw invalid("kind", "kind must be one of bureau, county, institution, department, point");
  Node n;
  db_.write([&](store::Tx& tx) {
    auto pr = tx.query("SELECT path, depth, kind, active FROM org_nodes WHERE id = ?", {parent_id});
    if (pr.empty()) throw invalid("parent_id", "parent node does not exist");
    if (pr[0].i64(3) == 0) throw invalid("parent_id", "parent node is deactivated");
    if (kind_rank(kind) < kind_rank(pr[0].str(2)))
      throw invalid("kind", fmt::format("a {} cannot be placed under a {}", kind, pr[0].str(2)));
    if (!tx.query("SELECT 1 FROM org_nodes WHERE code = ?", {code}).empty())
      throw conflict("duplicate_code", "another node already uses this code", "code");
    n.id = new_id();
    n.parent_id = parent_id;
    n.kind = kind;
    n.code = code;
    n.name = name;
    n.path = pr[0].str(0) + std::to_string(n.id) + "/";
    n.depth = static_cast<int>(pr[0].i64(1)) + 1;
    int64_t t = now_ms();
    tx.exec("INSERT INTO org_nodes(id, parent_id, kind, code, name, path, depth, active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            {n.id, parent_id, kind, code, name, n.path, int64_t{n.depth}, t, t});
    audit::record(tx, who, {"org.node.create", "org_node", n.id, n.id, n.path, "", node_json_text(n), name});
  });
  return n;
}

Node OrgService::update_node(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                             const std::optional<std::string>& code, const std::optional<bool>& active) {
  if (name) check_name(*name);
  if (code) check_code(*code);
  db_.write([&](store::Tx& tx) {
    auto r = tx.query(fmt::format("SELECT {} FROM org_nodes n WHERE id = ?", kNodeCols), {id});
    if (r.empty()) throw not_found("org node");
    Node before = node_from(r[0]);
    Node after = before;
    if (name) after.name = *name;
    if (code && *code != before.code) {
      if (!tx.query("SELECT 1 FROM org_nodes WHERE code = ? AND id <> ?", {*code, id}).empty())
        throw conflict("duplicate_code", "another node already uses this code", "code");
      after.code = *code;
    }
    if (active) {
      if (!*active && before.active) {
        auto live = tx.query("SELECT COUNT(*) FROM org_nodes WHERE parent_id = ? AND active = 1", {id});
        if (store::scalar_i64(live).value_or(0) > 0)
          throw conflict("has_active_children", "deactivate the active child nodes first", "active");
      }
      if (*active && !before.active && before.parent_id) {
        auto pa = tx.query("SELECT active FROM org_nodes WHERE id = ?", {before.parent_id});
        if (!pa.empty() && pa[0].i64(0) == 0)
          throw conflict("parent_inactive", "activate the parent node first", "active");
      }
      after.active = *active;
    }
    tx.exec("UPDATE org_nodes SET name = ?, code = ?, active = ?, updated_at = ? WHERE id = ?",
            {after.name, after.code, int64_t{after.active}, now_ms(), id});
    std::string action = active && *active != before.active ? (*active ? "org.node.activate" : "org.node.deactivate")
                                                             : "org.node.update";
    audit::record(tx, who,
                  {action, "org_node", id, id, after.path, node_json_text(before), node_json_text(after), after.name});
  });
  return *node(id);
}

Node OrgService::move_node(const audit::Actor& who, int64_t id, int64_t new_parent_id) {
  db_.write([&](store::Tx& tx) {
    auto r = tx.query(fmt::format("SELECT {} FROM org_nodes n WHERE id = ?", kNodeCols), {id});
    if (r.empty()) throw not_found("org node");
    Node n = node_from(r[0]);
    if (!n.parent_id) throw invalid("parent_id", "the root node cannot be moved");
    auto pr = tx.query(fmt::format("SELECT {} FROM org_nodes n WHERE id = ?", kNodeCols), {new_parent_id});
    if (pr.empty()) throw invalid("parent_id", "new parent does not exist");
    Node p = node_from(pr[0]);
    if (p.path.compare(0, n.path.size(), n.path) == 0)
      throw invalid("parent_id", "a node cannot be moved under itself or its own subtree");
    if (!p.active) throw invalid("parent_id", "new parent is deactivated");
    if (kind_rank(n.kind) < kind_rank(p.kind))
      throw invalid("parent_id", fmt::format("a {} cannot be placed under a {}", n.kind, p.kind));
    if (p.id == n.parent_id) return;
    std::string new_path = p.path + std::to_string(n.id) + "/";
    int64_t delta = p.depth + 1 - n.depth;
    // Rewrite the whole subtree's paths in one statement: new prefix + the old suffix.
    tx.exec("UPDATE org_nodes SET path = ? || substr(path, ?), depth = depth + ?, updated_at = ? "
            "WHERE path >= ? AND path < ?",
            {new_path, static_cast<int64_t>(n.path.size() + 1), delta, now_ms(), n.path, store::subtree_upper(n.path)});
    tx.exec("UPDATE org_nodes SET parent_id = ? WHERE id = ?", {p.id, n.id});
    Node after = n;
    after.parent_id = p.id;
    after.path = new_path;
    // Staff below keep their node; their unit (nearest institution) may change. Same
    // transaction, so a crash never leaves staff counted under the old institution.
    auto rows = tx.query("SELECT id, path, kind FROM org_nodes WHERE path >= ? AND path < ?",
                         {new_path, store::subtree_upper(new_path)});
    for (auto& row : rows) {
      Node x;
      x.id = row.i64(0);
      x.path = row.str(1);
      x.kind = row.str(2);
      tx.exec("UPDATE staff SET unit_id = ? WHERE node_id = ?", {unit_of(x), x.id});
    }
    audit::record(tx, who, {"org.node.move", "org_node", n.id, n.id, new_path, node_json_text(n), node_json_text(after),
                            fmt::format("{} → {}", n.name, p.name)});
  });
  return *node(id);
}

int64_t OrgService::unit_of(const Node& n) {
  if (n.kind == "institution") return n.id;
  // Walk the path from the node upwards.
  auto ids = path_ids(n.path);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    auto r = db_.query("SELECT kind FROM org_nodes WHERE id = ?", {*it});
    if (!r.empty() && r[0].str(0) == "institution") return *it;
  }
  return n.id;
}

// ---------------- staff ----------------

std::optional<Staff> OrgService::staff(int64_t id) {
  auto r = db_.query(std::string(kStaffSelect) + "WHERE s.id = ?", {id});
  if (r.empty()) return std::nullopt;
  return staff_from(r[0]);
}

std::vector<Staff> OrgService::list_staff(const StaffFilter& f) {
  Params p;
  std::string where = "WHERE " + store::subtree_condition("n.path", f.scope, p);
  if (f.node) {
    where += " AND n.path >= ? AND n.path < ?";
    p.push_back(f.node_path);
    p.push_back(store::subtree_upper(f.node_path));
  }
  if (f.unit_id) {
    where += " AND s.unit_id = ?";
    p.push_back(f.unit_id);
  }
  if (!f.q.empty()) {
    where += " AND (s.name LIKE ? ESCAPE '\\' OR s.employee_no LIKE ? ESCAPE '\\')";
    p.push_back(store::contains_pattern(f.q));
    p.push_back(store::contains_pattern(f.q));
  }
  if (!f.category.empty()) {
    where += " AND s.category = ?";
    p.push_back(f.category);
  }
  if (f.active) {
    where += " AND s.active = ?";
    p.push_back(int64_t{*f.active});
  }
  if (f.cursor) {
    where += " AND s.id > ?";
    p.push_back(f.cursor);
  }
  p.push_back(int64_t{f.limit});
  auto r = db_.query(std::string(kStaffSelect) + where + " ORDER BY s.id LIMIT ?", p);
  std::vector<Staff> out;
  for (auto& row : r) out.push_back(staff_from(row));
  return out;
}

void check_staff_fields(const Staff& s) {
  if (s.employee_no.empty() || s.employee_no.size() > 32) throw invalid("employee_no", "employee number must be 1–32 characters");
  check_name(s.employee_no, "employee_no", 32);
  check_name(s.name, "name", 50);
  if (std::find(kStaffCategories.begin(), kStaffCategories.end(), s.category) == kStaffCategories.end())
    throw invalid("category", "category must be one of doctor, nurse, technician, pharmacist, admin, logistics, window");
  if (!s.title.empty()) check_name(s.title, "title", 50);
}

Staff OrgService::create_staff(const audit::Actor& who, const Staff& in) {
  check_staff_fields(in);
  auto n = node(in.node_id);
  if (!n) throw invalid("node_id", "node does not exist");
  if (!n->active) throw invalid("node_id", "node is deactivated");
  Staff s = in;
  s.id = new_id();
  s.unit_id = unit_of(*n);
  s.active = true;
  db_.write([&](store::Tx& tx) {
    if (!tx.query("SELECT 1 FROM staff WHERE unit_id = ? AND employee_no = ?", {s.unit_id, s.employee_no}).empty())
      throw conflict("duplicate_employee_no", "this employee number already exists in the institution", "employee_no");
    int64_t t = now_ms();
    tx.exec("INSERT INTO staff(id, node_id, unit_id, employee_no, name, category, title, active, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,1,?,?)",
            {s.id, s.node_id, s.unit_id, s.employee_no, s.name, s.category, s.title, t, t});
    audit::record(tx, who, {"staff.create", "staff", s.id, s.node_id, n->path, "", staff_json_text(s), s.name});
  });
  return *staff(s.id);
}

Staff OrgService::update_staff(const audit::Actor& who, int64_t id, const std::optional<std::string>& name,
                               const std::optional<std::string>& category, const std::optional<std::string>& title,
                               const std::optional<int64_t>& node_id, const std::optional<bool>& active) {
  auto cur = staff(id);
  if (!cur) throw not_found("staff");
  Staff s = *cur;
  if (name) s.name = *name;
  if (category) s.category = *category;
  if (title) s.title = *title;
  if (active) s.active = *active;
  std::string path;
  if (node_id) {
    auto n = node(*node_id);
    if (!n) throw invalid("node_id", "node does not exist");
    if (!n->active) throw invalid("node_id", "node is deactivated");
    s.node_id = n->id;
    s.unit_id = unit_of(*n);
    path = n->path;
  }
  check_staff_fields(s);
  db_.write([&](store::Tx& tx) {
    if (s.unit_id != cur->unit_id &&
        !tx.query("SELECT 1 FROM staff WHERE unit_id = ? AND employee_no = ? AND id <> ?", {s.unit_id, s.employee_no, id})
             .empty())
      throw conflict("duplicate_employee_no", "this employee number already exists in the target institution", "employee_no");
    tx.exec("UPDATE staff SET name=?, category=?, title=?, node_id=?, unit_id=?, active=?, updated_at=? WHERE id=?",
            {s.name, s.category, s.title, s.node_id, s.unit_id, int64_t{s.active}, now_ms(), id});
    audit::record(tx, who, {"staff.update", "staff", id, s.node_id, "", staff_json_text(*cur), staff_json_text(s), s.name});
  });
  return *staff(id);
}

// ---------------- users ----------------

namespace {
const char* kUserSelect =
    "SELECT u.id, u.username, u.display_name, u.node_id, u.staff_id, u.active, u.must_change_password, n.name, "
    "s.name FROM users u JOIN org_nodes n ON n.id = u.node_id LEFT JOIN staff s ON s.id = u.staff_id ";
User user_from(const Row& r) {
  User u;
  u.id = r.i64(0);
  u.username = r.str(1);
  u.display_name = r.str(2);
  u.node_id = r.i64(3);
  u.staff_id = r.i64(4);
  u.active = r.i64(5) != 0;
  u.must_change_password = r.i64(6) != 0;
  u.node_name = r.str(7);
  u.staff_name = r.str(8);
  return u;
}
}  // namespace

std::vector<Grant> OrgService::grants_of(int64_t user_id) {
  auto r = db_.query(
      "SELECT g.id, g.role, g.node_id, n.name, n.path FROM role_grants g JOIN org_nodes n ON n.id = g.node_id "
      "WHERE g.user_id = ? ORDER BY g.id",
      {user_id});
  std::vector<Grant> out;
  for (auto& row : r) out.push_back({row.i64(0), row.str(1), row.i64(2), row.str(3), row.str(4)});
  return out;
}

std::optional<User> OrgService::user(int64_t id) {
  auto r = db_.query(std::string(kUserSelect) + "WHERE u.id = ?", {id});
  if (r.empty()) return std::nullopt;
  User u = user_from(r[0]);
  u.grants = grants_of(id);
  return u;
}

std::optional<User> OrgService::user_by_name(const std::string& username) {
  auto r = db_.query(std::string(kUserSelect) + "WHERE u.username = ?", {username});
  if (r.empty()) return std::nullopt;
  User u = user_from(r[0]);
  u.grants = grants_of(u.id);
  return u;
}

std::vector<User> OrgService::list_users(const std::vector<std::string>& scope, const std::string& node_path,
                                         const std::string& q, int64_t cursor, int limit) {
  Params p;
  std::string where = "WHERE " + store::subtree_condition("n.path", scope, p);
  if (!node_path.empty()) {
    where += " AND n.path >= ? AND n.path < ?";
    p.push_back(node_path);
    p.push_back(store::subtree_upper(node_path));
  }
  if (!q.empty()) {
    where += " AND (u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')";
    p.push_back(store::contains_pattern(q));
    p.push_back(store::contains_pattern(q));
  }
  if (cursor) {
    where += " AND u.id > ?";
    p.push_back(cursor);
  }
  p.push_back(int64_t{limit});
  auto r = db_.query(std::string(kUserSelect) + where + " ORDER BY u.id LIMIT ?", p);
  std::vector<User> out;
  for (auto& row : r) {
    out.push_back(user_from(row));
    out.back().grants = grants_of(out.back().id);
  }
  return out;
}

std::vector<User> OrgService::holders(const std::vector<std::string>& perms, const std::string& path,
                                      const std::string& q, int limit) {
  Params p;
  std::string roles_in, nodes_in;
  for (auto& r : roles()) {
    bool all = true;
    for (auto& perm : perms) all = all && r.permissions.count(perm) > 0;
    if (!all) continue;
    roles_in += roles_in.empty() ? "?" : ", ?";
    p.push_back(r.code);
  }
  for (int64_t id : path_ids(path)) {
    nodes_in += nodes_in.empty() ? "?" : ", ?";
    p.push_back(id);
  }
  if (roles_in.empty() || nodes_in.empty()) return {};
  std::string where = "WHERE u.active = 1 AND u.id IN (SELECT g.user_id FROM role_grants g WHERE g.role IN (" +
                      roles_in + ") AND g.node_id IN (" + nodes_in + "))";
  if (!q.empty()) {
    where += " AND (u.username LIKE ? ESCAPE '\\' OR u.display_name LIKE ? ESCAPE '\\')";
    p.push_back(store::contains_pattern(q));
    p.push_back(store::contains_pattern(q));
  }
  p.push_back(int64_t{limit});
  auto r = db_.query(std::string(kUserSelect) + where + " ORDER BY u.display_name, u.id LIMIT ?", p);
  std::vector<User> out;
  for (auto& row : r) out.push_back(user_from(row));
  return out;
}

void check_password_policy(const std::string& pw, const std::string& username) {
  if (pw.size() < 8) throw invalid("password", "password must have at least 8 characters");
  if (pw.size() > 128) throw invalid("password", "password must have at most 128 characters");
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (unsigned char c : pw) {
    if (std::islower(c)) lower = 1;
    else if (std::isupper(c)) upper = 1;
    else if (std::isdigit(c)) digit = 1;
    else other = 1;
  }
  if (lower + upper + digit + other < 3)
    throw invalid("password", "password must mix at least three of: lower case, upper case, digits, symbols");
  if (!username.empty()) {
    std::string lp = pw, lu = username;
    for (auto& c : lp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : lu) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lu.size() >= 3 && lp.find(lu) != std::string::npos) throw invalid("password", "password must not contain the username");
  }
}

bool test_fast_hash() {
  static const bool fast = [] {
    const char* v = std::getenv("MANYI_TEST_FAST_HASH");
    return v && std::string_view(v) == "1";
  }();
  return fast;
}

namespace {
std::string hash_at(const std::string& password, bool fast) {
  char out[crypto_pwhash_STRBYTES];
  // Production: argon2id, 2 passes over 64 MiB. Only tests set MANYI_TEST_FAST_HASH=1.
  unsigned long long ops = fast ? crypto_pwhash_OPSLIMIT_MIN : 2;
  size_t mem = fast ? crypto_pwhash_MEMLIMIT_MIN : 64ull * 1024 * 1024;
  gate().enter();
  int rc = crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13);
  gate().leave();
  if (rc != 0) throw std::runtime_error("password hashing failed (out of memory)");
  return out;
}
}  // namespace

std::string hash_password(const std::string& password) { return hash_at(password, test_fast_hash()); }
std::string hash_password_production(const std::string& password) { return hash_at(password, false); }

const std::string& unknown_user_hash() {
  static const std::string h = test_fast_hash()
      ? hash_password("no-such-user-password")
      : "$argon2id$v=19$m=65536,t=2,p=1$lSta0dxrnlCAxI38vI+Frw$zNwF9jogBD9XTTbc377uAYUAaGZmxGZeGY1KDKrV1OA";
  return h;
}

bool verify_password(const std::string& hash, const std::string& password) {
  gate().enter();
  bool ok = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
  gate().leave();
  return ok;
}

User OrgService::create_user(const audit::Actor& who, const std::string& username, const std::string& display_name,
                             const std::string& password, int64_t node_id, int64_t staff_id, bool must_change) {
  if (username.size() < 2 || username.size() > 32) throw invalid("username", "username must be 2–32 characters");
  for (char c : username)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      throw invalid("username", "username may contain only letters, digits, '.', '_' and '-'");
  check_name(display_name, "display_name", 50);
  check_password_policy(password, username);
  auto n = node(node_id);
  if (!n) throw invalid("node_id", "node does not exist");
  if (staff_id && !staff(staff_id)) throw invalid("staff_id", "staff member does not exist");
  std::string hash = hash_password(password);
  int64_t id = new_id();
  db_.write([&](store::Tx& tx) {
    if (!tx.query("SELECT 1 FROM users WHERE username = ?", {username}).empty())
      throw conflict("duplicate_username", "this username is taken", "username");
    int64_t t = now_ms();
    tx.exec("INSERT INTO users(id, username, display_name, password_hash, node_id, staff_id, active, "
            "must_change_password, created_at, updated_at) VALUES (?,?,?,?,?,?,1,?,?,?)",
            {id, username, display_name, hash, node_id, staff_id ? Value(staff_id) : Value(nullptr),
             int64_t{must_change}, t, t});
    audit::record(tx, who, {"user.create", "user", id, node_id, n->path, "",
                            json{{"username", username}, {"display_name", display_name}}.dump(), username});
  });
  return *user(id);
}

User OrgService::update_user(const audit::Actor& who, int64_t id, const std::optional<std::string>& display_name,
                             const std::optional<bool>& active) {
  auto u = user(id);
  if (!u) throw not_found("user");
  if (display_name) check_name(*display_name, "display_name", 50);
  db_.write([&](store::Tx& tx) {
    tx.exec("UPDATE users SET display_name = ?, active = ?, updated_at = ? WHERE id = ?",
            {display_name.value_or(u->display_name), int64_t{active.value_or(u->active)}, now_ms(), id});
    if (active && !*active) tx.exec("UPDATE sessions SET revoked = 1 WHERE user_id = ?", {id});
    audit::record(tx, who,
                  {active && !*active ? "user.deactivate" : "user.update", "user", id, u->node_id, "",
                   json{{"display_name", u->display_name}, {"active", u->active}}.dump(),
                   json{{"display_name", display_name.value_or(u->display_name)}, {"active", active.value_or(u->active)}}.dump(),
                   u->username});
  });
  return *user(id);
}

void OrgService::set_password(const audit::Actor& who, int64_t user_id, const std::string& password, bool must_change) {
  auto u = user(user_id);
  if (!u) throw not_found("user");
  check_password_policy(password, u->username);
  std::string hash = hash_password(password);
  db_.write([&](store::Tx& tx) {
    tx.exec("UPDATE users SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = 0, "
            "updated_at = ? WHERE id = ?",
            {hash, int64_t{must_change}, now_ms(), user_id});
    tx.exec("DELETE FROM login_failures WHERE username = ?", {u->username});  // a new password starts afresh
    audit::record(tx, who, {"user.password", "user", user_id, u->node_id, "", "", "", u->username});
  });
}

Grant OrgService::grant(const audit::Actor& who, int64_t user_id, const std::string& role, int64_t node_id) {
  if (!find_role(role)) throw invalid("role", "unknown role");
  auto u = user(user_id);
  if (!u) throw not_found("user");
  auto n = node(node_id);
  if (!n) throw invalid("node_id", "node does not exist");
  Grant g{new_id(), role, node_id, n->name, n->path};
  db_.write([&](store::Tx& tx) {
    if (!tx.query("SELECT 1 FROM role_grants WHERE user_id = ? AND role = ? AND node_id = ?", {user_id, role, node_id})
             .empty())
      throw conflict("duplicate_grant", "the user already has this role on this node");
    tx.exec("INSERT INTO role_grants(id, user_id, role, node_id, created_at, created_by) VALUES (?,?,?,?,?,?)",
            {g.id, user_id, role, node_id, now_ms(), who.user_id ? Value(who.user_id) : Value(nullptr)});
    audit::record(tx, who, {"user.grant", "user", user_id, node_id, n->path, "",
                            json{{"role", role}, {"node_id", node_id}}.dump(),
                            fmt::format("{}：{}（{}）", u->username, role_zh(role), n->name)});
  });
  return g;
}

void OrgService::revoke(const audit::Actor& who, int64_t user_id, int64_t grant_id) {
  db_.write([&](store::Tx& tx) {
    auto r = tx.query("SELECT role, node_id FROM role_grants WHERE id = ? AND user_id = ?", {grant_id, user_id});
    if (r.empty()) throw not_found("grant");
    tx.exec("DELETE FROM role_grants WHERE id = ?", {grant_id});
    audit::record(tx, who, {"user.revoke", "user", user_id, r[0].i64(1), "",
                            json{{"role", r[0].str(0)}, {"node_id", r[0].i64(1)}}.dump(), "", role_zh(r[0].str(0))});
  });
}

}  // namespace manyi::org
