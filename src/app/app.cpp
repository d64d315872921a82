#include "app/app.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/modules.hpp"
#include "app/respond.hpp"
#include "core/calendar.hpp"
#include "app/security.hpp"
#include "cases/service.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "forms/routes.hpp"
#include "inspect/routes.hpp"
#include "inspect/service.hpp"
#include "rectify/routes.hpp"
#include "rectify/service.hpp"
#include "workflow/attachments.hpp"

namespace manyi {

int64_t date_query(const http::Request& req, const char* name, int64_t def) {
  auto v = req.q(name);
  if (!v) return def;
  auto d = calendar::parse_date(*v);
  if (!d) throw invalid(name, std::string(name) + " must be a date YYYY-MM-DD");
  return calendar::day_start(*d);
}

int page_limit(const http::Request& req, int def) {
  auto v = req.q("limit");
  if (!v) return def;
  int n = std::atoi(v->c_str());
  if (n < 1 || n > 500 || std::to_string(n) != *v) throw invalid("limit", "limit must be between 1 and 500");
  return n;
}

int64_t page_cursor(const http::Request& req) {
  auto v = req.q("cursor");
  if (!v) return 0;
  int64_t c = parse_id(*v);
  if (!c) throw invalid("cursor", "cursor is not valid");
  return c;
}

http::Response attachment_response(workflow::Attachment&& a) {
  http::Response res;
  res.status = 200;
  res.content_type = a.content_type;  // as sniffed when stored
  res.body = std::move(a.data);
  res.header("Content-Disposition", workflow::content_disposition(a.name));
  res.header("Cache-Control", "private, no-store");
  res.header("Content-Security-Policy", "default-src 'none'; sandbox");
  res.header("ETag", "\"" + a.sha256 + "\"");
  return res;
}

audit::Actor actor_of(const http::Ctx& ctx) {
  audit::Actor a;
  if (ctx.user) {
    a.user_id = ctx.user->user_id;
    a.username = ctx.user->username;
  }
  a.ip = ctx.req.remote_ip;
  return a;
}

App::App(Config c) : cfg(std::move(c)) {
  app::install_modules();
  db = store::open(cfg.db_url);
  health = std::make_unique<HealthMonitor>(*db);
  limiter.configure("public_write", {cfg.public_rate, cfg.public_burst});
  limiter.configure("public_read", {cfg.public_read_rate, cfg.public_read_burst});
  limiter.configure("login", {cfg.login_rate, cfg.login_burst});
  org = std::make_unique<org::OrgService>(*db);
  auth = std::make_unique<org::Auth>(*org, limiter);
  router = std::make_unique<http::Router>(*auth, limiter, metrics);
  install_security_headers(*this);
  if (!cfg.web_dir.empty()) {
    statics = std::make_unique<http::StaticFiles>(cfg.web_dir);
    router->set_fallback([this](const http::Request& req) { return statics->serve(req); });
  }
  metrics.add_gauge_source([this] {
    auto s = db->stats();
    return fmt::format(
        "# TYPE manyi_db_connections gauge\nmanyi_db_connections{{state=\"total\"}} {}\n"
        "manyi_db_connections{{state=\"busy\"}} {}\n# TYPE manyi_db_writer_queue gauge\nmanyi_db_writer_queue {}\n"
        "# TYPE manyi_db_commits_total counter\nmanyi_db_commits_total {}\n"
        "# TYPE manyi_db_write_jobs_total counter\nmanyi_db_write_jobs_total {}\n"
        "# TYPE manyi_db_pool_waits_total counter\nmanyi_db_pool_waits_total {}\n"
        "# TYPE manyi_db_pool_timeouts_total counter\nmanyi_db_pool_timeouts_total {}\n"
        "# TYPE manyi_db_unavailable_total counter\nmanyi_db_unavailable_total {}\n",
        s.readers_total, s.readers_busy, s.writer_queue, s.commits, s.write_jobs, s.pool_waits, s.pool_timeouts,
        s.db_errors);
  });
  jobs = std::make_unique<jobs::Scheduler>(*db);
  metrics.add_gauge_source([this] { return jobs->metrics_text(); });
  register_system_routes(*this);
  register_org_routes(*this);
  register_audit_routes(*this);
  cases = std::make_unique<manyi::cases::CaseService>(*db);
  register_calendar_routes(*this);
  register_cases_routes(*this);
  register_case_attachment_routes(*this);
  register_case_picker_routes(*this);
  register_case_report_routes(*this);
  register_h5_routes(*this);
  forms = std::make_shared<manyi::forms::FormService>(*db);
  manyi::forms::register_response_routes(*this, forms);
  register_feedback_routes(*this);
  register_rectify(*this);
  register_inspect(*this);
  using std::chrono::milliseconds;
  if (cfg.case_scan_interval_ms > 0)
    jobs->every("case-escalation", milliseconds(cfg.case_scan_interval_ms), [this](int64_t now) {
      if (int n = cases->run_escalations(now)) spdlog::info("cases: {} escalation step(s)", n);
    });
  notify::configure({cfg.webhook_url, cfg.smtp_url, cfg.mail_from, cfg.mail_to});
  if (notify::channels().any() && cfg.outbox_interval_ms > 0)
    jobs->every("outbox", milliseconds(cfg.outbox_interval_ms), [this](int64_t now) {
      auto st = notify::deliver_due(*db, now);
      if (st.sent || st.failed) spdlog::info("outbox: {} sent, {} failed", st.sent, st.failed);
    });
}

// The rectification ledger: its routes, the escalation job, and the item a case marked 需整改
// opens in the case's own transaction.
void register_rectify(App& app) {
  app.rectify = std::make_unique<manyi::rectify::RectifyService>(*app.db);
  auto& svc = *app.rectify;
  manyi::rectify::register_routes(app, svc);
  manyi::rectify::register_public_routes(app, svc);
  app.cases->on_rectification([&svc](store::Tx& tx, const cases::Case& c) {
    svc.open_from_case(tx, {c.id, c.unit_id, c.tracking_code, c.type, c.content, c.category});
  });
  if (app.cfg.case_scan_interval_ms > 0)
    app.jobs->every("rectification-escalation", std::chrono::milliseconds(app.cfg.case_scan_interval_ms),
                    [&svc](int64_t now) {
                      if (int n = svc.run_escalations(now)) spdlog::info("rectification: {} escalation step(s)", n);
                    });
}

// Inspections: their routes, and two jobs — making each period's tasks (inspection-tasks) and
// the overdue scan (inspection-escalation) — on the escalation scan's interval.
void register_inspect(App& app) {
  app.inspect = std::make_unique<manyi::inspect::InspectService>(*app.db, *app.forms, *app.rectify);
  auto& svc = *app.inspect;
  manyi::inspect::register_routes(app, svc);
  if (app.cfg.case_scan_interval_ms > 0) {
    auto every = std::chrono::milliseconds(app.cfg.case_scan_interval_ms);
    app.jobs->every("inspection-tasks", every, [&svc](int64_t now) {
      if (int n = svc.generate(now)) spdlog::info("inspection: {} task(s) made", n);
    });
    app.jobs->every("inspection-escalation", every, [&svc](int64_t now) {
      if (int n = svc.run_escalations(now)) spdlog::info("inspection: {} overdue step(s)", n);
    });
  }
}

// The jobs stop first: a run in progress finishes while the services it calls still exist.
App::~App() {
  if (jobs) jobs->stop();
}

void register_system_routes(App& app) {
  auto& r = *app.router;
  // Answered at once on the I/O thread from the health monitor's last check (app/health.hpp):
  // never queued behind other requests, never waiting for a database connection.
  r.add_async("GET", "/healthz", "public", [&app](http::Ctx&, http::Reply reply) {
    auto s = app.health->state();
    reply(json_response({{"status", s.db_ok ? "ok" : "database_unreachable"},
                         {"database", app.db->backend() == store::Backend::sqlite ? "sqlite" : "postgresql"},
                         {"schema", s.schema},
                         {"checked_at", s.checked_at_ms}},
                        s.db_ok ? 200 : 503));
  }).limit_class = "";
  r.add("GET", "/metrics", "public", [&app](http::Ctx&) {
    return http::Response::text(200, app.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  }).limit_class = "";
}

}  // namespace manyi
