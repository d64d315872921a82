// The org node search behind the console's node pickers (GET /api/v1/org/search) over a
// province-sized tree: MANYI_BENCH_NODES nodes (default 50,000: a province bureau, 14 city
// bureaus, 10 county bureaus each, 12 institutions per county, ~26 departments each, the
// rest points), on SQLite and PostgreSQL (when MANYI_TEST_PG is set). Each benchmark is one
// search as the route makes it: OrgService::search in the caller's scope (limit 50) plus the
// names of every node on the results' paths (OrgService::names_on_paths).
//
//   ./build/org_bench                                  # 50,000 nodes
//   MANYI_BENCH_NODES=100000 ./build/org_bench --benchmark_filter=province
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>

#include "core/clock.hpp"
#include "core/id.hpp"
#include "org/service.hpp"
#include "support/testing.hpp"

using namespace manyi;

namespace {

const char* kDepts[] = {"内科",   "外科",   "儿科",     "妇产科", "眼科",   "耳鼻喉科", "口腔科", "皮肤科", "急诊科",
                        "药剂科", "检验科", "放射科",   "超声科", "麻醉科", "康复科",   "中医科", "心内科", "神经内科",
                        "呼吸内科", "消化内科", "骨科", "泌尿外科", "收费处", "挂号处", "门诊部", "住院处"};

struct Loaded {
  std::unique_ptr<manyi::testing::TempDb> tmp;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<org::OrgService> org;
  std::string root_path, county_path, unit_path;
  int64_t nodes = 0;
};

Loaded& loaded(const std::string& backend) {
  static std::map<std::string, Loaded> all;
  auto it = all.find(backend);
  if (it != all.end()) return it->second;
  Loaded& l = all[backend];
  l.tmp = std::make_unique<manyi::testing::TempDb>(backend);
  l.db = l.tmp->open_migrated();
  l.org = std::make_unique<org::OrgService>(*l.db);
  const char* env = std::getenv("MANYI_BENCH_NODES");
  int64_t want = env && *env ? std::atoll(env) : 50000;
  std::vector<store::Params> rows;
  int64_t t = now_ms();
  auto add = [&](int64_t parent, const std::string& parent_path, int depth, const char* kind, const std::string& code,
                 const std::string& name) {
    int64_t id = new_id();
    std::string path = parent_path + std::to_string(id) + "/";
    rows.push_back({id, parent ? store::Value(parent) : store::Value(nullptr), std::string(kind), code, name, path,
                    int64_t{depth}, int64_t{1}, t, t});
    return std::make_pair(id, path);
  };
  auto [root, root_path] = add(0, "/", 0, "bureau", "P", "省卫生健康委");
  l.root_path = root_path;
  int inst_no = 0;
  for (int c = 1; c <= 14 && static_cast<int64_t>(rows.size()) < want; ++c) {
    auto [city, city_path] = add(root, root_path, 1, "bureau", "C" + std::to_string(c), "第" + std::to_string(c) + "市卫健局");
    for (int k = 1; k <= 10 && static_cast<int64_t>(rows.size()) < want; ++k) {
      std::string kc = "C" + std::to_string(c) + "K" + std::to_string(k);
      auto [county, county_path] = add(city, city_path, 2, "county", kc, kc + "县卫健局");
      if (l.county_path.empty()) l.county_path = county_path;
      for (int h = 1; h <= 12 && static_cast<int64_t>(rows.size()) < want; ++h) {
        std::string hc = "H" + std::to_string(++inst_no);
        auto [inst, inst_path] = add(county, county_path, 3, "institution", hc, kc + "第" + std::to_string(h) + "人民医院");
        if (l.unit_path.empty()) l.unit_path = inst_path;
        for (size_t d = 0; d < std::size(kDepts) && static_cast<int64_t>(rows.size()) < want; ++d) {
          std::string dc = hc + "-D" + std::to_string(d);
          auto [dept, dept_path] = add(inst, inst_path, 4, "department", dc, kDepts[d]);
          if (d % 4 == 0 && static_cast<int64_t>(rows.size()) < want) add(dept, dept_path, 5, "point", dc + "-1", std::string(kDepts[d]) + "窗口");
        }
      }
    }
  }
  l.nodes = static_cast<int64_t>(rows.size());
  l.db->write([&](store::Tx& tx) {
    tx.insert_rows("org_nodes", {"id", "parent_id", "kind", "code", "name", "path", "depth", "active", "created_at",
                                 "updated_at"},
                   rows);
  });
  l.db->write([](store::Tx& tx) { tx.exec("ANALYZE org_nodes"); });
  return l;
}

void BM_Search(benchmark::State& st, const std::string& backend, const std::string& scope, const std::string& q) {
  auto& l = loaded(backend);
  std::string path = scope == "province" ? l.root_path : scope == "county" ? l.county_path : l.unit_path;
  size_t found = 0;
  for (auto _ : st) {
    auto r = l.org->search(q, {path}, 50);
    std::vector<std::string> paths;
    for (auto& n : r) paths.push_back(n.path);
    benchmark::DoNotOptimize(l.org->names_on_paths(paths));
    found = r.size();
  }
  st.counters["found"] = static_cast<double>(found);
  st.counters["nodes"] = static_cast<double>(l.nodes);
}

void register_all() {
  for (auto& b : manyi::testing::backends())
    for (const char* scope : {"province", "county", "institution"})
      for (const char* q : {"内科", "H1234", "没有这个科室"})
        benchmark::RegisterBenchmark(("OrgSearch/" + std::string(scope) + "/" + q + "/" + b).c_str(), BM_Search, b,
                                     std::string(scope), std::string(q))
            ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
