#include "feedback/cli.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "org/reads.hpp"

namespace manyi::feedback {

int cli_points_list(org::OrgService& org, const std::string& node_code, bool json_lines, const std::string& base_in,
                    std::ostream& out) {
  std::string path;
  if (!node_code.empty()) {
    auto n = org.node_by_code(node_code);
    if (!n) throw invalid("node", "no node with code " + node_code);
    path = n->path;
  } else {
    auto root = org::root(org.db());
    if (!root) return 0;
    path = root->path.str();
  }
  std::string base = base_in;
  while (!base.empty() && base.back() == '/') base.pop_back();
  forms::FormService forms(org.db());
  FeedbackService svc(org.db(), org, forms);
  auto points = svc.points_in(path);
  for (auto& p : points) {
    std::string url = base + "/f/" + p.code;
    if (json_lines) {
      json j = {{"code", p.code}, {"url", url}, {"name", p.name}, {"node_code", p.node_code}, {"node", p.node_name},
                {"unit", p.unit_name}, {"survey", p.template_name}, {"active", p.active}};
      out << j.dump() << "\n";
    } else {
      out << fmt::format("{}\t{}\t{}\t{}\t{}{}\n", p.code, p.node_code, p.unit_name, p.name, url, p.active ? "" : "\t(停用)");
    }
  }
  if (!json_lines) out << fmt::format("# {} point(s)\n", points.size());
  return 0;
}

}  // namespace manyi::feedback
