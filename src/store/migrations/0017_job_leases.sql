-- One row per scheduled job (src/jobs/): the instance that holds the lease runs the job until
-- `until_ms`, renewing it at each run; another instance sharing the database takes the job over
-- only once the lease has run out (its holder stopped or died).
CREATE TABLE job_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms BIGINT NOT NULL,
  runs BIGINT NOT NULL DEFAULT 0,
  last_run_at BIGINT,
  last_error TEXT NOT NULL DEFAULT ''
);
