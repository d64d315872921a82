// App: wires the store, the services and the router together for `manyi serve` and for the
// integration tests. Each domain contributes a register_*_routes(App&) function.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/health.hpp"
#include "audit/audit.hpp"
#include "http/metrics.hpp"
#include "http/ratelimit.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"
#include "jobs/scheduler.hpp"
#include "org/auth.hpp"
#include "notify/outbox.hpp"
#include "org/service.hpp"
#include "store/db.hpp"

namespace manyi {
namespace cases {
class CaseService;
}
namespace forms {
class FormService;
}
namespace rectify {
class RectifyService;
}
namespace inspect {
class InspectService;
}

struct Config {
  std::string db_url = "sqlite:./data/manyi.db";
  std::string listen = "127.0.0.1:8080";
  std::string web_dir;                         // built console (web/dist); empty = none
  std::vector<std::string> trusted_proxies;    // CIDRs
  double public_rate = 5, public_burst = 20;   // per address, public write endpoints
  double public_read_rate = 20, public_read_burst = 60;
  double login_rate = 0.2, login_burst = 10;   // failed sign-ins per address (successes are free)
  int worker_threads = 48;
  int io_threads = 0;  // 0 = one per core
  int max_connections = 0;                   // 0 = below the descriptor limit (see ServerOptions)
  int max_connections_per_address = 256;     // 0 = no per-address cap (see ServerOptions)
  int flood_delay_ms = 1000;                 // 429s to a flooding address wait this long; 0 = never
  int64_t max_body_memory_mb = 256;          // all request bodies in flight together
  int read_timeout_s = 30;
  int64_t case_scan_interval_ms = 60000;     // escalation scan of case deadlines; 0 = off
                                             // (also of rectification items, and the inspection
                                             // task generation and overdue scan)
  // Public ratings (feedback): per device id and per client network (/24), dedupe window.
  double rating_device_rate = 0.2, rating_device_burst = 5;
  double rating_net_rate = 5, rating_net_burst = 60;
  int64_t rating_dup_window_s = 86400;
  int followup_days = 7;                     // follow-up call due N days after discharge
  std::string public_url;                    // base URL printed in QR codes; empty = request Host
  // Outbound notices (escalation, supervision, rectification): webhook and/or email.
  std::string webhook_url, smtp_url, mail_from = "manyi@localhost", mail_to;
  int64_t outbox_interval_ms = 10000;        // delivery pass; 0 = off
};

class App {
 public:
  explicit App(Config cfg);
  ~App();
  Config cfg;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<HealthMonitor> health;  // what GET /healthz answers from
  http::RateLimiter limiter;
  http::Metrics metrics;
  std::unique_ptr<org::OrgService> org;
  std::unique_ptr<org::Auth> auth;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::StaticFiles> statics;
  std::unique_ptr<manyi::cases::CaseService> cases;
  // The forms engine's template repository, shared by every capability that uses forms.
  std::shared_ptr<manyi::forms::FormService> forms;
  // The rectification ledger (整改台账), fed by cases marked 需整改 among others.
  std::unique_ptr<manyi::rectify::RectifyService> rectify;
  // Inspections (检查): plans, tasks, inspections and their findings (into the ledger).
  std::unique_ptr<manyi::inspect::InspectService> inspect;
  // The scheduled jobs (escalation scan, outbox delivery, bad-review recovery); last, so it
  // stops first, before the services its jobs call go.
  std::unique_ptr<jobs::Scheduler> jobs;
  // Run by `manyi serve` once the schema is migrated, before it listens (e.g. finishing work a
  // previous run left pending).
  std::vector<std::function<void()>> on_start;
};

// The actor of the request for audit entries.
audit::Actor actor_of(const http::Ctx& ctx);

// Route registration, one per domain.
void register_system_routes(App& app);
void register_org_routes(App& app);
void register_audit_routes(App& app);
void register_cases_routes(App& app);
void register_calendar_routes(App& app);  // the working-day calendar (src/workflow/calendar_routes.cpp)
void register_case_attachment_routes(App& app);  // case attachments (src/cases/attachment_routes.cpp)
void register_case_picker_routes(App& app);  // the case dialogs' pickers (src/cases/picker_routes.cpp)
void register_case_report_routes(App& app);  // case figures and exports (src/cases/report_routes.cpp)
void register_h5_routes(App& app);  // public complaint form /c and tracking page /t (src/portal)
void register_feedback_routes(App& app);  // forms, points, ratings, figures, follow-up
void register_rectify(App& app);  // the rectification ledger: routes, escalation job, cases hook (app.cpp)
void register_inspect(App& app);  // inspections: routes, task generation and overdue jobs (app.cpp)

}  // namespace manyi
