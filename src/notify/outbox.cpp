// See outbox.hpp.
#include "notify/outbox.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/id.hpp"

namespace manyi::notify {
namespace {

Channels g_channels;
std::once_flag g_curl_once;

struct Payload {
  const std::string* data;
  size_t pos = 0;
};
size_t read_payload(char* buf, size_t size, size_t n, void* user) {
  auto* p = static_cast<Payload*>(user);
  size_t len = std::min(size * n, p->data->size() - p->pos);
  std::copy_n(p->data->data() + p->pos, len, buf);
  p->pos += len;
  return len;
}
size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

// One delivery; returns "" on success or the error. The row's id goes with it (webhook header
// X-Manyi-Delivery, mail Message-ID) so a receiver can drop the rare second delivery.
std::string send(int64_t id, const std::string& channel, const std::string& target, const std::string& subject,
                 const std::string& body) {
  std::call_once(g_curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* h = curl_easy_init();
  if (!h) return "curl_easy_init failed";
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
  curl_slist* headers = nullptr;
  curl_slist* rcpt = nullptr;
  std::string message;
  Payload payload{&message};
  if (channel == "webhook") {
    message = body;
    headers = curl_slist_append(headers, "Content-Type: application/json; charset=utf-8");
    headers = curl_slist_append(headers, fmt::format("X-Manyi-Delivery: {}", id).c_str());
    curl_easy_setopt(h, CURLOPT_URL, target.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, message.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(message.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
  } else {
    const auto& c = g_channels;
    // RFC 5322 message; the subject is UTF-8, encoded as one base64 word.
    std::string enc(sodium_base64_encoded_len(subject.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(enc.data(), enc.size(), reinterpret_cast<const unsigned char*>(subject.data()), subject.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    enc.resize(enc.find('\0'));
    message = fmt::format(
        "From: {}\r\nTo: {}\r\nSubject: =?UTF-8?B?{}?=\r\nMessage-ID: <outbox-{}@manyi>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n",
        c.mail_from, target, enc, id, body);
    rcpt = curl_slist_append(rcpt, target.c_str());
    curl_easy_setopt(h, CURLOPT_URL, c.smtp_url.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, c.mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(h, CURLOPT_READDATA, &payload);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  }
  CURLcode rc = curl_easy_perform(h);
  std::string out;
  if (rc != CURLE_OK) out = err[0] ? err : curl_easy_strerror(rc);
  curl_slist_free_all(headers);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(h);
  return out;
}

}  // namespace

void configure(const Channels& c) { g_channels = c; }
const Channels& channels() { return g_channels; }

void enqueue(store::Tx& tx, const Notice& n) {
  const auto& c = g_channels;
  int64_t now = now_ms();
  auto row = [&](const char* channel, const std::string& target, const std::string& body) {
    tx.exec_deferred(
        "INSERT INTO outbox(id, channel, target, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {new_id(), std::string(channel), target, n.subject, body, now, now});
  };
  if (!c.webhook_url.empty())
    row("webhook", c.webhook_url,
        nlohmann::json{{"kind", n.kind}, {"subject", n.subject}, {"body", n.body}, {"link", n.link}, {"node_id", std::to_string(n.node_id)}, {"at", now}}.dump());
  if (!c.smtp_url.empty() && !c.mail_to.empty()) row("email", c.mail_to, n.body + (n.link.empty() ? "" : "\n" + n.link));
}

constexpr int64_t kLeaseMs = 5 * 60 * 1000;  // longer than any delivery (curl gives up after 20 s)

DeliveryStats deliver_due(store::Db& db, int64_t now, int limit) {
  DeliveryStats st;
  auto rows = db.query(
      "SELECT id, channel, target, subject, body, attempts, next_attempt_at FROM outbox WHERE sent_at IS NULL AND "
      "next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      {now, int64_t{limit}});
  for (auto& r : rows) {
    int64_t id = r.i64(0);
    int attempts = static_cast<int>(r.i64(5)) + 1;
    // Claim the row first: moving its next attempt past the lease succeeds for one instance
    // only, so instances sharing a database do not deliver it twice. If this one dies before
    // marking it sent, the row is due again when the lease ends (at least once, never lost).
    int64_t claimed = 0;
    db.write([&](store::Tx& tx) {
      claimed = tx.exec("UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL AND next_attempt_at = ?",
                        {now + kLeaseMs, id, r.i64(6)});
    });
    if (claimed != 1) continue;  // another instance has it
    auto error = send(id, r.str(1), r.str(2), r.str(3), r.str(4));
    if (error.empty()) {
      db.write([&](store::Tx& tx) {
        tx.exec("UPDATE outbox SET sent_at = ?, attempts = ?, last_error = '' WHERE id = ?", {now_ms(), int64_t{attempts}, id});
      });
      ++st.sent;
    } else {
      int64_t backoff = std::min<int64_t>(3600000, int64_t{60000} << std::min(attempts - 1, 10));
      db.write([&](store::Tx& tx) {
        tx.exec("UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
                {int64_t{attempts}, now + backoff, error.substr(0, 500), id});
      });
      spdlog::warn("outbox: {} to {} failed (attempt {}): {}", r.str(1), r.str(2), attempts, error);
      ++st.failed;
    }
  }
  return st;
}

}  // namespace manyi::notify
