// manyi: the one binary. serve, migrate, demo, user, backup, restore, audit verify.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <filesystem>
#include <iostream>

#include "app/app.hpp"
#include "audit/audit.hpp"
#include "cases/data_key.hpp"
#include "core/error.hpp"
#include "demo/demo.hpp"
#include "demo/demo_cases.hpp"
#include "demo/demo_feedback.hpp"
#include "demo/demo_inspect.hpp"
#include "demo/demo_rectify.hpp"
#include "feedback/cli.hpp"
#include "metrics/satisfaction.hpp"
#include "metrics/series.hpp"
#include "http/server.hpp"
#include "app/modules.hpp"
#include "org/roles.hpp"
#include "ops/backup_file.hpp"
#include "ops/backup_schedule.hpp"
#include "ops/instance_lock.hpp"
#include "ops/restore.hpp"

using namespace manyi;

namespace {

std::string env_or(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

// A server needs a descriptor per connection: take the hard limit (at most 65,536) as the soft
// one, as systemd's LimitNOFILE would. The connection cap stays below what is in force.
void raise_descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  rlim_t want = rl.rlim_max == RLIM_INFINITY ? 65536 : std::min<rlim_t>(rl.rlim_max, 65536);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// The database may come up after us (boot order, a restarting PostgreSQL): wait for it instead of
// exiting, saying so once per attempt, for at most `seconds`.
void wait_for_database(const std::string& url, int seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int attempt = 1;; ++attempt) {
    try {
      if (store::open(url)->ping()) return;
      throw Error(503, "database_unavailable", "the database does not answer");
    } catch (const Error& e) {
      if (e.status() != 503 || std::chrono::steady_clock::now() >= deadline) throw;
      spdlog::warn("waiting for the database {} (attempt {}, up to {} s): {}", store::redacted_url(url), attempt,
                   seconds, e.what());
      std::this_thread::sleep_for(std::chrono::seconds(std::min(attempt, 5)));
    }
  }
}

void ensure_parent_dir(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::filesystem::path p(url.substr(7));
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  }
}

}  // namespace

