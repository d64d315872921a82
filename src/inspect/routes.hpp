// The inspections' HTTP routes (docs/openapi-inspect.yaml): plans, tasks (the phone's list),
// inspections, findings → ledger, photos and the coverage board. Parsing and rendering only.
#pragma once
#include "inspect/service.hpp"

namespace manyi {
class App;
}

namespace manyi::inspect {
void register_routes(App& app, InspectService& svc);
}  // namespace manyi::inspect
