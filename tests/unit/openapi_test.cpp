// docs/openapi.yaml against the router, in both directions: every registered route is
// documented under `paths` with `{param}` placeholders exactly as in the router pattern, and
// every documented path and method exists. Also: no route documented twice, and every
// `$ref: '#/components/…'` resolves.
//
// The YAML is read line by line (no YAML library): path keys are the block-style keys indented
// two spaces under the top-level `paths:`, methods the keys indented four spaces below them.
// Domain fragments docs/openapi-<domain>.yaml with the same shape count as part of the spec
// until they are merged into docs/openapi.yaml.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "app/app.hpp"
#include "support/testing.hpp"

using namespace manyi;
namespace fs = std::filesystem;

namespace {

struct Spec {
  std::map<std::string, std::string> ops;  // "GET /path" -> file
  std::vector<std::string> duplicates;
  std::set<std::string> components;  // "schemas/Node"
  std::set<std::string> refs;        // "schemas/Node" from $ref '#/components/schemas/Node'
  std::vector<std::string> problems;
  std::string version;
};

int indent_of(const std::string& line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[n] == ' ') ++n;
  return n;
}

std::string key_of(const std::string& line) {
  // "  /api/v1/x:" or "  '/api/v1/x':" -> /api/v1/x
  std::string s = line.substr(indent_of(line));
  auto colon = s.find(':');
  if (colon == std::string::npos) return "";
  std::string k = s.substr(0, colon);
  if (k.size() >= 2 && (k.front() == '\'' || k.front() == '"')) k = k.substr(1, k.size() - 2);
  return k;
}

void read_spec(const fs::path& file, Spec& spec) {
  std::ifstream in(file);
  ASSERT_TRUE(in) << "cannot read " << file;
  std::string line, top, path, comp_section;
  static const std::set<std::string> methods = {"get", "post", "put", "patch", "delete", "head", "options"};
  static const std::regex ref_re(R"(\$ref:\s*['"]?#/components/([A-Za-z]+)/([A-Za-z0-9_.-]+))");
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    for (std::sregex_iterator it(line.begin(), line.end(), ref_re), end; it != end; ++it)
      spec.refs.insert((*it)[1].str() + "/" + (*it)[2].str());
    auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || line[first] == '#') continue;
    int ind = indent_of(line);
    if (ind == 0) {
      top = key_of(line);
      if (top == "openapi") spec.version = line.substr(line.find(':') + 1);
      path.clear();
      continue;
    }
    if (top == "paths") {
      if (ind == 2) {
        path = key_of(line);
        if (path.empty() || path[0] != '/')
          spec.problems.push_back(file.filename().string() + ":" + std::to_string(n) + ": path key expected: " + line);
        if (line.find('{', line.find(':')) != std::string::npos)
          spec.problems.push_back(file.filename().string() + ":" + std::to_string(n) +
                                  ": write the operations of a path in block style, one method per line");
      } else if (ind == 4 && !path.empty()) {
        std::string m = key_of(line);
        if (methods.count(m)) {
          std::string upper;
          for (char c : m) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          std::string op = upper + " " + path;
          if (spec.ops.count(op)) spec.duplicates.push_back(op + " in " + spec.ops[op] + " and " + file.filename().string());
          else spec.ops[op] = file.filename().string();
        } else if (m != "parameters" && m != "summary" && m != "description" && m != "servers" && m.rfind("x-", 0) != 0) {
          spec.problems.push_back(file.filename().string() + ":" + std::to_string(n) + ": unknown key under " + path + ": " + m);
        }
      }
    } else if (top == "components") {
      if (ind == 2) comp_section = key_of(line);
      else if (ind == 4) spec.components.insert(comp_section + "/" + key_of(line));
    }
  }
}

Spec load_spec() {
  Spec spec;
  fs::path docs = fs::path(MANYI_SOURCE_DIR) / "docs";
  read_spec(docs / "openapi.yaml", spec);
  for (auto& e : fs::directory_iterator(docs)) {
    auto name = e.path().filename().string();
    if (name.rfind("openapi-", 0) == 0 && e.path().extension() == ".yaml") read_spec(e.path(), spec);
  }
  return spec;
}

std::set<std::string> router_ops() {
  manyi::testing::TempDb tmp("sqlite");
  tmp.open_migrated();
  Config cfg;
  cfg.db_url = tmp.url();
  App app(cfg);
  std::set<std::string> out;
  for (auto& r : app.router->routes()) out.insert(r.method + " " + r.pattern);
  return out;
}

}  // namespace

