// `manyi points list [--node CODE] [--json]`: point codes and URLs for printing and scripts.
#pragma once
#include <ostream>
#include <string>

#include "org/service.hpp"

namespace manyi::feedback {
int cli_points_list(org::OrgService& org, const std::string& node_code, bool json_lines, const std::string& base,
                    std::ostream& out);
}
