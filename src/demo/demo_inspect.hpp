// Demo inspections (明查暗访): a year of inspection plans across the demo city worked through
// inspect::InspectService on the fake clock — the bureau's monthly 窗口服务规范检查 of every
// institution, a monthly covert 医德医风暗访 by the inspector and the 社会监督员, 市第一人民医院's
// monthly 环境卫生检查 of its clinical departments, a quarterly 消防与安全隐患排查 of every
// institution, a quarterly 行政查房 of the larger hospitals and 内科's monthly 自查 of its
// inpatient records. Each period's tasks are made by generate() at the period's start; most are
// performed by their due date, some late, some never (the overdue scan runs before late ones and
// at the start of every month, as the server's job would); covert results are published together
// early in the next month (the latest not yet); findings are confirmed into the ledger and those items are
// worked like the rest of the demo ledger (demo/ledger_steps.hpp). Steps after now have not
// happened, so the current period's coverage is still short. Deterministic for a given seed and day.
#pragma once
#include <cstdint>

#include <string>

#include "inspect/service.hpp"
#include "org/service.hpp"

namespace manyi::demo {

struct InspectSummary {
  int64_t plans = 0, tasks = 0, inspections = 0, late = 0, vetoed = 0, unpublished = 0;
  int64_t open = 0, overdue = 0;      // tasks not done; of them past their due date
  int64_t items = 0, escalations = 0;  // ledger items from findings; overdue-scan steps
  double seconds = 0;
};

// A demo login as InspectService sees it: its grants' inspection permissions on their nodes
// (as the routes build it from the session). 500 demo_incomplete when there is no such login.
inspect::Grants inspect_grants(org::OrgService& org, const std::string& username);

// Needs the demo organisation and its users (create_org, with the supervisor login).
InspectSummary create_inspections(org::OrgService& org, int months = 12, uint64_t seed = 20261122);

}  // namespace manyi::demo