TEST(OpenApi, RouterAndSpecAgree) {
  auto spec = load_spec();
  auto routes = router_ops();
  ASSERT_GT(routes.size(), 20u);
  EXPECT_NE(spec.version.find("3."), std::string::npos) << "openapi: 3.x expected";
  for (auto& r : routes)
    EXPECT_TRUE(spec.ops.count(r)) << r << " is registered but not documented in docs/openapi.yaml";
  for (auto& [op, file] : spec.ops)
    EXPECT_TRUE(routes.count(op)) << op << " is documented in docs/" << file << " but no such route is registered";
  for (auto& d : spec.duplicates) ADD_FAILURE() << "documented twice: " << d;
  for (auto& p : spec.problems) ADD_FAILURE() << p;
}

TEST(OpenApi, EveryReferenceResolves) {
  auto spec = load_spec();
  EXPECT_TRUE(spec.components.count("schemas/Error"));
  EXPECT_TRUE(spec.components.count("responses/Error"));
  for (auto& r : spec.refs) EXPECT_TRUE(spec.components.count(r)) << "$ref '#/components/" << r << "' is not defined";
}

TEST(OpenApi, TheReaderSeesWhatItShould) {
  // The line reader itself: a small spec with every shape it must understand.
  auto file = fs::temp_directory_path() / "manyi-openapi-reader.yaml";
  std::ofstream(file) << "openapi: 3.0.3\n"
                         "# comment\n"
                         "paths:\n"
                         "  /a/{id}:\n"
                         "    parameters: []\n"
                         "    get:\n"
                         "      summary: x\n"
                         "      responses: {'200': {description: ok}}\n"
                         "    post:\n"
                         "      requestBody:\n"
                         "        content:\n"
                         "          application/json:\n"
                         "            schema: {$ref: '#/components/schemas/A'}\n"
                         "  '/b':\n"
                         "    delete:\n"
                         "      responses: {}\n"
                         "components:\n"
                         "  schemas:\n"
                         "    A: {type: object}\n";
  Spec s;
  read_spec(file, s);
  fs::remove(file);
  EXPECT_EQ(s.ops.size(), 3u);
  EXPECT_TRUE(s.ops.count("GET /a/{id}"));
  EXPECT_TRUE(s.ops.count("POST /a/{id}"));
  EXPECT_TRUE(s.ops.count("DELETE /b"));
  EXPECT_TRUE(s.problems.empty());
  EXPECT_EQ(s.refs, std::set<std::string>{"schemas/A"});
  EXPECT_TRUE(s.components.count("schemas/A"));
}

// Each spec file is valid YAML as an OpenAPI reader (Swagger UI, a client generator) parses it:
// the line reader above cannot tell (it read a file with an unquoted `{code}` in a flow mapping),
// so yaml-cpp parses every file, and every operation under `paths` has responses.
TEST(OpenApi, EveryFileIsValidYaml) {
  fs::path docs = fs::path(MANYI_SOURCE_DIR) / "docs";
  int files = 0, operations = 0;
  for (auto& e : fs::directory_iterator(docs)) {
    auto name = e.path().filename().string();
    if (name.rfind("openapi", 0) != 0 || e.path().extension() != ".yaml") continue;
    ++files;
    YAML::Node root;
    try {
      root = YAML::LoadFile(e.path().string());
    } catch (const YAML::Exception& ex) {
      ADD_FAILURE() << name << " is not valid YAML: " << ex.what();
      continue;
    }
    ASSERT_TRUE(root.IsMap()) << name;
    auto paths = root["paths"];
    if (!paths) continue;
    ASSERT_TRUE(paths.IsMap()) << name << ": paths is not a mapping";
    for (auto p : paths)
      for (auto op : p.second) {
        auto method = op.first.as<std::string>();
        if (method == "parameters" || method == "summary" || method == "description") continue;
        ++operations;
        EXPECT_TRUE(op.second.IsMap() && op.second["responses"])
            << name << ": " << method << " " << p.first.as<std::string>() << " has no responses";
      }
  }
  EXPECT_GE(files, 2);
  EXPECT_GT(operations, 50);
}

// The YAML check itself: the line that slipped through before is refused.
TEST(OpenApi, TheYamlCheckRefusesAnUnquotedBraceInAFlowMapping) {
  EXPECT_THROW(YAML::Load("ticket: {type: string, description: from GET /api/v1/public/points/{code}}"), YAML::Exception);
  EXPECT_NO_THROW(YAML::Load("ticket: {type: string, description: 'from GET /api/v1/public/points/{code}'}"));
}
