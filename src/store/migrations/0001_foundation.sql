-- Foundation: org tree, staff, users, role grants, sessions, audit log, notifications.
-- Portable SQL for SQLite and PostgreSQL. Times are UTC epoch milliseconds. Booleans are 0/1.
-- {{COLLATE_C}} makes the tree path compare bytewise on PostgreSQL (prefix ranges on paths).

CREATE TABLE org_nodes (
  id BIGINT PRIMARY KEY,
  parent_id BIGINT REFERENCES org_nodes(id),
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT {{COLLATE_C}} NOT NULL,
  depth INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  sort INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX org_nodes_code ON org_nodes(code);
CREATE UNIQUE INDEX org_nodes_path ON org_nodes(path);
CREATE INDEX org_nodes_parent ON org_nodes(parent_id, sort, name);

CREATE TABLE staff (
  id BIGINT PRIMARY KEY,
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  unit_id BIGINT NOT NULL REFERENCES org_nodes(id),
  employee_no TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_unit_no ON staff(unit_id, employee_no);
CREATE INDEX staff_node ON staff(node_id, id);

CREATE TABLE users (
  id BIGINT PRIMARY KEY,
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  staff_id BIGINT REFERENCES staff(id),
  active INTEGER NOT NULL DEFAULT 1,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users(username);
CREATE INDEX users_node ON users(node_id);

CREATE TABLE role_grants (
  id BIGINT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_nodes(id),
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE UNIQUE INDEX role_grants_unique ON role_grants(user_id, role, node_id);

CREATE TABLE sessions (
  id BIGINT PRIMARY KEY,
  token_hash TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only, hash-chained. audit_head holds the chain's tip and serialises appenders.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  user_id BIGINT,
  username TEXT NOT NULL DEFAULT '',
  ip TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  node_id BIGINT,
  node_path TEXT {{COLLATE_C}} NOT NULL DEFAULT '',
  before_digest TEXT NOT NULL DEFAULT '',
  after_digest TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_path ON audit_log(node_path, seq);
CREATE INDEX audit_log_user ON audit_log(user_id, seq);

-- In-app inbox and the outbound queue (SMTP/webhook) shared by every capability.
CREATE TABLE notifications (
  id BIGINT PRIMARY KEY,
  user_id BIGINT,
  node_id BIGINT,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_node ON notifications(node_id, id);

CREATE TABLE outbox (
  id BIGINT PRIMARY KEY,
  channel TEXT NOT NULL,
  target TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  sent_at BIGINT,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(sent_at, next_attempt_at);

-- Small key/value settings (rate limits, targets, feature switches) editable at run time.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
