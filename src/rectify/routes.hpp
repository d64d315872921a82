// The ledger's HTTP routes (console: routes.cpp; the public list: public_routes.cpp) and its
// xlsx export and import (ledger_xlsx.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "rectify/service.hpp"

namespace manyi {
class App;
}

namespace manyi::rectify {

void register_routes(App& app, RectifyService& svc);
void register_public_routes(App& app, RectifyService& svc);

// The ledger as bureaus file it (序号、问题、来源、责任单位、责任人、整改措施、整改时限、完成情况、
// 验收人、销号日期), every item of the filter, streamed (constant memory). rows = items written.
std::string ledger_xlsx(RectifyService& svc, const ListFilter& f, int64_t* rows);

}  // namespace manyi::rectify
