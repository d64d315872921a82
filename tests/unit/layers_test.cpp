// The source tree's structure, checked from the files themselves (docs/architecture.md
// "Layers"): a folder includes only folders of its own layer or below, folders never include
// each other in a circle, every permission a route or a check names is declared by a module and
// granted by a role, and every settings key the source uses is owned by a module.
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

#include "app/modules.hpp"
#include "org/modules.hpp"
#include "org/roles.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSrc = fs::path(MANYI_SOURCE_DIR) / "src";

// core → store → http/org/audit → engines → domains → operations → app → main.cpp
const std::map<std::string, int> kLayer = {
    {"core", 0},    {"store", 1},   {"http", 2},     {"org", 2},    {"audit", 2},
    {"jobs", 3},    {"notify", 3},  {"reports", 3},  {"forms", 3},  {"metrics", 3},  {"workflow", 3},
    {"cases", 4},   {"feedback", 4}, {"portal", 4},  {"rectify", 4}, {"inspect", 4},
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

// The text of every .cpp file under src/, by its path relative to src/.
std::map<std::string, std::string> sources() {
  std::map<std::string, std::string> out;
  for (auto& e : fs::recursive_directory_iterator(kSrc)) {
    if (!e.is_regular_file() || e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(e.path(), kSrc).generic_string()] = ss.str();
  }
  return out;
}

// Every permission named where a route is registered (r.add("GET", "/path", "perm")) or a
// check is made (require, can, can_path, require_path, scope_paths, node_filter) is declared by
// a module (org/modules.hpp) and granted by some role; "public" and "login" are the router's
// own words for no permission.
TEST(Layers, EveryPermissionUsedInTheSourceIsDeclaredByAModuleAndGrantedByARole) {
  manyi::app::install_modules();
  std::set<std::string> granted;
  for (auto& r : manyi::org::roles()) granted.insert(r.permissions.begin(), r.permissions.end());
  static const std::regex route(R"re(\b(?:add|add_async|action)\("[A-Z]+",\s*"[^"]+",\s*"([^"]*)")re");
  static const std::regex check(
      R"re(\b(?:require|can|can_path|require_path|scope_paths|node_filter)\(\{?"([a-z_]+\.[a-z_.]+)")re");
  int found = 0;
  for (auto& [file, text] : sources())
    for (auto* re : {&route, &check})
      for (std::sregex_iterator it(text.begin(), text.end(), *re), end; it != end; ++it) {
        std::string perm = (*it)[1].str();
        if (perm == "public" || perm == "login") continue;
        ++found;
        EXPECT_TRUE(manyi::org::module_of_permission(perm))
            << file << " names the permission " << perm << ", which no module declares (src/<module>/module.cpp)";
        EXPECT_TRUE(granted.count(perm)) << file << " names the permission " << perm << ", which no role holds";
      }
  EXPECT_GT(found, 100) << "the patterns no longer find the routes";
}

// Each module declares its permissions once, each held by at least one role; the modules are
// installed in the composition root's order and each owns its own settings keys.
TEST(Layers, ModulesDeclareTheirPermissionsOnceAndEachIsHeldByARole) {
  manyi::app::install_modules();
  std::set<std::string> perms, keys;
  for (auto* m : manyi::app::modules()) {
    EXPECT_TRUE(kLayer.count(m->name)) << m->name << " is not a folder of src/";
    for (auto& p : m->permissions) {
      EXPECT_TRUE(perms.insert(p.code).second) << p.code << " declared twice";
      EXPECT_FALSE(p.roles.empty()) << p.code << " is held by no role";
      EXPECT_FALSE(p.name_zh.empty()) << p.code << " has no Chinese name";
    }
    for (auto& k : m->settings) EXPECT_TRUE(keys.insert(k).second) << "settings key " << k << " owned twice";
  }
  // A module installed again with the same list is fine; a different list is a programming error.
  EXPECT_NO_THROW(manyi::org::install_modules(manyi::app::modules()));
  EXPECT_THROW(manyi::org::install_modules({}), std::logic_error);
}

// Every key of the settings table the source reads or writes is owned by a module: literal keys
// in SQL ('pii.key_id'), snapshot tokens (Snapshots<T> s("cases.config")), setting helpers
// (setting(db, "pii.key")) and named constants (kKey = "feedback.public_url").
TEST(Layers, EverySettingsKeyUsedInTheSourceIsOwnedByAModule) {
  std::set<std::string> owned;
  for (auto* m : manyi::app::modules()) owned.insert(m->settings.begin(), m->settings.end());
  static const std::vector<std::regex> uses = {
      std::regex(R"re(settings[^;]*(?:key\s*=\s*|VALUES\s*\()'([a-z_]+\.[a-z_.]+)')re"),
      std::regex(R"re(Snapshots<[^>]+>\s*\w+\("([a-z_]+\.[a-z_.]+)"\))re"),
      std::regex(R"re(\b(?:setting|put_setting)\([^,()]+,\s*"([a-z_]+\.[a-z_.]+)")re"),
      std::regex(R"re(\bk\w*(?:Key|Setting)\s*=\s*"([a-z_]+\.[a-z_.]+)")re"),
      std::regex(R"re(\bkey\s*=\s*"([a-z_]+\.[a-z_.]+)"\s*\+)re"),  // std::string key = "rectify.seq." + day
  };
  std::set<std::string> used;
  for (auto& [file, text] : sources())
    for (auto& re : uses)
      for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
        std::string key = (*it)[1].str();
        used.insert(key);
        bool ok = owned.count(key) > 0;
        for (auto& o : owned)  // "rectify.seq.*": a family of keys
          ok = ok || (o.size() > 1 && o.back() == '*' && key.rfind(o.substr(0, o.size() - 1), 0) == 0);
        EXPECT_TRUE(ok)
            << file << " uses the settings key " << (*it)[1] << ", which no module owns (src/<module>/module.cpp)";
      }
  EXPECT_GE(used.size(), 6u) << "the patterns no longer find the settings keys";
}
