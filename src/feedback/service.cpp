#include "feedback/service.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <cstdlib>
#include <unordered_set>

#include "cases/intake.hpp"
#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "forms/json.hpp"
#include "store/claim.hpp"
#include "store/subtree.hpp"
#include "core/period.hpp"
#include "feedback/internal.hpp"
#include "feedback/prepared.hpp"

namespace manyi::feedback {
using store::Params;
using store::Value;
using namespace detail;

namespace {
constexpr int64_t kIdEpochMs = 1577836800000LL;  // core/id.cpp: ids carry ms since 2020-01-01 << 22

std::string json_list(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace


int64_t id_floor(int64_t ms) { return ms <= kIdEpochMs ? 0 : (ms - kIdEpochMs) << 22; }

int64_t rating_id_for(int64_t at_ms) {
  // Normally a fresh id. A rating dated elsewhere (the test clock, a back-dated opinion-box
  // transcription) gets an id in its own millisecond so period filters on ids stay right.
  int64_t fresh = new_id();
  if (std::llabs(id_time_ms(fresh) - at_ms) < 2000) return fresh;
  return id_floor(at_ms) | static_cast<int64_t>(randombytes_uniform(1u << 22));
}

std::string channel_label(const std::string& c) {
  if (c == "qr") return "扫码评价";
  if (c == "web") return "网页评价";
  if (c == "kiosk") return "自助评价器";
  if (c == "opinion_box") return "意见箱";
  if (c == "followup") return "回访";
  if (c == "phone") return "电话";
  return c;
}
std::string status_label(const std::string& s) {
  if (s == "valid") return "有效";
  if (s == "suspect") return "待审核";
  if (s == "rejected") return "已剔除";
  return s;
}
std::string level_label(int level) {
  return level >= 1 && level <= 5 ? forms::kLevels[static_cast<size_t>(level - 1)] : std::string();
}

FeedbackService::FeedbackService(store::Db& db, org::OrgService& org, forms::FormService& forms, FeedbackOptions o)
    : db_(db),
      org_(org),
      forms_(forms),
      opts_(o),
      tracker_(o.integrity),
      figures_(db, [this](int64_t t) { return satisfied_min(t); }) {}

FeedbackService::~FeedbackService() {
  listener_.reset();  // nothing more heard from the other instances
  {
    std::lock_guard lk(q_mu_);
    stopping_ = true;
  }
  q_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  {
    std::unique_lock lk(q_mu_);  // and the batches still being written
    q_cv_.wait(lk, [&] { return writing_ == 0; });
  }
  {
    std::lock_guard lk(case_mu_);  // then the cases they queued
    case_stopping_ = true;
  }
  case_cv_.notify_all();
  for (auto& t : openers_) t.join();
}

// ---------------------------------------------------------------- points

void FeedbackService::submit_public_async(std::shared_ptr<const PointInfo> p, NewRating r, SubmitDone done) {
  warm_up();
  int64_t now = r.at_ms ? r.at_ms : now_ms();
  r.at_ms = now;
  refresh_staff_devices(now);
  if (std::find(kPublicChannels.begin(), kPublicChannels.end(), r.channel) == kPublicChannels.end())
    throw invalid("channel", "channel must be qr or web");
  auto x = std::make_unique<Prepared>();
  Submission& s = x->recorded;
  x->out.id = rating_id_for(now);
  s.rating_id = x->out.id;
  s.device = r.device;
  s.net = network_of(r.ip);
  if (!r.phone.empty()) s.phone = cases::pii::phone_hash(phone_key(), cases::pii::normalise_phone(r.phone, "phone"));
  s.point_id = p->point.id;
  s.unit_id = p->point.unit_id;
  s.template_id = p->point.template_id;
  s.overall = r.overall;
  s.answers = r.answers.size();
  s.comment_chars = utf8_chars(r.comment);
  s.at_ms = now;
  if (!r.ticket.empty()) {
    if (auto e = ticket_elapsed(p->point.code, r.ticket, now)) s.elapsed_ms = e;
  }
  if (!s.elapsed_ms && r.elapsed_ms) s.elapsed_ms = r.elapsed_ms;
  r.elapsed_ms = s.elapsed_ms;
  Verdict v = tracker_.check_and_record(s);
  if (v.duplicate) {
    if (!v.holds.empty()) enqueue_holds(std::move(v.holds), 0);  // refused again and again: an attacker
    throw Error(409, "already_rated", "您已对此处评价过，感谢您的反馈！");
  }
  try {
    x->point_hold = std::move(p);
    x->p = x->point_hold.get();
    x->rating = std::move(r);
    x->r = &x->rating;
    x->flags = v.flags;
    x->episode = v.episode;
    x->holds = std::move(v.holds);
    x->done = std::move(done);
    x->case_later = true;
    prepare(*x);
    enqueue(std::move(x));
  } catch (...) {
    tracker_.forget(s);
    throw;
  }
}

Submitted FeedbackService::submit_public(const PointInfo& p, NewRating r) {
  std::promise<Submitted> answer;
  auto fut = answer.get_future();
  // The caller keeps p alive until the answer: hold it without owning it.
  submit_public_async(std::shared_ptr<const PointInfo>(std::shared_ptr<const PointInfo>(), &p), std::move(r),
                      [&answer](const Submitted& out, std::exception_ptr e) {
                        if (e) answer.set_exception(e);
                        else answer.set_value(out);
                      });
  return fut.get();
}

Submitted FeedbackService::submit_console(const audit::Actor& who, const PointInfo& p, NewRating r) {
  if (std::find(kConsoleChannels.begin(), kConsoleChannels.end(), r.channel) == kConsoleChannels.end())
    throw invalid("channel", "channel must be kiosk, opinion_box, followup or phone");
  r.at_ms = r.at_ms ? r.at_ms : now_ms();
  return store(nullptr, p, r, {}, &who);
}

Submitted FeedbackService::submit_in(store::Tx& tx, const audit::Actor& who, const PointInfo& p, NewRating r) {
  r.at_ms = r.at_ms ? r.at_ms : now_ms();
  return store(&tx, p, r, {}, &who);
}

int64_t FeedbackService::open_bad_review(store::Tx& tx, const PointInfo& p, const NewRating& r, int64_t rating_id,
                                         const std::string& phone, bool isolated) {
  cases::NewCase c;
  c.type = "bad_review";
  c.channel = "survey";
  c.node_id = p.point.node_id;
  c.content = fmt::format("【{}】{} · {}：总体评价“{}”。{}{}", channel_label(r.channel), p.point.unit_name,
                          p.point.name, level_label(r.overall), r.comment.empty() ? "（未留言）" : "留言：",
                          r.comment);
  // The category from what the patient said: the comment, else the dimensions rated lowest
  // (服务态度差, 等候时间差; 一般 or worse) — never the header's unit and point names.
  std::string said = r.comment;
  if (said.empty() && p.def) {
    auto levels = forms::dimension_levels(*p.def, r.answers);
    int lowest = 4;
    for (auto& [dim, level] : levels) lowest = std::min(lowest, level);
    for (auto& [dim, level] : levels)
      if (level == lowest) said += p.def->dimension_name(dim) + "差。";
  }
  c.category_text = said;
  c.complainant_phone = phone;
  c.source_rating_id = rating_id;
  c.registered_by = r.entered_by;
  c.registered_by_name = r.entered_by_name;
  c.ip = r.ip;
  // Not isolated: an error reaches the caller, which retries the case isolated (the case opener
  // batch; a savepoint makes SQLite copy every page the case touches: ~40% of its cost).
  if (!isolated) return cases::open_case(tx, c).id;
  // A failing case must not lose the rating: isolate it in a savepoint; the rating keeps
  // case_id NULL (the error is logged) for a handler to open one by hand.
  tx.exec("SAVEPOINT bad_review");
  try {
    auto o = cases::open_case(tx, c);
    tx.query("SELECT 1");  // PostgreSQL: surface errors of deferred statements inside the savepoint
    tx.exec("RELEASE SAVEPOINT bad_review");
    return o.id;
  } catch (const std::exception& e) {
    tx.exec("ROLLBACK TO SAVEPOINT bad_review");
    tx.exec("RELEASE SAVEPOINT bad_review");
    spdlog::error("bad-review case for rating {} not opened: {}", rating_id, e.what());
    return 0;
  }
}


void FeedbackService::prepare(Prepared& x) {
  auto& r = *x.r;
  const auto& def = *x.p->def;
  if (r.overall < 1 || r.overall > 5) throw invalid("overall", "overall must be 1 (非常不满意) … 5 (非常满意)");
  if (!x.out.id) x.out.id = rating_id_for(r.at_ms);
  x.out.status = x.flags.empty() ? "valid" : "suspect";
  x.out.flags = x.flags;
  x.flags_text = json_list(x.flags);
  x.day = period::local_day(r.at_ms);
  if (!r.phone.empty()) {
    x.phone = cases::pii::normalise_phone(r.phone, "phone");
    x.phone_mask = cases::pii::mask_phone(x.phone);
    x.phone_enc = store::Blob{cases::pii::seal(phone_key(), x.phone)};
    x.phone_hash = cases::pii::phone_hash(phone_key(), x.phone);
  }
  auto sc = forms::score(def, r.answers);
  if (sc.scored) x.score = sc.score;
  x.obs.push_back({"overall", r.overall});
  for (auto& [dim, level] : forms::dimension_levels(def, r.answers)) x.obs.push_back({dim, level});
  x.answers = r.answers.empty() ? std::string() : forms::answers_json(r.answers).dump();
  x.net = r.entered_by ? std::string() : network_of(r.ip);
}

bool FeedbackService::needs_case(const Prepared& x) { return x.row && x.out.status == "valid" && x.r->overall <= 2; }

// Writes prepared ratings inside tx: bad-review cases first (each in its savepoint; public
// ratings' cases only after the commit, by the case opener), then the rows, then the merged
// rollups.
// Idempotent per attempt (case ids are reset).
void FeedbackService::write_rows(store::Tx& tx, const std::vector<Prepared*>& items) {
  static const std::vector<std::string> kRatingCols = {
      "id", "point_id", "node_id", "unit_id", "staff_id", "template_id", "form_version_id", "channel", "overall",
      "answers", "score", "comment", "phone_enc", "phone_mask", "device", "ip", "net", "elapsed_ms", "status", "flags",
      "day", "created_at", "entered_by", "case_id", "case_pending"};
  static const std::string kRatingSql =
      "INSERT INTO ratings(id, point_id, node_id, unit_id, staff_id, template_id, form_version_id, channel, overall, "
      "answers, score, comment, phone_enc, phone_mask, device, ip, net, elapsed_ms, status, flags, day, created_at, "
      "entered_by, case_id, case_pending) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  for (auto* x : items) {
    x->out.case_id = 0;
    if (needs_case(*x) && !x->case_later) x->out.case_id = open_bad_review(tx, *x->p, *x->r, x->out.id, x->phone);
  }
  std::vector<store::Params> ratings, comments, reviews, phones;
  std::vector<metrics::RollupInput> rollups;
  for (auto* x : items) {
    // A paper form's number (纸质表单编号) is entered once per point.
    if (!x->r->form_no.empty()) {
      if (!tx.query("SELECT 1 FROM rating_forms WHERE point_id = ? AND form_no = ?", {x->p->point.id, x->r->form_no})
               .empty())
        throw conflict("duplicate_form_no",
                       "form " + x->r->form_no + " of this collection point has already been entered", "form_no");
      tx.exec("INSERT INTO rating_forms(point_id, form_no, rating_id) VALUES (?, ?, ?)",
              {x->p->point.id, x->r->form_no, x->out.id});
    }
  }
  for (auto* x : items) {
    if (!x->row) continue;
    auto& p = *x->p;
    auto& r = *x->r;
    ratings.push_back({x->out.id, p.point.id, p.point.node_id, p.point.unit_id, id_or_null(p.point.staff_id),
                       p.point.template_id, p.version_id, r.channel, int64_t{r.overall}, x->answers, x->score, r.comment,
                       x->phone_enc, x->phone_mask, r.device, r.ip, x->net,
                       r.elapsed_ms ? Value(*r.elapsed_ms) : Value(nullptr), x->out.status, x->flags_text,
                       int64_t{x->day}, r.at_ms, id_or_null(r.entered_by), id_or_null(x->out.case_id),
                       int64_t{needs_case(*x) && x->case_later}});
    if (!x->phone_hash.empty()) phones.push_back({x->out.id, x->phone_hash, p.point.node_id});
    if (!r.comment.empty())
      comments.push_back({x->out.id, p.point.node_id, p.point.unit_id, int64_t{r.overall}, r.channel, x->out.status,
                          r.comment, x->phone_mask});
    if (x->out.status == "suspect")
      reviews.push_back({x->out.id, p.point.node_id, p.point.unit_id, x->flags_text, std::string("pending"), r.at_ms,
                         id_or_null(x->episode.id), x->episode.rule});
    else
      rollups.push_back({p.point.node_id, &p.tree, p.point.template_id, x->day, &x->obs, 1});
    if (x->who)
      audit::record(tx, *x->who,
                    {"feedback.rating.enter", "rating", x->out.id, p.point.node_id, p.point.node_path, "", "",
                     fmt::format("{} {} {}", channel_label(r.channel), p.point.name, level_label(r.overall))});
  }
  // A few rows: statements sent in the pipeline with the COMMIT (one round trip on PostgreSQL);
  // more: one bulk insert (COPY on PostgreSQL: far less server work per row).
  if (ratings.empty()) {
  } else if (ratings.size() < 8) {
    for (auto& row : ratings) tx.exec_deferred(kRatingSql, row);
    for (auto& row : comments)
      tx.exec_deferred("INSERT INTO rating_comments(rating_id, node_id, unit_id, overall, channel, status, comment, "
                       "phone_mask) VALUES (?,?,?,?,?,?,?,?)",
                       row);
    for (auto& row : reviews)
      tx.exec_deferred("INSERT INTO rating_reviews(rating_id, node_id, unit_id, flags, state, created_at, episode_id, "
                       "episode_rule) VALUES (?,?,?,?,?,?,?,?)",
                       row);
    for (auto& row : phones)
      tx.exec_deferred("INSERT INTO rating_phones(rating_id, phone_hash, node_id) VALUES (?,?,?)", row);
  } else {
    tx.insert_rows("ratings", kRatingCols, ratings);
    if (!comments.empty())
      tx.insert_rows("rating_comments",
                     {"rating_id", "node_id", "unit_id", "overall", "channel", "status", "comment", "phone_mask"}, comments);
    if (!reviews.empty())
      tx.insert_rows("rating_reviews",
                     {"rating_id", "node_id", "unit_id", "flags", "state", "created_at", "episode_id", "episode_rule"},
                     reviews);
    if (!phones.empty()) tx.insert_rows("rating_phones", {"rating_id", "phone_hash", "node_id"}, phones);
  }
  HeldRollups held;
  apply_holds(tx, items, held);
  held.add_to(rollups);
  if (!rollups.empty()) metrics::apply_rollups_batch(tx, rollups);
  publish_shared(tx, items);
}

Submitted FeedbackService::store(store::Tx* outer, const PointInfo& p, NewRating& r,
                                 const std::vector<std::string>& flags, const audit::Actor* who) {
  Prepared x;
  x.p = &p;
  x.r = &r;
  x.flags = flags;
  x.who = who;
  prepare(x);
  std::vector<Prepared*> one{&x};
  if (outer) write_rows(*outer, one);
  else db_.write([&](store::Tx& tx) { write_rows(tx, one); });
  return x.out;
}

void FeedbackService::enqueue(std::unique_ptr<Prepared> x) {
  // SQLite queues the batch's job from here (its write_async only queues); PostgreSQL runs a
  // write where it is asked, so a flusher thread asks there, off the IO threads.
  bool direct = db_.backend() == store::Backend::sqlite;
  if (!direct) std::call_once(flusher_started_, [this] { flusher_ = std::thread([this] { flusher_loop(); }); });
  bool submit = false;
  {
    std::lock_guard lk(q_mu_);
    if (stopping_) throw Error(503, "shutting_down", "the server is stopping; please retry");
    queue_.push_back(std::move(x));
    if (direct && !batch_queued_) {
      batch_queued_ = true;
      ++writing_;
      submit = true;
    }
  }
  if (!direct) q_cv_.notify_one();
  else if (submit) submit_batch(nullptr);
}

void FeedbackService::answer(Prepared& x, std::exception_ptr e) {
  if (e) {
    tracker_.forget(x.recorded);
    // The windows still count the attempt (as they count refusals): the ratings it named stay
    // to be held, by a later batch.
    if (!x.holds.empty()) enqueue_holds(x.holds, x.hold_round + 1);
  } else if (!x.missing.empty()) {
    enqueue_holds(std::move(x.missing), x.hold_round + 1);
  }
  if (!x.done) return;  // holds only
  try {
    x.done(x.out, e);
  } catch (const std::exception& ex) {
    spdlog::error("rating {}: answering failed: {}", x.out.id, ex.what());
  }
}

// Tells the flusher that its batch's transaction has started (it may hand over the next).
struct FeedbackService::BatchStart {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  void signal() {
    {
      std::lock_guard lk(mu);
      started = true;
    }
    cv.notify_all();
  }
  void wait() {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return started; });
  }
};

