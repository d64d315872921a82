// Internal to the feedback routes: the services they share and small rendering helpers.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "app/app.hpp"
#include "core/json.hpp"
#include "feedback/followup.hpp"
#include "feedback/public_address.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"

namespace manyi::feedback {

struct Services {
  std::shared_ptr<forms::FormService> forms;
  std::shared_ptr<FeedbackService> svc;
  std::shared_ptr<FollowupService> followups;
  std::string public_url;  // MANYI_PUBLIC_URL / --public-url; empty = the bureau's setting, else the Host header
};

void register_form_routes(App& app, const Services& s);
void register_point_routes(App& app, const Services& s);
void register_rating_routes(App& app, const Services& s);
void register_figure_routes(App& app, const Services& s);
void register_question_routes(App& app, const Services& s);  // per-question distributions (question_figures.cpp)
void register_followup_routes(App& app, const Services& s);
void register_todo_routes(App& app, const Services& s);  // GET /api/v1/me/todo (todo_routes.cpp)
void register_review_count_routes(App& app, const Services& s);  // the review queue's badges (review_count_routes.cpp)
// GET /api/v1/satisfaction/integrity: held and rejected shares per unit (integrity_figure_routes.cpp)
void register_integrity_figure_routes(App& app, const Services& s);

// The node named by ?node= (checked against perm) or, without it, the caller's single scope
// root; 422 when the caller has several roots and names none.
org::Node scope_node(http::Ctx& c, FeedbackService& svc, const std::string& perm, const char* param = "node");
json point_json(const Point& p, const std::string& base_url);
json public_survey_json(const forms::Definition& d);
std::string public_base(const Services& s, const http::Request& req);
// The QR address with where it came from and whether posters must warn (public_address.hpp).
PublicAddress public_address(const Services& s, const http::Request& req);
json address_json(const PublicAddress& a);
http::Response rate_limited(int wait_s);
std::string fmt_time(int64_t ms);  // "2025-03-01 08:30" Asia/Shanghai

}  // namespace manyi::feedback
