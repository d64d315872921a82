// The outbound notification queue (table `outbox`): notices that must leave the system — a
// case's escalation steps (临期预警, 逾期, 督办), supervision and rectification — are written in
// the same transaction as the change that causes them, one row per configured channel, and a
// scheduled job ("outbox", src/jobs/) delivers them afterwards with retries:
//   webhook  — HTTP(S) POST of a JSON document to a URL (the hospital's OA / 12345 platform);
//   email    — SMTP to a mailbox (the complaint office or the bureau's supervision office).
// Delivery uses libcurl. Nothing is lost when a receiver is down: a failed row is retried with
// exponential back-off (1 min, 2, 4 … capped at 1 h) and keeps its last error.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "store/db.hpp"

namespace manyi::notify {

struct Channels {
  std::string webhook_url;  // http(s)://…; empty = no webhook
  std::string smtp_url;     // smtp://host:port or smtps://…; empty = no email
  std::string mail_from;    // envelope and From: address
  std::string mail_to;      // the mailbox that receives the notices
  bool any() const { return !webhook_url.empty() || (!smtp_url.empty() && !mail_to.empty()); }
};

// The channels this process writes to (set once at start-up, before serving).
void configure(const Channels& c);
const Channels& channels();

struct Notice {
  std::string kind;     // e.g. case.overdue
  std::string subject;  // a line of Chinese text
  std::string body;
  std::string link;     // path in the console, e.g. /cases/123
  int64_t node_id = 0;  // the org node notified
};

// Queues the notice for every configured channel inside the caller's transaction.
void enqueue(store::Tx& tx, const Notice& n);

struct DeliveryStats {
  int sent = 0, failed = 0;
};

// Delivers the rows due at `now` (at most `limit`); each row is marked sent, or its attempt
// count, next attempt and last error are updated. A row is claimed before it is sent (its next
// attempt moved 5 minutes on), so instances sharing a database deliver it once; one that dies
// mid-delivery leaves it due again after those 5 minutes. Deliveries carry the row id
// (X-Manyi-Delivery / Message-ID) for receivers that drop repeats.
DeliveryStats deliver_due(store::Db& db, int64_t now, int limit = 100);
// The server runs deliver_due as the job "outbox" (src/jobs/) when a channel is configured.

}  // namespace manyi::notify