// One batch at a time is waiting for the writer: the batch takes the queued ratings when its
// transaction starts, so ratings arriving while the previous batch commits and syncs join it.
// Answers go out when the batch is durable (SQLite: from the database's sync thread). The
// caller has counted the batch in writing_ (and, without a flusher, set batch_queued_).
void FeedbackService::submit_batch(std::shared_ptr<BatchStart> start) {
  using Batch = std::vector<std::unique_ptr<Prepared>>;
  auto batch = std::make_shared<Batch>();
  auto job = [this, batch, start](store::Tx& tx) {
    if (batch->empty()) {  // a retried transaction keeps its batch
      bool more = false;
      {
        std::lock_guard lk(q_mu_);
        while (!queue_.empty() && batch->size() < 1000) {
          batch->push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (!start) {  // no flusher: ratings queued from now on need the next job
          more = !queue_.empty();
          batch_queued_ = more;
          if (more) ++writing_;
        }
      }
      if (more) submit_batch(nullptr);
    }
    if (start) start->signal();
    std::vector<Prepared*> rows;
    for (auto& x : *batch) rows.push_back(x.get());
    write_rows(tx, rows);
  };
  auto done = [this, batch, start](std::exception_ptr e) {
    if (start) start->signal();
    if (!e || batch->size() <= 1) {
      if (!e) queue_cases(*batch);
      for (auto& x : *batch) answer(*x, e);
    } else {
      // Find the culprit: each rating on its own, so one bad row fails only its request.
      for (auto& x : *batch) {
        Prepared* one = x.get();
        {
          std::lock_guard lk(q_mu_);
          ++writing_;
        }
        write_one(one, [this, batch, one](std::exception_ptr e1) {
          if (!e1) queue_cases({one});
          answer(*one, e1);
        });
      }
    }
    finished_writing();
  };
  try {
    db_.write_async(job, done);
  } catch (...) {  // the database is closing: fail what is queued
    auto e = std::current_exception();
    Batch left;
    {
      std::lock_guard lk(q_mu_);
      while (!queue_.empty()) {
        left.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      batch_queued_ = false;
    }
    for (auto& x : left) answer(*x, e);
    if (start) start->signal();
    finished_writing();
  }
}

void FeedbackService::flusher_loop() {
  pthread_setname_np(pthread_self(), "rating-flusher");
  for (;;) {
    {
      std::unique_lock lk(q_mu_);
      q_cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      ++writing_;
    }
    auto start = std::make_shared<BatchStart>();
    submit_batch(start);
    start->wait();
  }
}

void FeedbackService::write_one(Prepared* x, std::function<void(std::exception_ptr)> done) {
  try {
    db_.write_async([this, x](store::Tx& tx) { write_rows(tx, {x}); },
                    [this, done](std::exception_ptr e) {
                      done(e);
                      finished_writing();
                    });
  } catch (...) {
    done(std::current_exception());
    finished_writing();
  }
}

void FeedbackService::finished_writing() {
  {
    std::lock_guard lk(q_mu_);
    --writing_;
  }
  q_cv_.notify_all();
}

// ---------------------------------------------------------------- bad-review cases after the commit
// A public rating is answered as soon as it is durable; its bad-review case (a case, its
// history, an audit entry and a notification: some 30 index entries) is opened right after by
// the case opener, in transactions of its own that the database runs when no rating batch is
// waiting. The rating row carries case_pending until then, so a restart finishes the work.

// Bad ratings stored this batch whose cases open after the commit (bad_review_cases.cpp).
void FeedbackService::queue_cases(const std::vector<Prepared*>& items) {
  size_t n = 0;
  {
    std::lock_guard lk(case_mu_);
    for (auto* x : items)
      if (x->case_later && needs_case(*x)) {
        case_queue_.push_back(x->out.id);
        ++n;
      }
  }
  if (n) start_case_opener();
}

void FeedbackService::queue_cases(const std::vector<std::unique_ptr<Prepared>>& batch) {
  std::vector<Prepared*> items;
  for (auto& x : batch) items.push_back(x.get());
  queue_cases(items);
}

}  // namespace manyi::feedback