int main(int argc, char** argv) {
  manyi::app::install_modules();
  CLI::App cli{"manyi (满意) — service-quality improvement platform"};
  cli.set_config("--config", "", "read options from a TOML/INI file");
  cli.require_subcommand(1);
  Config cfg;
  cfg.db_url = env_or("MANYI_DB", cfg.db_url);
  cfg.listen = env_or("MANYI_LISTEN", cfg.listen);
  cfg.web_dir = env_or("MANYI_WEB", std::filesystem::exists("web/dist/index.html") ? "web/dist" : "");
  if (auto tp = std::getenv("MANYI_TRUSTED_PROXY"); tp && *tp) cfg.trusted_proxies.push_back(tp);
  cli.add_option("--db", cfg.db_url, "database: sqlite:PATH or postgresql://… (env MANYI_DB)")->capture_default_str();
  std::string key_file = env_or("MANYI_DATA_KEY_FILE", "");
  cli.add_option("--data-key-file", key_file,
                 "file holding the key that seals personal data (env MANYI_DATA_KEY_FILE; default: DB-FILE.key beside "
                 "a SQLite file, manyi-data.key in the working directory for PostgreSQL; MANYI_DATA_KEY overrides)");

  auto serve = cli.add_subcommand("serve", "serve the platform over HTTP");
  serve->add_option("--listen", cfg.listen, "address:port (env MANYI_LISTEN)")->capture_default_str();
  serve->add_option("--web", cfg.web_dir, "directory of the built web console (env MANYI_WEB)");
  serve->add_option("--trusted-proxy", cfg.trusted_proxies,
                    "CIDR of a reverse proxy whose X-Forwarded-For is believed (env MANYI_TRUSTED_PROXY)");
  serve->add_option("--workers", cfg.worker_threads, "handler threads")->capture_default_str();
  serve->add_option("--io-threads", cfg.io_threads, "threads that parse and answer HTTP (0 = one per core)")
      ->capture_default_str();
  serve->add_option("--max-connections", cfg.max_connections,
                    "open client connections at most (0 = below the descriptor limit, at most 16384)")
      ->capture_default_str();
  serve->add_option("--max-connections-per-address", cfg.max_connections_per_address,
                    "open connections one client address may hold (trusted proxies exempt; 0 = no cap)")
      ->capture_default_str();
  serve->add_option("--flood-delay", cfg.flood_delay_ms,
                    "milliseconds a 429 to an address that keeps sending after its refusals waits (0 = never)")
      ->capture_default_str();
  serve->add_option("--max-body-memory", cfg.max_body_memory_mb, "MiB all request bodies in flight may hold together")
      ->capture_default_str();
  int db_wait_s = 60;
  serve->add_option("--db-wait", db_wait_s, "seconds to wait at start for the database to answer (0 = fail at once)")
      ->capture_default_str();
  serve->add_option("--read-timeout", cfg.read_timeout_s, "seconds a client may take to send a request")
      ->capture_default_str();
  serve->add_option("--public-rate", cfg.public_rate, "public submissions per second per address")->capture_default_str();
  serve->add_option("--public-burst", cfg.public_burst, "public submission burst per address")->capture_default_str();
  serve->add_option("--public-read-rate", cfg.public_read_rate, "public page reads per second per address")
      ->capture_default_str();
  serve->add_option("--public-read-burst", cfg.public_read_burst, "public page read burst per address")
      ->capture_default_str();
  serve->add_option("--login-rate", cfg.login_rate, "failed sign-ins forgiven per second per address")->capture_default_str();
  serve->add_option("--login-burst", cfg.login_burst, "failed sign-ins per address before it must wait")->capture_default_str();
  serve->add_option("--rating-device-rate", cfg.rating_device_rate, "public ratings per second per device")->capture_default_str();
  serve->add_option("--rating-device-burst", cfg.rating_device_burst, "public rating burst per device")->capture_default_str();
  serve->add_option("--rating-net-rate", cfg.rating_net_rate, "public ratings per second per network (/24)")->capture_default_str();
  serve->add_option("--rating-net-burst", cfg.rating_net_burst, "public rating burst per network (/24)")->capture_default_str();
  serve->add_option("--rating-dup-window", cfg.rating_dup_window_s, "seconds in which a device may rate a point once")->capture_default_str();
  serve->add_option("--followup-days", cfg.followup_days, "follow-up calls are due this many days after discharge")->capture_default_str();
  cfg.webhook_url = env_or("MANYI_WEBHOOK_URL", "");
  cfg.smtp_url = env_or("MANYI_SMTP_URL", "");
  cfg.mail_to = env_or("MANYI_MAIL_TO", "");
  cfg.mail_from = env_or("MANYI_MAIL_FROM", cfg.mail_from);
  serve->add_option("--webhook-url", cfg.webhook_url,
                    "POST escalation, supervision and rectification notices as JSON here (env MANYI_WEBHOOK_URL)");
  serve->add_option("--smtp-url", cfg.smtp_url, "mail those notices through this server, smtp://host:port (env MANYI_SMTP_URL)");
  serve->add_option("--mail-to", cfg.mail_to, "the mailbox that receives them (env MANYI_MAIL_TO)");
  serve->add_option("--mail-from", cfg.mail_from, "sender address (env MANYI_MAIL_FROM)")->capture_default_str();
  serve->add_option("--outbox-interval", cfg.outbox_interval_ms, "ms between delivery passes (0 = off)")->capture_default_str();
  serve->add_option("--case-scan-interval", cfg.case_scan_interval_ms,
                    "ms between escalation scans of case deadlines (0 = off)")
      ->capture_default_str();
  cfg.public_url = env_or("MANYI_PUBLIC_URL", "");
  serve->add_option("--public-url", cfg.public_url, "base URL printed in QR codes, e.g. https://manyi.example.gov.cn (env MANYI_PUBLIC_URL)");

  ops::BackupSchedule backup_schedule;
  backup_schedule.dir = env_or("MANYI_BACKUP_DIR", "");
  backup_schedule.at = env_or("MANYI_BACKUP_AT", backup_schedule.at);
  backup_schedule.keep = std::atoi(env_or("MANYI_BACKUP_KEEP", std::to_string(backup_schedule.keep)).c_str());
  serve->add_option("--backup-dir", backup_schedule.dir,
                    "take scheduled online backups into this directory (env MANYI_BACKUP_DIR; empty = none)");
  serve->add_option("--backup-at", backup_schedule.at, "daily backup time HH:MM, Asia/Shanghai (env MANYI_BACKUP_AT)")
      ->capture_default_str();
  serve->add_option("--backup-keep", backup_schedule.keep,
                    "scheduled backups kept; older ones it wrote are deleted (env MANYI_BACKUP_KEEP)")
      ->capture_default_str();
  serve->add_option("--backup-every-seconds", backup_schedule.every_seconds,
                    "a backup every N seconds instead of daily (restore drills and tests; 0 = daily)")
      ->capture_default_str();

  auto migrate = cli.add_subcommand("migrate", "apply schema migrations (idempotent)");
  auto demo = cli.add_subcommand("demo", "create the demo organisation in an empty database");
  uint64_t seed = 20261122;
  demo->add_option("--seed", seed, "random seed")->capture_default_str();
  int64_t demo_ratings = 2'000'000;
  demo->add_option("--ratings", demo_ratings, "ratings over two years (0 = collection points only)")->capture_default_str();
  int64_t demo_cases = 1800;
  demo->add_option("--cases", demo_cases, "cases over two years besides the bad reviews' (0 = none)")->capture_default_str();
  int64_t demo_rectifications = 3000;
  demo->add_option("--rectifications", demo_rectifications,
                   "rectification ledger items over the last year besides the cases' (0 = none at all)")
      ->capture_default_str();
  int demo_inspection_months = 12;
  demo->add_option("--inspection-months", demo_inspection_months,
                   "months of inspections before the current one; their findings go into the ledger, so none "
                   "with --rectifications 0 (0 = none)")
      ->capture_default_str();
  auto rollups_cmd = cli.add_subcommand("rollups", "rollups (satisfaction and metric series)");
  rollups_cmd->require_subcommand(1);
  auto rollups_rebuild = rollups_cmd->add_subcommand("rebuild", "recompute the tree rollups (satisfaction and metric series) after moving a node");
  auto points_cmd = cli.add_subcommand("points", "collection points (评价点)");
  points_cmd->require_subcommand(1);
  auto points_list = points_cmd->add_subcommand("list", "print point codes and URLs for printing and scripts");
  std::string points_node, points_base;
  bool points_json = false;
  points_list->add_option("--node", points_node, "only points under this org node code");
  points_list->add_flag("--json", points_json, "JSON lines instead of a table");
  points_list->add_option("--base", points_base, "base URL of the links (default MANYI_PUBLIC_URL or http://127.0.0.1:8080)");

  auto user = cli.add_subcommand("user", "manage users");
  user->require_subcommand(1);
  std::string uname, display, password, node_code, role;
  bool must_change = false;
  auto uadd = user->add_subcommand("add", "add a user");
  uadd->add_option("--username", uname)->required();
  uadd->add_option("--display-name", display);
  uadd->add_option("--password", password)->required();
  uadd->add_option("--node", node_code, "org node code the user belongs to")->required();
  uadd->add_option("--role", role, "grant this role on --node");
  uadd->add_flag("--must-change", must_change, "require a password change at first sign-in");
  auto upass = user->add_subcommand("passwd", "set a user's password");
  upass->add_option("--username", uname)->required();
  upass->add_option("--password", password)->required();
  upass->add_flag("--must-change", must_change, "require a password change at next sign-in");
  auto ugrant = user->add_subcommand("grant", "grant a role on a node");
  ugrant->add_option("--username", uname)->required();
  ugrant->add_option("--role", role)->required();
  ugrant->add_option("--node", node_code)->required();

  auto backup = cli.add_subcommand("backup", "online backup to a file (SQLite's backup API; pg_dump on PostgreSQL)");
  std::string backup_out;
  backup->add_option("--out", backup_out, "backup file")->required();
  bool backup_with_key = false;
  backup->add_flag("--with-key", backup_with_key, "also copy the data key to OUT.key (keep it apart from the backup)");
  auto restore = cli.add_subcommand("restore", "SQLite: put a backup in place of the database (every server stopped)");
  ops::RestoreRequest restore_req;
  restore->add_option("--from", restore_req.from, "the backup file")->required();
  restore->add_option("--key", restore_req.key, "the backup's data key file (BACKUP.key), put in place of the key file");
  auto keycmd = cli.add_subcommand("data-key", "the key that seals names and phone numbers (数据密钥)");
  keycmd->require_subcommand(1);
  auto key_status = keycmd->add_subcommand("status", "where the key is and its fingerprint (never the key)");
  auto key_rotate = keycmd->add_subcommand("rotate", "new key; re-seal all personal data (stop every instance first)");
  auto auditc = cli.add_subcommand("audit", "audit log tools");
  auditc->require_subcommand(1);
  auto verify = auditc->add_subcommand("verify", "verify the audit hash chain");

  CLI11_PARSE(cli, argc, argv);
  if (key_file.empty()) key_file = cases::keys::default_key_file(cfg.db_url);

  try {
    ensure_parent_dir(cfg.db_url);
    audit::Actor cli_actor{0, "cli", "local"};
    if (*serve) {
      auto colon = cfg.listen.rfind(':');
      if (colon == std::string::npos) throw invalid("listen", "--listen must be host:port");
      auto serving = ops::InstanceLock::serving(cfg.db_url);  // `manyi restore` refuses while it is held
      wait_for_database(cfg.db_url, db_wait_s);
      if (org::test_fast_hash()) spdlog::warn("MANYI_TEST_FAST_HASH=1: password hashes use the minimum cost (tests only)");
      App app(cfg);
      int n = app.db->migrate();
      if (n) spdlog::info("applied {} migration(s)", n);
      auto key = cases::keys::load(*app.db, key_file);
      spdlog::info("data key {} from {}", key.key_id, key.source);
      for (auto& f : app.on_start) f();
      http::ServerOptions so;
      so.host = cfg.listen.substr(0, colon);
      so.port = static_cast<uint16_t>(std::stoi(cfg.listen.substr(colon + 1)));
      so.worker_threads = cfg.worker_threads;
      so.io_threads = cfg.io_threads;
      so.max_connections = cfg.max_connections;
      so.max_connections_per_address = cfg.max_connections_per_address;
      so.flood_delay_ms = cfg.flood_delay_ms;
      so.max_body_memory = cfg.max_body_memory_mb << 20;
      so.read_timeout_s = std::max(1, cfg.read_timeout_s);
      raise_descriptor_limit();
      so.trusted_proxies = cfg.trusted_proxies;
      std::unique_ptr<ops::BackupScheduler> backups;
      if (!backup_schedule.dir.empty()) {
        backups = std::make_unique<ops::BackupScheduler>(*app.db, backup_schedule);
        app.metrics.add_gauge_source([b = backups.get()] { return b->metrics_text(); });
        backups->start();
      }
      http::Server server(*app.router, so);
      uint16_t port = server.bind();
      spdlog::info("accepting up to {} connections; request bodies in flight up to {} MiB", server.max_connections(),
                   cfg.max_body_memory_mb);
      std::cout << fmt::format("manyi listening on http://{}:{} (database {})", so.host, port, store::redacted_url(app.db->url()))
                << std::endl;
      server.run();
      spdlog::info("stopped");
      return 0;
    }
    if (*restore) {
      restore_req.db_url = cfg.db_url;
      restore_req.key_file = key_file;
      std::cout << ops::restore_sqlite(restore_req) << "\n";
      return 0;
    }
    auto db = store::open(cfg.db_url);
    if (*migrate) {
      int n = db->migrate();
      std::cout << fmt::format("schema at version {} ({} migration(s) applied)", store::schema_version(*db), n) << "\n";
      return 0;
    }
    // Commands that only read must not write: they run on standbys and as read-only roles.
    bool read_only = *points_list || *backup || *verify || *key_status;
    if (read_only) store::require_current_schema(*db);
    else db->migrate();
    if (!read_only) cases::keys::load(*db, key_file);
    org::OrgService org(*db);
    if (*demo) {
      auto s = demo::create_org(org, seed);
      std::cout << fmt::format("demo organisation created: {} nodes, {} staff, {} users (password {})", s.nodes,
                               s.staff, s.users, demo::kPassword)
                << "\n";
      auto f = demo::create_feedback(org, demo_ratings, seed);
      std::cout << fmt::format("demo feedback: {} collection points, {} ratings ({} suspect, {} refused as duplicates), "
                               "{} comments, {} follow-up tasks in {:.1f} s",
                               f.points, f.ratings, f.suspect, f.refused, f.comments, f.followups, f.seconds)
                << "\n";
      auto c = demo::create_cases(org, f.bad_reviews, demo_cases, seed);
      std::string states;
      for (auto& [st, n] : c.by_status) states += fmt::format("{}{} {}", states.empty() ? "" : ", ", st, n);
      std::cout << fmt::format("demo cases: {} cases ({} from bad reviews), {} workflow steps, {} escalation steps "
                               "({}) in {:.1f} s",
                               c.cases, c.bad_reviews, c.actions, c.escalations, states, c.seconds)
                << "\n";
      if (demo_rectifications > 0) {
        auto l = demo::create_rectifications(org, demo_rectifications, seed);
        std::string ls;
        for (auto& [st, n] : l.by_status) ls += fmt::format("{}{} {}", ls.empty() ? "" : ", ", st, n);
        std::cout << fmt::format("demo rectification ledger: {} items ({} from cases), {} overdue, {} escalation "
                                 "steps ({}) in {:.1f} s",
                                 l.items, l.from_cases, l.overdue, l.escalations, ls, l.seconds)
                  << "\n";
      }
      if (demo_rectifications > 0 && demo_inspection_months > 0) {
        auto x = demo::create_inspections(org, demo_inspection_months, seed);
        std::cout << fmt::format("demo inspections: {} plans, {} tasks, {} inspections ({} late, {} vetoed, {} covert "
                                 "not yet published), {} tasks open ({} overdue), {} ledger items from findings, {} "
                                 "escalation steps in {:.1f} s",
                                 x.plans, x.tasks, x.inspections, x.late, x.vetoed, x.unpublished, x.open, x.overdue,
                                 x.items, x.escalations, x.seconds)
                  << "\n";
      }
      return 0;
    }
    if (*rollups_rebuild) {
      std::cout << fmt::format("tree rollups rebuilt: {} rows", metrics::rebuild_tree_rollups(*db)) << "\n";
      std::cout << fmt::format("metric tree rollups rebuilt: {} rows", metrics::series::rebuild_tree(*db)) << "\n";
      return 0;
    }
    if (*points_list) {
      if (points_base.empty()) points_base = env_or("MANYI_PUBLIC_URL", "http://127.0.0.1:8080");
      return feedback::cli_points_list(org, points_node, points_json, points_base, std::cout);
    }
    if (*uadd) {
      auto n = org.node_by_code(node_code);
      if (!n) throw invalid("node", "no node with code " + node_code);
      auto u = org.create_user(cli_actor, uname, display.empty() ? uname : display, password, n->id, 0, must_change);
      if (!role.empty()) org.grant(cli_actor, u.id, role, n->id);
      std::cout << "user " << uname << " added\n";
      return 0;
    }
    if (*upass) {
      auto u = org.user_by_name(uname);
      if (!u) throw invalid("username", "no such user");
      org.set_password(cli_actor, u->id, password, must_change);
      std::cout << "password set\n";
      return 0;
    }
    if (*ugrant) {
      auto u = org.user_by_name(uname);
      if (!u) throw invalid("username", "no such user");
      auto n = org.node_by_code(node_code);
      if (!n) throw invalid("node", "no node with code " + node_code);
      org.grant(cli_actor, u->id, role, n->id);
      std::cout << "granted\n";
      return 0;
    }
    if (*backup) {
      // SQLite's online backup or pg_dump's custom format, checked, then renamed into place.
      auto w = ops::write_backup(*db, backup_out);
      std::cout << fmt::format("backup written to {} ({} bytes, {:.1f} s)", w.path, w.bytes, w.seconds)
                << (db->backend() == store::Backend::postgres ? " (pg_dump custom format; restore with pg_restore)" : "")
                << "\n";
      std::string id = cases::keys::stored_key_id(*db);
      if (backup_with_key) {
        cases::keys::export_key(key_file, backup_out + ".key");
        std::cout << fmt::format("data key (id {}) copied to {}.key: store it apart from the backup\n", id, backup_out);
      } else {
        std::cout << fmt::format("the backup does not contain the data key (id {}, kept in {}): without it the names "
                                 "and phone numbers in the backup cannot be read; keep a copy of the key apart from "
                                 "the backups\n",
                                 id, std::getenv("MANYI_DATA_KEY") ? "MANYI_DATA_KEY" : key_file);
      }
      return 0;
    }
    if (*key_status) {
      std::string id = cases::keys::stored_key_id(*db);
      std::cout << fmt::format("database sealed with data key id {}; key source: {}\n", id.empty() ? "(none yet)" : id,
                               std::getenv("MANYI_DATA_KEY") ? "MANYI_DATA_KEY" : key_file);
      return 0;
    }
    if (*key_rotate) {
      auto r = cases::keys::rotate(*db, key_file, cli_actor);
      std::cout << fmt::format("data key rotated: {} -> {}; {} values re-sealed; the key is in {}\n", r.old_id, r.new_id,
                               r.resealed, r.key_file);
      if (std::getenv("MANYI_DATA_KEY"))
        std::cout << "MANYI_DATA_KEY is set: replace it with the contents of " << r.key_file << " on every instance\n";
      return 0;
    }
    if (*verify) {
      auto r = audit::verify(*db);
      for (auto& p : r.problems) std::cout << p << "\n";
      std::cout << (r.ok ? "audit chain intact: " : "audit chain BROKEN: ") << r.checked << " entries checked\n";
      return r.ok ? 0 : 3;
    }
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << (e.field().empty() ? "" : " (" + e.field() + ")") << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
