#include "demo/demo_feedback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>

#include "cases/pii.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "feedback/followup.hpp"
#include "feedback/integrity.hpp"
#include "feedback/service.hpp"
#include "forms/json.hpp"
#include "forms/service.hpp"
#include "metrics/satisfaction.hpp"
#include "core/period.hpp"

namespace manyi::demo {
namespace {

using feedback::PointInfo;
using store::Params;
using store::Value;

struct DemoPoint {
  PointInfo info;
  std::string kind;  // window | outpatient | inpatient | staff
  double weight = 1, quality = 0.9;
  int level = 2;     // institution level
  std::vector<std::string> dims;
  std::vector<std::string> dim_items;  // rating item ids, parallel to dims
};

const char* kGood[] = {"医生很耐心，讲解得很清楚，谢谢！", "护士态度很好，打针一点都不疼。", "环境干净整洁，指引很清楚。",
                       "流程顺畅，没怎么排队。", "窗口工作人员很热情，办事效率高。", "感谢医生的细心治疗，恢复得很好。",
                       "服务周到，非常满意！", "导诊台的志愿者帮了大忙。", "收费清单很清楚，明明白白。",
                       "医生没有乱开检查，很实在。"};
const char* kMid[] = {"整体还可以，就是人有点多。", "停车不太方便，希望改进。", "希望多设几台自助机。",
                      "候诊区座位不够，老人只能站着。", "叫号屏有时候看不清。", "饭菜一般，别的都挺好。"};
const char* kBad[] = {"排队时间太长，等了两个多小时。", "医生态度冷淡，问两句就不耐烦。", "收费不透明，清单看不懂。",
                      "厕所不干净，有异味。", "检查结果等太久了。", "挂号太难，号源太少。",
                      "窗口工作人员在玩手机，叫了半天才理人。", "多收了检查费，要求退费！", "护士说话很冲，态度很差。",
                      "住院病房太吵，晚上休息不好。"};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"};
const char* kGiven[] = {"建国", "秀英", "桂兰", "志强", "丽华", "海燕", "德明", "淑珍", "玉梅", "国庆", "红梅", "金凤"};

// Base quality (share satisfied) by department code suffix; windows by their department.
double dept_quality(const std::string& code) {
  static const std::map<std::string, double> q = {
      {"JZK", 0.82}, {"SFC", 0.85}, {"GHC", 0.84}, {"EK", 0.87}, {"YJK", 0.88}, {"ZYB", 0.88}, {"FSK", 0.89},
      {"JYK", 0.90}, {"MZB", 0.91}, {"GK", 0.92},  {"XNK", 0.94}, {"YK", 0.95},  {"ZYK", 0.95}, {"KFK", 0.96}};
  for (auto& [k, v] : q)
    if (code.find("-" + k) != std::string::npos) return v;
  return 0.925;
}

double dim_offset(const std::string& dim, int month) {
  bool winter = month == 12 || month <= 2, summer = month == 7 || month == 8;
  if (dim == "waiting") return -0.10 - (winter ? 0.10 : summer ? 0.05 : 0);
  if (dim == "efficiency") return -0.04 - (winter ? 0.05 : 0);
  if (dim == "fees") return -0.04;
  if (dim == "skill") return 0.03;
  if (dim == "environment") return 0.0;
  if (dim == "privacy") return -0.01;
  if (dim == "pay") return -0.18;
  if (dim == "management") return -0.06;
  if (dim == "development") return -0.08;
  return 0;
}

int draw_level(double q, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  q = std::clamp(q, 0.05, 0.995);
  double x = u(rng);
  if (x < q) return u(rng) < 0.63 ? 5 : 4;
  double y = u(rng);
  return y < 0.55 ? 3 : y < 0.85 ? 2 : 1;
}

std::string rand_device(std::mt19937_64& rng) {
  static const char* a = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s = "d";
  for (int i = 0; i < 15; ++i) s += a[rng() % 36];
  return s;
}

}  // namespace

FeedbackSummary create_feedback(org::OrgService& org, int64_t total, uint64_t seed) {
  auto t0 = std::chrono::steady_clock::now();
  auto& db = org.db();
  FeedbackSummary sum;
  forms::FormService forms(db);
  forms.ensure_seeded();
  feedback::FeedbackService svc(db, org, forms);
  if (!db.query("SELECT 1 FROM collection_points LIMIT 1").empty())
    throw conflict("not_empty", "the database already has collection points; demo feedback goes into a fresh demo");
  std::mt19937_64 rng(seed ^ 0x5eedfeedULL);
  std::uniform_real_distribution<double> U(0, 1);
  audit::Actor sys{0, "demo", "127.0.0.1"};

  // ---- collection points: every department (outpatient; clinical ones also a ward point),
  // every window (好差评), and a staff survey per institution ----
  std::map<std::string, int64_t> tmpl;
  std::map<int64_t, forms::Version> ver;
  for (auto code : {"outpatient", "inpatient", "window", "staff"}) {
    auto t = forms.by_code(code);
    tmpl[code] = t->id;
    ver[t->id] = forms.current(t->id);
  }
  std::map<int64_t, org::Node> insts;
  std::map<int64_t, double> inst_offset;
  std::map<int64_t, int> inst_level;
  std::vector<org::Node> nodes;
  for (auto& r : db.query("SELECT id, kind, code, name, path, depth FROM org_nodes WHERE active = 1 ORDER BY path")) {
    org::Node n;
    n.id = r.i64(0);
    n.kind = r.str(1);
    n.code = r.str(2);
    n.name = r.str(3);
    n.path = r.str(4);
    n.depth = static_cast<int>(r.i64(5));
    if (n.kind == "institution") {
      insts[n.id] = n;
      inst_offset[n.id] = (U(rng) - 0.5) * 0.05 + (n.code == "H203" ? -0.08 : 0) + (n.code == "H001" ? 0.01 : 0);
      int lvl = n.code.size() == 4 && n.code[1] == '0' && n.code[2] == '0' ? 3 : (n.code.back() >= '3' ? 1 : 2);
      inst_level[n.id] = lvl;
    }
    nodes.push_back(n);
  }
  auto inst_of = [&](const org::Node& n) -> int64_t {
    for (auto& [id, in] : insts)
      if (n.path.compare(0, in.path.size(), in.path) == 0) return id;
    return 0;
  };
  static const std::vector<std::string> clinical = {"-NK", "-WK", "-EK", "-FCK", "-GK", "-XNK", "-SJNK", "-KFK", "-ZYK"};
  std::vector<DemoPoint> pts;
  std::vector<Params> point_rows;
  int64_t now = now_ms();
  int64_t since = period::day_start_ms(period::add_days(period::local_day(now), -730));
  auto add_point = [&](const org::Node& n, int64_t unit, const std::string& kind, const std::string& name, double weight,
                       double quality) {
    DemoPoint p;
    p.kind = kind;
    p.weight = weight;
    p.quality = quality;
    p.level = inst_level[unit];
    int64_t t = tmpl[kind == "window" ? "window" : kind];
    auto& v = ver[t];
    p.info.point.id = new_id();
    p.info.point.code = feedback::FeedbackService::new_code();
    p.info.point.node_id = n.id;
    p.info.point.unit_id = unit;
    p.info.point.name = name;
    p.info.point.node_name = n.name;
    p.info.point.node_path = n.path;
    p.info.point.unit_name = insts[unit].name;
    p.info.point.template_id = t;
    p.info.version_id = v.id;
    p.info.tree = metrics::tree_nodes(n.path, unit);
    p.info.def = v.def;
    for (auto& s : v.def->sections)
      for (auto& it : s.items)
        if (it.type == "rating" && !it.dimension.empty()) {
          p.dims.push_back(it.dimension);
          p.dim_items.push_back(it.id);
        }
    // Created before the two years of demo ratings (a paper form may be dated back to then).
    point_rows.push_back({p.info.point.id, p.info.point.code, n.id, unit, nullptr, name, t, int64_t{1}, since, now});
    pts.push_back(std::move(p));
  };
  for (auto& n : nodes) {
    int64_t unit = inst_of(n);
    if (!unit) continue;
    int lvl = inst_level[unit];
    double vol = lvl == 3 ? 1.6 : lvl == 2 ? 1.0 : 0.5;
    double q = std::clamp(dept_quality(n.code) + inst_offset[unit] + (lvl == 3 ? 0.01 : lvl == 1 ? -0.01 : 0), 0.6, 0.99);
    if (n.kind == "institution") add_point(n, unit, "staff", n.name + "医务人员满意度调查", 0.15 * vol, q - 0.05);
    else if (n.kind == "point") add_point(n, unit, "window", n.name, 2.2 * vol, q);
    else if (n.kind == "department") {
      bool windows = std::any_of(nodes.begin(), nodes.end(), [&](const org::Node& c) {
        return c.kind == "point" && c.path.size() > n.path.size() && c.path.compare(0, n.path.size(), n.path) == 0;
      });
      add_point(n, unit, windows ? "window" : "outpatient", n.name, (windows ? 0.6 : 1.2) * vol, q);
      bool is_clinical = std::any_of(clinical.begin(), clinical.end(),
                                     [&](auto& s) { return n.code.size() > s.size() && n.code.compare(n.code.size() - s.size(), s.size(), s) == 0; });
      if (is_clinical && lvl >= 2) add_point(n, unit, "inpatient", n.name + "病区", 0.5 * vol, q + 0.01);
    }
  }
  db.write([&](store::Tx& tx) {
    tx.insert_rows("collection_points",
                   {"id", "code", "node_id", "unit_id", "staff_id", "name", "template_id", "active", "created_at", "updated_at"},
                   point_rows);
    audit::record(tx, sys, {"feedback.point.create", "collection_point", 0, nodes.front().id, nodes.front().path, "", "",
                            fmt::format("演示数据：{} 个评价点", point_rows.size())});
  });
  sum.points = static_cast<int>(pts.size());

  // ---- ratings ----
  if (total > 0) {
    std::vector<double> cum;
    double acc = 0;
    for (auto& p : pts) cum.push_back(acc += p.weight);
    std::string key = cases::pii::data_key(db);
    feedback::IntegrityTracker tracker;
    // Staff who rate their own department from the browser they use for the console.
    std::vector<std::pair<std::string, size_t>> staff_devices;
    for (int i = 0; i < 40; ++i) {
      std::string d = rand_device(rng);
      staff_devices.emplace_back(d, rng() % pts.size());
      tracker.mark_staff_device(d);
    }
    std::vector<Params> staff_rows;
    for (auto& [d, pi] : staff_devices) staff_rows.push_back({d, int64_t{0}, nullptr, now});
    db.write([&](store::Tx& tx) {
      // Marked by demo users in real use; user_id 0 stands for "a demo staff member".
      tx.insert_rows("staff_devices", {"device", "user_id", "staff_id", "marked_at"}, staff_rows);
    });
    // Public networks per institution (hospital Wi-Fi) plus mobile carriers.
    auto net_of = [&](int64_t unit, std::mt19937_64& g) {
      if (g() % 3 == 0) return fmt::format("10.{}.{}.0/24", unit % 200, g() % 4);
      return fmt::format("{}.{}.{}.0/24", 100 + g() % 100, g() % 256, g() % 256);
    };
    int today = period::local_day(now);
    int first = period::add_days(today, -729);
    int case_from = period::add_days(today, -13);
    metrics::RollupBuilder rollups;
    struct Pending {
      int64_t at;
      size_t point;
      int overall;
      std::string device, net;
      int64_t elapsed;
      bool stuffing;
    };
    std::vector<Params> rating_rows, comment_rows, review_rows;
    struct BadCase {
      size_t row;
      size_t point;
      int overall;
      std::string comment, phone;
      int64_t id;
      forms::Answers answers;  // the dimensions rated, which the case's category comes from without a comment
    };
    std::vector<BadCase> bad_cases;
    int64_t id_seq = 0;
    std::mt19937_64 sample_rng(seed ^ 0xca5e5ULL);  // its own stream: the ratings stay as they were
    auto flush = [&] {
      for (auto& b : bad_cases) {
        BadReview br;
        br.point = pts[b.point].info;
        br.rating.overall = b.overall;
        br.rating.comment = b.comment;
        br.rating.answers = b.answers;
        br.rating.channel = "qr";
        br.rating_id = b.id;
        br.at = std::get<int64_t>(rating_rows[b.row][21]);
        br.phone = b.phone;
        sum.bad_reviews.push_back(std::move(br));
      }
      db.write([&](store::Tx& tx) {
        tx.insert_rows("ratings",
                       {"id", "point_id", "node_id", "unit_id", "staff_id", "template_id", "form_version_id", "channel",
                        "overall", "answers", "score", "comment", "phone_enc", "phone_mask", "device", "ip", "net",
                        "elapsed_ms", "status", "flags", "day", "created_at", "entered_by", "case_id"},
                       rating_rows);
        tx.insert_rows("rating_comments",
                       {"rating_id", "node_id", "unit_id", "overall", "channel", "status", "comment", "phone_mask"},
                       comment_rows);
        tx.insert_rows("rating_reviews",
                       {"rating_id", "node_id", "unit_id", "flags", "state", "reason", "reviewed_by", "reviewed_at",
                        "created_at"},
                       review_rows);
      });
      rating_rows.clear();
      comment_rows.clear();
      review_rows.clear();
      bad_cases.clear();
    };
    // Daily volume: fewer at weekends and in February (Spring Festival), some day-to-day noise.
    std::vector<double> dayw;
    double wsum = 0;
    for (int d = first; d <= today; d = period::add_days(d, 1)) {
      int64_t day0 = period::day_start_ms(d);
      int wd = static_cast<int>(((day0 + 8 * 3600000LL) / 86400000LL + 3) % 7);  // 0 = Monday
      dayw.push_back((wd >= 5 ? 0.6 : 1.12) * (d / 100 % 100 == 2 ? 0.85 : 1.0) * (0.92 + 0.16 * U(rng)));
      wsum += dayw.back();
    }
    int64_t made = 0;
    double carry = 0;
    std::vector<Pending> day;
    for (int d = first, di = 0; d <= today; d = period::add_days(d, 1), ++di) {
      int month = d / 100 % 100;
      int64_t day0 = period::day_start_ms(d);
      carry += static_cast<double>(total) * dayw[static_cast<size_t>(di)] / wsum;
      int64_t want = di == static_cast<int>(dayw.size()) - 1 ? total - made : static_cast<int64_t>(carry);
      want = std::clamp<int64_t>(want, 0, total - made);
      carry -= static_cast<double>(want);
      made += want;
      day.clear();
      day.reserve(static_cast<size_t>(want) + 200);
      for (int64_t i = 0; i < want; ++i) {
        size_t p = static_cast<size_t>(std::lower_bound(cum.begin(), cum.end(), U(rng) * acc) - cum.begin());
        p = std::min(p, pts.size() - 1);
        double hour = 8 + std::min(10.0, std::abs(std::normal_distribution<double>(2.5, 3.0)(rng)));
        int64_t at = day0 + static_cast<int64_t>(hour * 3600000);
        auto& dp = pts[p];
        double winter = (month == 12 || month <= 2) ? 0.035 : (month == 7 || month == 8) ? 0.015 : 0;
        double trend = 0.025 * di / 730.0;  // the campaign slowly works
        double q = dp.quality - (dp.kind == "staff" ? 0 : winter) + trend;
        Pending pr{at, p, draw_level(q, rng), rand_device(rng), net_of(dp.info.point.unit_id, rng),
                   static_cast<int64_t>(3000 + std::abs(std::normal_distribution<double>(6000, 6000)(rng))), false};
        day.push_back(std::move(pr));
      }
      // A few stuffing attempts: one device flooding top ratings; a ward's Wi-Fi stuffed;
      // a script answering instantly; staff rating their own department.
      if (want > 0 && rng() % 40 == 0) {
        size_t p0 = rng() % pts.size();
        std::string dev = rand_device(rng);
        int64_t at = day0 + 10 * 3600000LL + static_cast<int64_t>(rng() % 3600000);
        for (int k = 0; k < 9; ++k)
          day.push_back({at + k * 25000, (p0 + static_cast<size_t>(k)) % pts.size(), 5, dev,
                         net_of(pts[p0].info.point.unit_id, rng), 6000, true});
      }
      if (want > 0 && rng() % 60 == 0) {
        size_t p0 = rng() % pts.size();
        std::string net = fmt::format("58.{}.{}.0/24", rng() % 256, rng() % 256);
        int64_t at = day0 + 15 * 3600000LL;
        for (int k = 0; k < 45; ++k) {
          size_t p = p0;  // points of the same institution
          for (size_t t = 0; t < 20; ++t) {
            size_t c = rng() % pts.size();
            if (pts[c].info.point.unit_id == pts[p0].info.point.unit_id) {
              p = c;
              break;
            }
          }
          day.push_back({at + k * 9000, p, 5, rand_device(rng), net, 7000, true});
        }
      }
      if (want > 0 && rng() % 50 == 0) {
        size_t p0 = rng() % pts.size();
        int64_t at = day0 + 20 * 3600000LL;
        for (int k = 0; k < 12; ++k)
          day.push_back({at + k * 2000, p0, 5, rand_device(rng), net_of(pts[p0].info.point.unit_id, rng),
                         static_cast<int64_t>(150 + rng() % 500), true});
      }
      if (want > 0 && rng() % 5 == 0) {
        auto& [dev, p] = staff_devices[rng() % staff_devices.size()];
        day.push_back({day0 + 12 * 3600000LL + static_cast<int64_t>(rng() % 3600000), p, 5, dev,
                       net_of(pts[p].info.point.unit_id, rng), 8000, true});
      }
      // Today: nothing after now (the comments list shows the newest first).
      for (auto& pr : day)
        if (pr.at > now - 1000) pr.at = day0 + static_cast<int64_t>(U(rng) * static_cast<double>(std::max<int64_t>(1, now - 1000 - day0)));
      std::sort(day.begin(), day.end(), [](auto& a, auto& b) { return a.at < b.at; });
      for (auto& pr : day) {
        auto& dp = pts[pr.point];
        feedback::Submission s;
        s.device = pr.device;
        s.net = pr.net;
        s.point_id = dp.info.point.id;
        s.unit_id = dp.info.point.unit_id;
        s.overall = pr.overall;
        s.at_ms = pr.at;
        s.elapsed_ms = pr.elapsed;
        // Answers: about a third rate the dimensions too.
        forms::Answers answers;
        if (!pr.stuffing && U(rng) < 0.33) {
          for (size_t k = 0; k < dp.dims.size(); ++k) {
            double q = dp.quality + dim_offset(dp.dims[k], month) + (pr.overall <= 2 ? -0.45 : pr.overall == 5 ? 0.06 : 0);
            answers[dp.dim_items[k]] = static_cast<double>(draw_level(q, rng));
          }
        }
        s.answers = answers.size();
        std::string comment;
        double pc = pr.overall <= 2 ? 0.6 : pr.overall == 3 ? 0.25 : 0.08;
        if (!pr.stuffing && U(rng) < pc) {
          if (pr.overall <= 2) comment = kBad[rng() % std::size(kBad)];
          else if (pr.overall == 3) comment = kMid[rng() % std::size(kMid)];
          else comment = kGood[rng() % std::size(kGood)];
        }
        s.comment_chars = comment.size() / 3;
        // People who answer more take longer: about 2.5 s per item and 0.4 s per character.
        if (!pr.stuffing) pr.elapsed += static_cast<int64_t>(answers.size()) * 2500 + static_cast<int64_t>(s.comment_chars) * 400;
        s.elapsed_ms = pr.elapsed;
        auto v = tracker.check_and_record(s);
        if (v.duplicate) {
          ++sum.refused;
          continue;
        }
        std::string status = v.flags.empty() ? "valid" : "suspect";
        std::string phone, mask;
        Value enc = nullptr;
        if (pr.overall <= 2 ? U(rng) < 0.35 : U(rng) < 0.03) {
          phone = fmt::format("1{}{:09d}", 3 + rng() % 7, rng() % 1000000000);
          mask = cases::pii::mask_phone(phone);
          enc = store::Blob{cases::pii::seal(key, phone)};
        }
        int64_t id = feedback::id_floor(pr.at) | (id_seq++ & 0x3fffff);
        auto sc = forms::score(*dp.info.def, answers);
        std::string flags;
        for (auto& fl : v.flags) flags += (flags.empty() ? "" : ",") + fl;
        int rday = period::local_day(pr.at);
        rating_rows.push_back({id, dp.info.point.id, dp.info.point.node_id, dp.info.point.unit_id, nullptr,
                               dp.info.point.template_id, dp.info.version_id, std::string("qr"), int64_t{pr.overall},
                               answers.empty() ? std::string() : forms::answers_json(answers).dump(),
                               sc.scored ? Value(sc.score) : Value(nullptr), comment, enc, mask, pr.device,
                               std::string(), pr.net, pr.elapsed, status, flags, int64_t{rday}, pr.at, nullptr, nullptr});
        if (!comment.empty()) {
          comment_rows.push_back({id, dp.info.point.node_id, dp.info.point.unit_id, int64_t{pr.overall}, std::string("qr"),
                                  status, comment, mask});
          ++sum.comments;
        }
        if (status == "suspect") {
          ++sum.suspect;
          // Older flags were reviewed: stuffing rejected; the queue holds the last two months.
          bool old = rday < period::add_days(today, -60);
          std::string st = old ? "rejected" : "pending";
          if (old) {
            rating_rows.back()[18] = std::string("rejected");
            if (!comment.empty()) comment_rows.back()[5] = std::string("rejected");
          }
          review_rows.push_back({id, dp.info.point.node_id, dp.info.point.unit_id, flags, st,
                                 old ? std::string("刷评：短时间内集中好评，经核实予以剔除") : std::string(),
                                 old ? Value(int64_t{0}) : Value(nullptr), old ? Value(pr.at + 86400000LL) : Value(nullptr),
                                 pr.at});
        } else {
          std::vector<metrics::Observation> obs{{"overall", pr.overall}};
          for (auto& [dim, lvl] : forms::dimension_levels(*dp.info.def, answers)) obs.push_back({dim, lvl});
          rollups.add(dp.info.point.node_id, dp.info.tree, dp.info.point.template_id, rday, obs);
          // Every bad review of the last two weeks becomes a case; of older ones a sample (one
          // in 100), so that the two years of cases hold bad reviews without 100,000 of them.
          if (pr.overall <= 2 && (rday >= case_from || sample_rng() % 100 == 0))
            bad_cases.push_back({rating_rows.size() - 1, pr.point, pr.overall, comment, phone, id, answers});
        }
        ++sum.ratings;
      }
      if (rating_rows.size() >= 50000) flush();
    }
    flush();
    sum.rollup_rows = static_cast<int64_t>(rollups.size());
    db.write([&](store::Tx& tx) {
      rollups.insert(tx);
      audit::record(tx, sys, {"feedback.demo", "rating", 0, nodes.front().id, nodes.front().path, "", "",
                              fmt::format("演示数据：两年共 {} 条评价（{} 条可疑）", sum.ratings, sum.suspect)});
    });
  }

  // ---- follow-up visits for 市第一人民医院's clinical departments ----
  if (auto h1 = org.node_by_code("H001")) {
    feedback::FollowupService fu(svc, 7);
    std::string csv = "name,phone,department,discharge_date\n";
    int today = period::local_day(now);
    int n = 0;
    for (auto suffix : {"NK", "WK", "FCK", "GK", "XNK", "SJNK"}) {
      for (int d = 28; d >= 1; --d) {
        int day = period::add_days(today, -d);
        for (int k = 0; k < 2; ++k, ++n)
          csv += fmt::format("{}{},1{}{:09d},H001-{},{:04d}-{:02d}-{:02d}\n", kSurnames[rng() % std::size(kSurnames)],
                             kGiven[rng() % std::size(kGiven)], 3 + rng() % 7, rng() % 1000000000, suffix, day / 10000,
                             day / 100 % 100, day % 100);
      }
    }
    auto res = fu.import_file(sys, *h1, csv, 7, true, [](const std::string&) { return true; });
    sum.followups = res.imported;
    // Calls already made for tasks due before today.
    feedback::TaskFilter open;
    open.scope = {h1->path};
    open.due_until = period::add_days(today, -1);
    auto tasks = fu.list(open, 0, 500);
    for (auto& t : tasks) {
      if (rng() % 10 == 0) continue;  // a few still waiting
      double x = U(rng);
      feedback::OutcomeInput in;
      in.outcome = x < 0.84 ? "reached" : x < 0.92 ? "refused" : "not_reached";
      if (in.outcome == "reached") in.overall = draw_level(0.93, rng);
      if (in.overall && *in.overall <= 2) in.comment = kBad[rng() % std::size(kBad)];
      if (in.outcome == "not_reached") in.note = "无人接听";
      fu.record_outcome(sys, t.id, in);
    }
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace manyi::demo
