// Org & identity plain types: the org tree (any depth), staff, users and role grants.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace manyi::org {

// Node kinds from the top of the tree down; a child's kind may not rank above its parent's.
inline const std::vector<std::string> kNodeKinds = {"bureau", "county", "institution", "department", "point"};
inline const std::vector<std::string> kStaffCategories = {"doctor", "nurse", "technician", "pharmacist",
                                                          "admin",  "logistics", "window"};

struct Node {
  int64_t id = 0;
  int64_t parent_id = 0;
  std::string kind, code, name, path;
  int depth = 0;
  bool active = true;
  bool has_children = false;
};

struct Staff {
  int64_t id = 0, node_id = 0, unit_id = 0;
  std::string employee_no, name, category, title, node_name;
  bool active = true;
};

struct Grant {
  int64_t id = 0;
  std::string role;
  int64_t node_id = 0;
  std::string node_name, node_path;
};

struct User {
  int64_t id = 0, node_id = 0, staff_id = 0;
  std::string username, display_name, node_name, staff_name;
  bool active = true, must_change_password = false;
  std::vector<Grant> grants;
};

}  // namespace manyi::org
