#include "demo/demo_cases.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <queue>
#include <random>

#include "cases/service.hpp"
#include "workflow/calendar_store.hpp"
#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "feedback/service.hpp"
#include "forms/service.hpp"
#include "org/roles.hpp"

namespace manyi::demo {
namespace {

using cases::Who;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 86'400'000;

// ---- what people write ----
struct Text {
  const char* content;
  const char* reply;
};
const Text kComplaints[] = {
    {"孩子发烧在急诊等了三个多小时，分诊护士态度冷淡，问了几次都不耐烦。", "经调查，当晚急诊患者集中，分诊护士沟通方式欠妥，已批评教育并调整夜班人手。"},
    {"出院结算时发现重复收费，CT检查收了两次费用，要求退费。", "经核查，系收费系统重复计费，多收的费用已原路退还，并向您致歉。"},
    {"挂号难，网上预约号源总是没有，现场排队两个小时才挂上。", "已增加专家号源投放，开通晚间预约，并在挂号窗口增设引导人员。"},
    {"医生看病不到两分钟就开了一堆检查，问病情也不解释，态度敷衍。", "已约谈接诊医生，要求规范问诊、充分告知，科室加强医患沟通培训。"},
    {"住院病房厕所很脏，有异味，反映了几次都没人打扫。", "后勤保障科已调整保洁排班，增加巡查频次，问题已整改。"},
    {"母亲住院期间用药后出现过敏，医生处理不及时，怀疑用药有误。", "经医务科组织专家核查，用药符合诊疗规范，已向家属详细解释并加强用药观察。"},
    {"检查结果等了一个星期还没出来，打电话问也说不清楚。", "已核实报告延误原因，科室优化报告流程，报告已出具并电话告知。"},
    {"停车场太小，排队进停车场就要半小时，希望改进。", "医院已协调周边停车位，并在高峰时段安排人员疏导。"},
    {"护士打针时语气很凶，呵斥老人动作慢，要求道歉。", "经核实，当事护士已当面道歉，护理部通报批评。"},
    {"医保报销结算出错，自费部分比应付的多了四百多元。", "已重新结算，差额已退还，并对医保结算人员进行培训。"},
};
const Text kIntegrity[] = {
    {"家属反映手术前主刀医生暗示要收红包，否则排不上手术。", "经纪检监察室调查核实，已对当事医生立案处理，相关款项已退还。"},
    {"举报某科室医生开单提成，诱导患者做不必要的检查。", "已成立调查组核查，对违规行为依纪依规处理，并开展专项整治。"},
};
const Text kReports[] = {
    {"举报医院附近有人倒卖专家号，号贩子在挂号大厅公开加价。", "已联合公安机关开展打击号贩子行动，完善实名挂号核验。"},
    {"举报药房工作人员私自向患者推销院外药店的药品。", "经调查，当事人已被调离岗位并作出处理。"},
};
const Text kSuggestions[] = {
    {"建议门诊增加自助挂号缴费机，老年人用起来方便一些。", "感谢建议，门诊大厅已新增6台自助机，并安排志愿者协助老年人使用。"},
    {"建议候诊区多放一些座椅，老人和孕妇站着等很辛苦。", "已在候诊区增加座椅，并设置老弱病残孕专座。"},
    {"建议开通检查报告手机查询，不用来回跑。", "报告手机查询已于本月上线，可通过医院公众号查看。"},
};
const Text kPraise[] = {
    {"感谢心内科的医生护士，抢救及时，服务周到，特此表扬。", "已将表扬转达科室并在院周会上通报表扬。"},
    {"收费窗口的工作人员耐心帮我办理医保手续，非常感谢。", "感谢您的认可，已转达当事工作人员。"},
    {"导诊台志愿者一路陪同老人做检查，特别暖心。", "已向志愿者服务队转达您的感谢。"},
};
const Text kConsultations[] = {
    {"咨询异地医保在医院住院能否直接结算，需要办理哪些手续。", "异地医保备案后可直接结算，已告知备案方式和所需材料。"},
    {"咨询儿童疫苗接种的时间和需要携带的材料。", "已告知接种门诊的时间安排和需携带的接种证等材料。"},
    {"咨询专家门诊的出诊时间和预约方式。", "已告知专家出诊时间，可通过公众号或电话预约。"},
};
const Text kHotline[] = {
    {"市民来电反映：在医院做检查被多收了费用，要求核实退费。", "经核查，多收费用已退还，已电话回复市民。"},
    {"12345转办：市民反映医院夜间急诊等候时间过长，无人解释。", "已优化夜间急诊排班，设置候诊提示屏，并电话回复市民。"},
    {"市民来电反映：住院部探视管理混乱，病房太吵影响休息。", "已规范探视时间和人数，加强病区秩序管理。"},
};
const Text kAdverse[] = {
    {"病区一名老年患者夜间如厕时跌倒，头部擦伤，已及时处理。", "已组织科室分析原因，加强高危患者防跌倒评估和夜间巡视。"},
    {"门诊输液时发生一例身份核对不到位，险些输错液体，已及时发现。", "已重申查对制度，开展全员培训，纳入质控检查。"},
};
const char* kNotes[] = {"已电话联系投诉人，了解详细情况。", "已调取监控和病历资料核实。", "已约谈当事人员，听取情况说明。",
                        "科室已提交书面情况说明。", "已与患者家属面谈沟通。"};
const char* kRejectReasons[] = {"反映的是药店经营问题，不属于本院职责，已告知向市场监管部门反映。",
                                "内容为恶意广告，无具体诉求。", "同一诉求已通过司法途径处理，依规不予受理。"};
const char* kDeclineReasons[] = {"该问题涉及收费处，不属于本科室职责，请重新分办。", "涉及多个科室，请院办统一协调。"};
const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"};
const char* kGiven[] = {"建国", "秀英", "桂兰", "志强", "丽华", "海燕", "德明", "淑珍", "玉梅", "国庆", "红梅", "金凤"};

// ---- who acts ----
struct Grant {
  std::string role, path;
};
Who make_who(int64_t user_id, const std::string& username, const std::string& name, std::vector<Grant> grants) {
  return Who{{user_id, username, "127.0.0.1"}, name, [grants = std::move(grants)](const std::string& perm, const std::string& path) {
               for (auto& g : grants)
                 if (org::role_has(g.role, perm) && path.rfind(g.path, 0) == 0) return true;
               return false;
             }};
}

struct Dept {
  int64_t id = 0;
  std::string path, name;
};
struct Inst {
  int64_t id = 0;
  std::string code, name, path;
  double weight = 1;
  std::vector<Dept> depts;
  std::vector<int64_t> points;  // window points, with their department's index
  std::vector<size_t> point_dept;
  Who handler, admin;
};

enum Stage { kOpen, kAccept, kAssign, kTransfer, kTransferAnswer, kSendBack, kReaccept, kNote, kPause, kResume,
             kExtRequest, kExtDecide, kSupervise, kReply, kCallback, kClose, kMerge, kReject };

struct Plan {
  bool reject = false, merge = false, assign = false, transfer = false, decline = false, send_back = false;
  bool note = false, pause = false, extension = false, ext_approve = false, supervise = false, late = false;
  bool direct_close = false, unreached = false;
  int callback = 0;  // 0 满意, 1 基本满意, 2 不满意
};

struct Sim {
  size_t inst = 0;
  int dept = -1;  // the department the case is about (index into its institution's), -1: the institution
  int64_t node = 0;
  std::string type, channel, content, reply, name, phone;
  const BadReview* bad = nullptr;
  Plan plan;
  int64_t id = 0;
  size_t merge_into = 0;  // index + 1 of the case this duplicate is merged into
  bool sensitive = false, dept_owned = false, needs_callback = true;
  bool still_waiting = false;  // paused and not resumed by now
  bool in_hand = false;        // accepted and being worked now, not yet answered
  int replies = 0;
};

struct Step {
  int64_t at;
  uint64_t seq;
  size_t sim;
  Stage stage;
  bool operator>(const Step& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

template <class T, size_t N>
const T& pick(const T (&a)[N], std::mt19937_64& rng) {
  return a[rng() % N];
}

// Restores the real clock however create_cases ends.
struct RealClockAtEnd {
  ~RealClockAtEnd() { set_fake_now_ms(0); }
};

}  // namespace

CasesSummary create_cases(org::OrgService& org, const std::vector<BadReview>& bad_reviews, int64_t others,
                          uint64_t seed) {
  auto t0 = std::chrono::steady_clock::now();
  auto& db = org.db();
  CasesSummary sum;
  std::mt19937_64 rng(seed ^ 0xca5e0ca5eULL);
  std::uniform_real_distribution<double> U(0, 1);
  RealClockAtEnd real_clock;
  const int64_t end = now_ms();
  cases::CaseService svc(db);
  forms::FormService forms(db);
  feedback::FeedbackService fsvc(db, org, forms);
  const auto cal = workflow::load_calendar(db);
  std::map<std::string, bool> needs_callback;
  for (auto& s : svc.slas()) needs_callback[s.type] = s.needs_callback;

  // ---- the institutions, their departments and windows, and who works their cases ----
  std::vector<Inst> insts;
  std::map<int64_t, size_t> inst_of_id;
  for (auto& r : db.query("SELECT id, code, name, path FROM org_nodes WHERE kind = 'institution' AND active = 1 ORDER BY code")) {
    Inst in;
    in.id = r.i64(0);
    in.code = r.str(1);
    in.name = r.str(2);
    in.path = r.str(3);
    bool tertiary = in.code.size() == 4 && in.code[1] == '0' && in.code[2] == '0';
    in.weight = in.code == "H001" ? 6 : tertiary ? 3 : in.code.back() >= '3' ? 0.6 : 1.5;
    inst_of_id[in.id] = insts.size();
    insts.push_back(std::move(in));
  }
  if (insts.empty()) return sum;
  for (auto& r : db.query("SELECT id, kind, path, name, parent_id FROM org_nodes WHERE kind IN ('department', 'point') "
                          "AND active = 1 ORDER BY path")) {
    for (auto& in : insts) {
      if (r.str(2).rfind(in.path, 0) != 0) continue;
      if (r.str(1) == "department") {
        in.depts.push_back({r.i64(0), r.str(2), r.str(3)});
      } else {
        for (size_t d = 0; d < in.depts.size(); ++d)
          if (in.depts[d].id == r.i64(4)) {
            in.points.push_back(r.i64(0));
            in.point_dept.push_back(d);
          }
      }
    }
  }
  // The demo logins where they work (create_org); elsewhere a stand-in with the same role on
  // the same node, so every permission check runs as it would for a real person there.
  auto user = [&](const std::string& username) -> std::optional<Who> {
    auto r = db.query("SELECT u.id, u.display_name, g.role, n.path FROM users u JOIN role_grants g ON g.user_id = u.id "
                      "JOIN org_nodes n ON n.id = g.node_id WHERE u.username = ?",
                      {username});
    if (r.empty()) return std::nullopt;
    std::vector<Grant> grants;
    for (auto& row : r) grants.push_back({row.str(2), row.str(3)});
    return make_who(r[0].i64(0), username, r[0].str(1), grants);
  };
  auto bureau = user("bureau");
  auto real_handler = user("handler"), hosp1 = user("hosp1"), hosp2 = user("hosp2"), dept_head = user("dept");
  if (!bureau) return sum;
  for (auto& in : insts) {
    in.handler = make_who(0, "demo", in.name + " 医患关系办公室", {{"handler", in.path}});
    in.admin = make_who(0, "demo", in.name + " 院办", {{"unit_admin", in.path}});
    if (in.code == "H001" && real_handler) in.handler = *real_handler;
    if (in.code == "H001" && hosp1) in.admin = *hosp1;
    if (in.code == "H002" && hosp2) in.handler = in.admin = *hosp2;
  }
  auto dept_who = [&](const Inst& in, int d) {
    const auto& dp = in.depts[static_cast<size_t>(d)];
    if (dept_head && in.code == "H001" && dp.path.size() > in.path.size() && dept_head->may("case.handle", dp.path))
      return *dept_head;
    return make_who(0, "demo", in.name + " " + dp.name + "主任", {{"dept_head", dp.path}});
  };

  // ---- what comes in, and when ----
  std::vector<Sim> sims;
  sims.reserve(static_cast<size_t>(others) + bad_reviews.size());
  std::priority_queue<Step, std::vector<Step>, std::greater<Step>> q;
  uint64_t seq = 0;
  auto push = [&](int64_t at, size_t s, Stage st) { q.push({at, seq++, s, st}); };
  double wsum = 0;
  for (auto& in : insts) wsum += in.weight;
  auto pick_inst = [&] {
    double x = U(rng) * wsum;
    for (size_t i = 0; i < insts.size(); ++i)
      if ((x -= insts[i].weight) <= 0) return i;
    return insts.size() - 1;
  };
  auto plan_for = [&](Sim& s) {
    bool serious = s.type == "complaint" || s.type == "bad_review" || s.type == "hotline" || s.type == "report";
    Plan& p = s.plan;
    double x = U(rng);
    p.reject = serious && x < 0.03;
    p.note = U(rng) < (serious ? 0.35 : 0.1);
    p.assign = U(rng) < 0.3;
    p.transfer = serious && s.dept >= 0 && U(rng) < 0.3;
    p.decline = p.transfer && U(rng) < 0.2;
    p.send_back = p.transfer && !p.decline && U(rng) < 0.08;
    p.pause = serious && U(rng) < 0.05;
    p.extension = serious && U(rng) < 0.06;
    p.ext_approve = U(rng) < 0.65;
    p.late = U(rng) < (s.type == "report" ? 0.15 : 0.09);
    p.supervise = serious && (p.late ? U(rng) < 0.45 : U(rng) < 0.02);
    p.direct_close = !s.needs_callback && U(rng) < 0.5;
    p.unreached = U(rng) < 0.05;
    double c = U(rng);
    p.callback = c < 0.68 ? 0 : c < 0.9 ? 1 : 2;
  };
  // Other types over the two years: weekdays busier, office hours.
  struct Kind {
    const char* type;
    double share;
  };
  const Kind kinds[] = {{"complaint", 0.34}, {"consultation", 0.16}, {"suggestion", 0.12}, {"praise", 0.10},
                        {"hotline", 0.12},   {"report", 0.07},       {"adverse_event", 0.09}};
  auto channel_for = [&](const std::string& type) -> std::string {
    auto from = [&](std::initializer_list<std::pair<const char*, double>> v) {
      double x = U(rng);
      for (auto& [c, w] : v)
        if ((x -= w) <= 0) return std::string(c);
      return std::string(v.begin()->first);
    };
    if (type == "complaint")
      return from({{"web", 0.22}, {"mobile", 0.25}, {"hotline", 0.15}, {"letter", 0.08}, {"visit", 0.13},
                   {"opinion_box", 0.05}, {"transfer_12345", 0.12}});
    if (type == "report") return from({{"letter", 0.4}, {"web", 0.3}, {"visit", 0.15}, {"inspection", 0.15}});
    if (type == "suggestion") return from({{"opinion_box", 0.4}, {"web", 0.3}, {"mobile", 0.3}});
    if (type == "praise") return from({{"letter", 0.4}, {"opinion_box", 0.2}, {"web", 0.2}, {"visit", 0.2}});
    if (type == "consultation") return from({{"hotline", 0.5}, {"web", 0.25}, {"mobile", 0.25}});
    if (type == "hotline") return from({{"transfer_12345", 0.6}, {"hotline", 0.4}});
    return from({{"staff_report", 0.8}, {"inspection", 0.2}});
  };
  const int64_t from_ms = end - 730 * kDay;
  std::vector<std::pair<int64_t, size_t>> arrivals;
  // Recent cases of each institution a duplicate may repeat: (opened at, sim).
  for (int64_t i = 0; i < others - 3; ++i) {  // the handler's three in hand come below
    Sim s;
    double x = U(rng);
    s.type = kinds[0].type;
    for (auto& k : kinds)
      if ((x -= k.share) <= 0) {
        s.type = k.type;
        break;
      }
    s.channel = channel_for(s.type);
    s.inst = pick_inst();
    auto& in = insts[s.inst];
    double y = U(rng);
    if (!in.points.empty() && y < 0.2) {
      size_t k = rng() % in.points.size();
      s.node = in.points[k];
      s.dept = static_cast<int>(in.point_dept[k]);
    } else if (!in.depts.empty() && y < 0.9) {
      s.dept = static_cast<int>(rng() % in.depts.size());
      s.node = in.depts[static_cast<size_t>(s.dept)].id;
    } else {
      s.node = in.id;
    }
    const Text* t = nullptr;
    if (s.type == "complaint") t = U(rng) < 0.03 ? &pick(kIntegrity, rng) : &pick(kComplaints, rng);
    else if (s.type == "report") t = U(rng) < 0.5 ? &pick(kIntegrity, rng) : &pick(kReports, rng);
    else if (s.type == "suggestion") t = &pick(kSuggestions, rng);
    else if (s.type == "praise") t = &pick(kPraise, rng);
    else if (s.type == "consultation") t = &pick(kConsultations, rng);
    else if (s.type == "hotline") t = &pick(kHotline, rng);
    else t = &pick(kAdverse, rng);
    s.content = t->content;
    s.reply = t->reply;
    if (s.type != "adverse_event" && U(rng) < 0.8) {
      s.name = std::string(pick(kSurnames, rng)) + pick(kGiven, rng);
      s.phone = fmt::format("1{}{:09d}", 3 + rng() % 7, rng() % 1000000000);
    }
    s.needs_callback = needs_callback.count(s.type) ? needs_callback[s.type] : true;
    // Arrival: a day of the two years (weekends quieter), between 8:00 and 20:00.
    int64_t at;
    for (;;) {
      at = from_ms + static_cast<int64_t>(U(rng) * 730) * kDay;
      auto d = calendar::day_of(at);
      if (calendar::weekday(d) >= 6 && U(rng) < 0.6) continue;
      at = calendar::day_start(d) + 8 * kHour + static_cast<int64_t>(U(rng) * 12 * kHour);
      if (at < end) break;
    }
    plan_for(s);
    arrivals.emplace_back(at, sims.size());
    sims.push_back(std::move(s));
  }
  // 市第一人民医院's 医患办 (the demo's handler login) is working on complaints now: three
  // received two to four working days before the demo runs, accepted by the 院办 and assigned
  // to them, not yet answered — so 我的待办 is never empty, whatever day the demo is made.
  for (size_t h = 0; h < insts.size() && real_handler && others >= 3; ++h) {
    auto& in = insts[h];
    if (in.code != "H001" || in.depts.empty() || !in.admin.actor.user_id) continue;
    auto d = calendar::day_of(end);
    for (int back = 0; back < 4;) {
      d -= 1;
      if (!cal.is_workday(d) || ++back < 2) continue;
      Sim s;
      s.type = "complaint";
      s.channel = "web";
      s.inst = h;
      s.dept = static_cast<int>(rng() % in.depts.size());
      s.node = in.depts[static_cast<size_t>(s.dept)].id;
      const Text& t = pick(kComplaints, rng);
      s.content = t.content;
      s.reply = t.reply;
      s.name = std::string(pick(kSurnames, rng)) + pick(kGiven, rng);
      s.phone = fmt::format("1{}{:09d}", 3 + rng() % 7, rng() % 1000000000);
      s.needs_callback = needs_callback.count(s.type) ? needs_callback[s.type] : true;
      s.plan.assign = true;
      s.plan.note = U(rng) < 0.5;
      s.in_hand = true;
      arrivals.emplace_back(calendar::day_start(d) + 9 * kHour + static_cast<int64_t>(U(rng) * 6 * kHour), sims.size());
      sims.push_back(std::move(s));
    }
  }
  for (auto& b : bad_reviews) {
    Sim s;
    s.type = "bad_review";
    s.channel = "survey";
    s.bad = &b;
    s.node = b.point.point.node_id;
    auto it = inst_of_id.find(b.point.point.unit_id);
    if (it == inst_of_id.end()) continue;
    s.inst = it->second;
    auto& in = insts[s.inst];
    for (size_t d = 0; d < in.depts.size(); ++d)
      if (in.depts[d].id == s.node) s.dept = static_cast<int>(d);
    for (size_t k = 0; k < in.points.size(); ++k)
      if (in.points[k] == s.node) s.dept = static_cast<int>(in.point_dept[k]);
    s.reply = b.rating.comment.empty() ? "已联系患者了解情况，科室针对评价中反映的问题进行了整改。"
                                       : "已核实患者反映的情况，向患者致歉并落实整改措施。";
    s.needs_callback = needs_callback["bad_review"];
    plan_for(s);
    s.plan.reject = false;
    arrivals.emplace_back(std::min(b.at + 2000, end), sims.size());  // the case opener, right after the rating
    sims.push_back(std::move(s));
  }
  // Some cases of the last week are waiting for the complainant's papers (暂停) now: one in 12
  // complaint-like cases received two to eight days ago (the first of them always) is paused,
  // and its papers have not come yet.
  int recent = 0;
  for (auto& [at, i] : arrivals) {
    auto& s = sims[i];
    bool serious = s.type == "complaint" || s.type == "bad_review" || s.type == "hotline" || s.type == "report";
    if (serious && !s.plan.reject && at >= end - 8 * kDay && at < end - 2 * kDay && recent++ % 12 == 0) {
      s.plan.pause = true;
      s.still_waiting = true;
    }
  }
  // Duplicates: a few complaints are the same person again through another channel (merged).
  std::sort(arrivals.begin(), arrivals.end());
  {
    std::map<size_t, std::vector<std::pair<int64_t, size_t>>> recent;  // inst -> (at, sim)
    for (auto& [at, i] : arrivals) {
      auto& s = sims[i];
      auto& r = recent[s.inst];
      while (!r.empty() && r.front().first < at - 5 * kDay) r.erase(r.begin());
      if (s.type == "complaint" && !s.plan.reject && U(rng) < 0.04 && !r.empty()) {
        auto& target = sims[r[rng() % r.size()].second];
        if (!target.plan.merge && target.content.size() > 0 && target.type == "complaint") {
          s.plan = Plan{};
          s.plan.merge = true;
          s.merge_into = static_cast<size_t>(&target - sims.data()) + 1;
          s.content = target.content;
          s.node = target.node;
          s.dept = target.dept;
          s.name = target.name;
          s.phone = target.phone;
          s.channel = target.channel == "hotline" ? "web" : "hotline";
        }
      }
      if (s.type == "complaint" && !s.plan.reject && !s.plan.merge) r.emplace_back(at, i);
      push(at, i, kOpen);
    }
  }

  // ---- time in office hours (8:30–17:30 on working days) ----
  auto office = [&](int64_t t) {
    for (;;) {
      auto d = calendar::day_of(t);
      int64_t start = calendar::day_start(d) + 8 * kHour + kHour / 2, stop = calendar::day_start(d) + 17 * kHour + kHour / 2;
      if (cal.is_workday(d) && t < stop) return std::max(t, start);
      t = calendar::day_start(d + 1);
    }
  };
  auto later = [&](int64_t t, double hours) {
    int64_t rem = static_cast<int64_t>(hours * static_cast<double>(kHour));
    t = office(t);
    for (;;) {
      int64_t stop = calendar::day_start(calendar::day_of(t)) + 17 * kHour + kHour / 2;
      if (t + rem <= stop) return t + rem;
      rem -= stop - t;
      t = office(stop);
    }
  };
  auto between = [&](double a, double b) { return a + (b - a) * U(rng); };

  // ---- working the cases ----
  auto worker = [&](Sim& s) -> const Who& {
    auto& in = insts[s.inst];
    return s.sensitive ? in.admin : in.handler;
  };
  auto owner_who = [&](Sim& s) -> Who {
    if (s.dept_owned) return dept_who(insts[s.inst], s.dept);
    return worker(s);
  };
  // The time of the answer: most within the limit (hours to a few working days), late ones
  // after the deadline has passed.
  auto reply_time = [&](Sim& s, const cases::Case& c, int64_t now) {
    if (s.in_hand) return end + 1;
    if (s.plan.late && s.replies == 0) return later(c.deadline_at, between(2, 24));
    double typical = s.type == "consultation" ? between(1, 8)
                     : s.type == "report"     ? between(16, 60)
                     : s.type == "praise" || s.type == "suggestion" ? between(6, 50)
                                                                    : std::exp(between(std::log(3.0), std::log(30.0)));
    int64_t t = later(now, typical);
    int64_t latest = c.deadline_at - kHour;
    if (t > latest) t = std::max(now + 10 * 60'000, latest - static_cast<int64_t>(U(rng) * 3 * kHour));
    return t;
  };
  // After the handling unit has the case: note, pause, extension, supervision, then the answer.
  auto next_work = [&](size_t i, Stage after, const cases::Case& c, int64_t now) {
    auto& s = sims[i];
    auto& p = s.plan;
    if (after < kNote && p.note) return push(later(now, between(0.5, 6)), i, kNote);
    if (after < kPause && p.pause && s.replies == 0) return push(later(now, between(1, 8)), i, kPause);
    if (after < kExtRequest && p.extension && s.replies == 0) {
      int64_t t = later(now, between(2, 10));
      if (t < c.deadline_at - 2 * kHour) return push(t, i, kExtRequest);
    }
    if (after < kSupervise && p.supervise && s.replies == 0) {
      int64_t t = p.late ? later(c.deadline_at, between(1, 8)) : later(now, between(1, 6));
      return push(t, i, kSupervise);
    }
    if (p.direct_close) return push(reply_time(s, c, now), i, kClose);
    push(reply_time(s, c, now), i, kReply);
  };
  auto after_accept = [&](size_t i, const cases::Case& c, int64_t now) {
    auto& s = sims[i];
    if (s.plan.merge) return push(later(now, between(0.5, 6)), i, kMerge);
    if (s.plan.assign && !s.sensitive && insts[s.inst].admin.actor.user_id && insts[s.inst].handler.actor.user_id &&
        insts[s.inst].admin.actor.user_id != insts[s.inst].handler.actor.user_id)
      return push(later(now, between(0.2, 2)), i, kAssign);
    if (s.plan.transfer && !s.sensitive) return push(later(now, between(0.5, 6)), i, kTransfer);
    next_work(i, kAccept, c, now);
  };

  int64_t next_escalation = 0;
  auto run = [&](const Step& st) {
    auto& s = sims[st.sim];
    auto& in = insts[s.inst];
    int64_t now = st.at;
    set_fake_now_ms(now);
    // The escalation scan, as the server's worker runs it: every hour of demo time, and always
    // before an answer, a 办结 or a 督办, so that a late one follows its 逾期 history entry.
    if (now >= next_escalation || st.stage == kReply || st.stage == kClose || st.stage == kSupervise) {
      sum.escalations += svc.run_escalations(now);
      next_escalation = now + kHour;
    }
    ++sum.actions;
    cases::Case c;
    switch (st.stage) {
      case kOpen: {
        if (s.bad) {
          db.write([&](store::Tx& tx) {
            s.id = fsvc.open_bad_review(tx, s.bad->point, s.bad->rating, s.bad->rating_id, s.bad->phone);
            if (s.id) tx.exec("UPDATE ratings SET case_id = ? WHERE id = ?", {s.id, s.bad->rating_id});
          });
          if (!s.id) return;
          ++sum.bad_reviews;
        } else {
          cases::NewCase nc;
          nc.type = s.type;
          nc.channel = s.channel;
          nc.node_id = s.node;
          nc.content = s.content;
          nc.complainant_name = s.name;
          nc.complainant_phone = s.phone;
          // Registered at the desk (hotline, letters, visits) by a named handler: received at once.
          bool desk = s.channel != "web" && s.channel != "mobile" && s.channel != "survey";
          if (desk && in.handler.actor.user_id && !s.plan.merge) {
            nc.registered_by = in.handler.actor.user_id;
            nc.registered_by_name = in.handler.name;
            nc.received = true;
          }
          s.id = svc.open(nc).id;
        }
        ++sum.cases;
        c = *svc.find(s.id);
        s.sensitive = c.sensitive;
        if (s.sensitive) s.plan.transfer = s.plan.assign = false;
        if (s.plan.reject) return push(later(now, between(1, 8)), st.sim, kReject);
        if (c.status == "processing") return after_accept(st.sim, c, now);
        return push(later(now, s.bad ? between(0.3, 10) : between(0.3, 16)), st.sim, kAccept);
      }
      case kAccept: {
        // At 市第一人民医院 the 院办 often receives and then assigns to the 医患办.
        const Who& w = s.plan.assign && !s.sensitive ? in.admin : worker(s);
        c = svc.accept(w, s.id, std::nullopt);
        return after_accept(st.sim, c, now);
      }
      case kAssign:
        c = svc.assign(in.admin, s.id, in.handler.actor.user_id);
        if (s.plan.transfer && !s.sensitive) return push(later(now, between(0.5, 6)), st.sim, kTransfer);
        return next_work(st.sim, kAccept, c, now);
      case kTransfer: {
        auto& d = in.depts[static_cast<size_t>(s.dept)];
        c = svc.transfer(worker(s), s.id, d.id, "请" + d.name + "核实情况并答复。");
        return push(later(now, between(1, 16)), st.sim, kTransferAnswer);
      }
      case kTransferAnswer: {
        Who dw = dept_who(in, s.dept);
        if (s.plan.decline) {
          c = svc.decline_transfer(dw, s.id, pick(kDeclineReasons, rng));
          return next_work(st.sim, kAccept, c, now);
        }
        c = svc.accept_transfer(dw, s.id);
        s.dept_owned = true;
        if (s.plan.send_back) return push(later(now, between(1, 8)), st.sim, kSendBack);
        return next_work(st.sim, kAccept, c, now);
      }
      case kSendBack:
        c = svc.send_back(dept_who(in, s.dept), s.id, "患者反映的是收费问题，应由医院统一协调处理。");
        s.dept_owned = false;
        return push(later(now, between(0.5, 6)), st.sim, kReaccept);
      case kReaccept:
        c = svc.accept(worker(s), s.id, std::nullopt);
        return next_work(st.sim, kAccept, c, now);
      case kNote:
        c = svc.add_note(owner_who(s), s.id, pick(kNotes, rng));
        return next_work(st.sim, kNote, c, now);
      case kPause:
        c = svc.pause(owner_who(s), s.id, "需患者补充门诊病历和缴费票据。");
        return push(s.still_waiting ? end + 1 : later(now, between(8, 30)), st.sim, kResume);
      case kResume:
        c = svc.resume(owner_who(s), s.id);
        return next_work(st.sim, kResume, c, now);
      case kExtRequest:
        c = svc.request_extension(owner_who(s), s.id, U(rng) < 0.5 ? 5 : 10, "涉及多个科室，需组织专家会诊核实。");
        return push(later(now, between(1, 8)), st.sim, kExtDecide);
      case kExtDecide: {
        // Decided one level up: the institution for a department, the bureau for an institution.
        const Who& w = s.dept_owned ? worker(s) : *bureau;
        c = svc.decide_extension(w, s.id, s.plan.ext_approve, s.plan.ext_approve ? "同意，请按期办结。" : "情况清楚，请在原期限内办结。");
        return next_work(st.sim, kExtRequest, c, now);
      }
      case kSupervise: {
        std::optional<int> days;
        if (U(rng) < 0.5) days = 3;
        c = svc.supervise(*bureau, s.id, s.plan.late ? "已逾期未答复，请加快办理并书面报告。" : "群众反映强烈，请认真核查。", days);
        if (s.plan.late) {
          // Answered soon after the bureau's call, within its own deadline when it set one.
          int64_t t = later(now, between(2, 14));
          if (days) t = std::min(t, c.deadline_at - kHour);
          return push(std::max(t, now + 30 * 60'000), st.sim, s.plan.direct_close ? kClose : kReply);
        }
        return next_work(st.sim, kSupervise, c, now);
      }
      case kReply: {
        cases::ReplyInput r;
        r.reply = s.reply;
        if (s.type == "complaint" || s.type == "report" || s.type == "bad_review" || s.type == "hotline") {
          // The finding, and an answer that says the same.
          double x = U(rng);
          r.outcome = x < 0.4 ? "substantiated" : x < 0.7 ? "partly" : "unsubstantiated";
          if (r.outcome == "partly") r.reply = "经核实，反映的问题部分属实。" + s.reply;
          if (r.outcome == "unsubstantiated")
            r.reply = "经调取监控、病历并询问当事人员，反映的问题与实际情况不符，已向您当面说明情况，感谢您的监督。";
          if (r.outcome != "unsubstantiated") r.measures = "已对相关人员进行批评教育，科室加强管理。";
          // Half of the substantiated findings need rectification (需整改): the ledger's demo
          // (demo_rectify.cpp) opens their items. Decided by the text, not the generator, so
          // the rest of the demo stays as it was.
          r.needs_rectification = r.outcome == "substantiated" && std::hash<std::string>{}(s.reply) % 2 == 0;
        }
        if (s.replies > 0) r.reply = "再次核实后补充答复：" + r.reply;
        c = svc.reply(owner_who(s), s.id, r);
        ++s.replies;
        if (c.status == "replied") {
          if (s.plan.unreached && s.replies == 1) return push(later(now, between(16, 40)), st.sim, kClose);
          return push(later(now, between(3, 24)), st.sim, kCallback);
        }
        return;
      }
      case kCallback: {
        int result = s.replies > 1 ? (U(rng) < 0.75 ? 0 : 1) : s.plan.callback;
        static const char* kResults[] = {"satisfied", "basically_satisfied", "unsatisfied"};
        static const char* kRemarks[] = {"患者对处理结果表示满意。", "患者表示基本认可。", "患者认为答复没有解决问题，要求重新处理。"};
        c = svc.callback(worker(s), s.id, kResults[result], kRemarks[result]);
        if (c.status == "processing") {  // 不满意: reopened, answered again
          s.dept_owned = c.owner_node_id != in.id && s.dept >= 0;
          return push(reply_time(s, c, now), st.sim, kReply);
        }
        return;
      }
      case kClose:
        c = svc.close(owner_who(s), s.id,
                      s.plan.unreached ? "三次回访均未接通，按规定办结。"
                      : s.type == "praise" ? "已将表扬转达当事科室并通报。"
                                           : "已采纳建议并落实，办结。");
        return;
      case kMerge:
        c = svc.merge(worker(s), s.id, sims[s.merge_into - 1].id);
        return;
      case kReject:
        c = svc.reject(worker(s), s.id, pick(kRejectReasons, rng));
        return;
    }
  };
  // One transaction per day of demo time (the services join it), the clock moved per step.
  while (!q.empty() && q.top().at <= end) {
    int64_t day_end = calendar::day_start(calendar::day_of(q.top().at) + 1);
    db.write([&](store::Tx&) {
      while (!q.empty() && q.top().at < day_end && q.top().at <= end) {
        Step st = q.top();
        q.pop();
        if (sims[st.sim].merge_into && st.stage != kOpen && !sims[sims[st.sim].merge_into - 1].id) continue;
        run(st);
      }
    });
  }
  set_fake_now_ms(0);
  sum.escalations += svc.run_escalations(now_ms());
  for (auto& r : db.query("SELECT status, COUNT(*) FROM cases GROUP BY status")) sum.by_status[r.str(0)] = r.i64(1);
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace manyi::demo
