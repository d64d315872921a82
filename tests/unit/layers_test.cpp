// The source tree's structure, checked from the files themselves (docs/architecture.md
// "Layers"): a folder includes only folders of its own layer or below, folders never include
// each other in a circle, and every permission a route or a check names is one a role grants.
// The few known exceptions are listed with the reason each still stands; a new one fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "org/roles.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSrc = fs::path(MANYI_SOURCE_DIR) / "src";

// core → store → http/org/audit → engines → domains → operations → app → main.cpp
const std::map<std::string, int> kLayer = {
    {"core", 0},    {"store", 1},   {"http", 2},     {"org", 2},    {"audit", 2},
    {"jobs", 3},    {"notify", 3},  {"reports", 3},  {"forms", 3},  {"metrics", 3},  {"workflow", 3},
    {"cases", 4},   {"feedback", 4}, {"portal", 4},  {"rectify", 4},
    {"demo", 5},    {"ops", 5},
    {"app", 6},     {"", 7},  // src/main.cpp
};

// Includes that break the rule, each with why it still stands. Remove a line when its include
// goes; the test fails if a listed include no longer exists, so the list only shrinks.
const std::map<std::string, std::string> kKnown = {
    {"forms/service.cpp -> feedback/embedded.hpp", "the shipped survey templates are embedded in feedback"},
    {"forms/routes.cpp -> feedback/routes.hpp", "form routes are registered with feedback's services"},
    {"cases/routes.cpp -> portal/public_refs.hpp", "public reference codes live with the public pages"},
    {"feedback/followup.cpp -> app/respond.hpp", "follow-up handlers sit beside the service"},
    {"feedback/question_figures.cpp -> app/respond.hpp", "figure handlers sit beside the computation"},
};

struct Include {
  std::string from_file, from_dir, to_file, to_dir;
};

std::vector<Include> includes() {
  std::vector<Include> out;
  static const std::regex inc(R"re(^\s*#\s*include\s+"([a-z_]+)/([^"]+)")re");
  for (auto& e : fs::recursive_directory_iterator(kSrc)) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
    auto rel = fs::relative(e.path(), kSrc).generic_string();
    auto slash = rel.find('/');
    std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash);
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, inc) && fs::is_directory(kSrc / m[1].str()) && m[1] != dir)
        out.push_back({rel, dir, m[1].str() + "/" + m[2].str(), m[1].str()});
    }
  }
  return out;
}

// A domain's route files register its routes into the App: they may include app/.
bool is_route_file(const std::string& rel) {
  auto name = fs::path(rel).filename().string();
  return name == "routes.cpp" || name == "routes.hpp" || name.ends_with("_routes.cpp");
}

std::string key(const Include& i) { return i.from_file + " -> " + i.to_file; }

}  // namespace

TEST(Layers, EveryFolderHasALayerAndIncludesOnlyItsOwnOrLowerLayers) {
  std::set<std::string> seen_known;
  for (auto& i : includes()) {
    ASSERT_TRUE(kLayer.count(i.from_dir)) << "src/" << i.from_dir << " has no layer in this test: give it one";
    ASSERT_TRUE(kLayer.count(i.to_dir)) << "src/" << i.to_dir << " has no layer in this test: give it one";
    if (kKnown.count(key(i))) {
      seen_known.insert(key(i));
      continue;
    }
    if (i.to_dir == "app" && is_route_file(i.from_file)) continue;
    EXPECT_LE(kLayer.at(i.to_dir), kLayer.at(i.from_dir))
        << "src/" << i.from_file << " includes " << i.to_file << " from a higher layer";
  }
  for (auto& [k, why] : kKnown) EXPECT_TRUE(seen_known.count(k)) << "gone, remove it from kKnown: " << k;
}

TEST(Layers, FoldersNeverIncludeEachOtherInACircle) {
  std::map<std::string, std::set<std::string>> edges;
  for (auto& i : includes())
    if (!kKnown.count(key(i)) && !(i.to_dir == "app" && is_route_file(i.from_file)))
      edges[i.from_dir].insert(i.to_dir);
  // Depth-first search for a back edge; the path found is printed.
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::string circle;
  std::function<void(const std::string&)> visit = [&](const std::string& d) {
    state[d] = 1;
    path.push_back(d);
    for (auto& t : edges[d]) {
      if (!circle.empty()) break;
      if (state[t] == 1) {
        auto it = std::find(path.begin(), path.end(), t);
        for (; it != path.end(); ++it) circle += *it + " → ";
        circle += t;
      } else if (state[t] == 0) {
        visit(t);
      }
    }
    path.pop_back();
    state[d] = 2;
  };
  for (auto& [d, _] : edges)
    if (state[d] == 0 && circle.empty()) visit(d);
  EXPECT_EQ(circle, "") << "folders include each other in a circle";
}

// Every permission named where a route is registered (r.add("GET", "/path", "perm")) or a
// check is made (require, can, can_path, require_path, scope_paths) is granted by some role;
// "public" and "login" are the router's own words for no permission.
TEST(Layers, EveryPermissionUsedInTheSourceIsGrantedByARole) {
  std::set<std::string> granted = {"public", "login"};
  for (auto& r : manyi::org::roles()) granted.insert(r.permissions.begin(), r.permissions.end());
  static const std::regex route(R"re(\b(?:add|add_async|action)\("[A-Z]+",\s*"[^"]+",\s*"([^"]*)")re");
  static const std::regex check(R"re(\b(?:require|can|can_path|require_path|scope_paths)\("([a-z_]+\.[a-z_]+)")re");
  int found = 0;
  for (auto& e : fs::recursive_directory_iterator(kSrc)) {
    if (!e.is_regular_file() || e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (auto* re : {&route, &check})
      for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it) {
        ++found;
        EXPECT_TRUE(granted.count((*it)[1].str()))
            << fs::relative(e.path(), kSrc).generic_string() << " names the permission " << (*it)[1]
            << ", which no role grants (src/org/roles.cpp)";
      }
  }
  EXPECT_GT(found, 100) << "the patterns no longer find the routes";
}
