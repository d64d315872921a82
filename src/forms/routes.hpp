// Route registration of the forms engine's own routes (the template editor's routes are still
// registered with feedback's services in forms/routes.cpp).
#pragma once
#include <memory>

#include "app/app.hpp"
#include "forms/service.hpp"

namespace manyi::forms {

// POST/GET /api/v1/forms/responses: stored checklist and scorecard responses (response_routes.cpp).
void register_response_routes(App& app, std::shared_ptr<FormService> forms);

}  // namespace manyi::forms
