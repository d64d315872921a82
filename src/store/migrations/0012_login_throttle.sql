-- Sign-in throttling by failures (src/org/login_throttle.cpp). One row per key that has failed
-- recently (name): the user name as typed (whether or not such an account exists, so a throttled name
-- answers the same as a throttled account), or the name plus the account's usual address.
-- failures counts consecutive failures; until_ms is when the next attempt may be checked.
-- users.last_login_ip is the address of the last successful sign-in (the "usual address").
CREATE TABLE login_failures (
  name TEXT PRIMARY KEY,
  username TEXT NOT NULL,
  failures INTEGER NOT NULL,
  until_ms BIGINT NOT NULL,
  last_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_last ON login_failures(last_ms);
CREATE INDEX login_failures_user ON login_failures(username);
ALTER TABLE users ADD COLUMN last_login_ip TEXT NOT NULL DEFAULT '';
