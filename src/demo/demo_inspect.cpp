#include "demo/demo_inspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "demo/ledger_steps.hpp"
#include "forms/service.hpp"
#include "inspect/service.hpp"
#include "org/roles.hpp"
#include "rectify/service.hpp"

namespace manyi::demo {
namespace {

constexpr int64_t kHour = 3'600'000;

// What an inspector writes beside a deduction, per checklist item (the shipped checklists'
// item ids); items not listed get a plain note naming the item.
const std::map<std::string, std::vector<const char*>> kNotes = {
    // 窗口服务规范检查
    {"greet", {"收费窗口工作人员未主动招呼患者", "挂号窗口办理时未使用“您好”“请稍等”等文明用语"}},
    {"mandarin", {"窗口工作人员使用方言与外地患者交流，患者听不懂"}},
    {"badge", {"两名窗口工作人员未佩戴工牌", "一名收费员未穿工作服"}},
    {"guide", {"患者询问检查地点时，工作人员让其“自己去找”", "老年患者询问医保报销，工作人员不耐烦"}},
    {"elderly", {"老年人优先窗口有标识但无人引导", "帮办服务台无人值守"}},
    {"wait", {"上午高峰收费窗口排队超过 15 人，未增开窗口", "药房窗口排队较长，无人疏导"}},
    {"notice", {"部分检查项目收费标准未公示", "办事流程公示牌内容过期"}},
    {"cash", {"自助机和窗口均不收现金，老年患者无法缴费"}},
    // 医德医风暗访
    {"cold", {"导诊护士对暗访人员的询问爱理不理", "分诊护士语气生硬，催促患者“快点”"}},
    {"taboo", {"医生对患者说“不知道，问别人去”", "收费员对患者说“没看见我在忙吗”"}},
    {"impatient", {"医生未仔细询问病史即开检查单，对提问敷衍", "患者询问用药方法，医生未作解释"}},
    {"first_contact", {"首诊医生让患者自己到其他科室挂号，未落实首诊负责"}},
    {"overtreat", {"对普通感冒患者开具胸部 CT 检查", "处方药量超过 7 日用量且无说明"}},
    {"fees", {"收费项目未公示，收费员解释不清"}},
    {"outside_pharmacy", {"医生建议患者到院外指定药店购买药品"}},
    {"informed", {"开具检查前未说明检查目的和费用"}},
    {"off_duty", {"候诊时两名护士在护士站玩手机", "诊室医生离岗十余分钟"}},
    {"dress", {"一名医生未佩戴胸牌", "两名护士未按规定着装"}},
    {"red_envelope", {"暗访人员就诊时，当班医生暗示“意思一下”，收下现金红包 500 元"}},
    {"kickback", {"医生推荐指定厂家耗材，查实有开单提成"}},
    // 环境卫生检查
    {"ward_clean", {"3 号病房床头柜积灰，物品摆放杂乱", "病房窗台有杂物和灰尘"}},
    {"bedding", {"两张病床床单有污渍未及时更换", "一张病床枕巾未更换"}},
    {"ward_air", {"病房未开窗通风，有异味"}},
    {"litter", {"楼梯间有垃圾未及时清理", "候诊区地面有果皮纸屑"}},
    {"clutter", {"过道堆放纸箱和闲置轮椅", "楼梯转角堆放杂物"}},
    {"facilities", {"候诊区缺轮椅，导医标识不清"}},
    {"toilet_clean", {"公共卫生间地面积水、有异味", "病区卫生间有污垢"}},
    {"handwash", {"洗手液用完未补充", "卫生间无手纸"}},
    {"medical_waste", {"医疗废物暂存间标识不全，转运不及时", "生活垃圾桶内发现使用过的输液器"}},
    {"parking", {"院内消防通道旁乱停电动车"}},
    // 消防与安全隐患排查
    {"responsibility", {"安全生产责任书未签到科室"}},
    {"training", {"新入职保安无消防培训记录"}},
    {"drill", {"应急预案未按期演练"}},
    {"extinguishers", {"住院部三楼两具灭火器压力不足", "门诊大厅灭火器被宣传展板遮挡"}},
    {"exit", {"住院部安全出口被杂物堵塞、门被锁闭"}},
    {"signs", {"疏散指示灯两处不亮", "应急照明灯损坏未修"}},
    {"wiring", {"护士站私拉电线使用电热水壶", "值班室使用大功率电暖器"}},
    {"hazmat", {"酒精等易燃品未存放在专用柜"}},
    {"narcotics", {"麻醉药品专用账册与实物不符", "毒麻药品未专柜加锁保管"}},
    {"security", {"财务室防盗门未关闭", "计算机房无人值守且未上锁"}},
    {"special_equipment", {"一部电梯年检标识过期", "压力容器维护保养记录缺失"}},
    {"last_hazards", {"上次排查发现的隐患部分未整改"}},
    // 行政查房
    {"survey_monthly", {"有两个月未开展群众满意度调查"}},
    {"warning_film", {"本季度有一个月未组织观看警示教育片"}},
    {"ethics_review", {"医德医风评比记录不全"}},
    {"patient_visit", {"本季度未开展“假如我是患者”模拟体验就诊"}},
    {"core_systems", {"交接班记录不完整", "三级医师查房记录不全"}},
    {"records_spot", {"两份在架病历病程记录不及时"}},
    {"on_duty", {"一名医生着装不规范、未佩戴胸牌"}},
    {"patient_opinion", {"有患者反映夜间呼叫应答慢"}},
    {"ward_order", {"病区走廊加床较多，秩序一般"}},
    {"complaints", {"患者反映候诊时间长、解释不耐心"}},
    {"integrity", {"查实一名医生收受患者家属红包"}},
    {"last_round", {"上次查房提出的问题部分未整改"}},
    // 住院病历质量评分
    {"front_page", {"病案首页联系人电话缺填", "首页其他诊断漏填"}},
    {"admission_note", {"入院记录既往史漏项"}},
    {"progress_timing", {"首次病程记录未当班完成"}},
    {"stage_summary", {"阶段小结未按时书写"}},
    {"rescue_death", {"抢救记录未在 6 小时内补记"}},
    {"writing", {"两处涂改未签名"}},
    {"present_illness", {"现病史未记录院外诊治经过"}},
    {"diagnosis_basis", {"诊断依据未引用检查结果"}},
    {"differential", {"鉴别诊断分析不当"}},
    {"ward_rounds", {"主任医师 72 小时内查房记录缺失"}},
    {"treatment", {"用药调整无分析记录"}},
    {"operation", {"术前小结缺项"}},
    {"consent", {"输血治疗知情同意书缺患者签名"}},
};

const char* const kWindows[] = {"挂号收费窗口", "门诊药房窗口", "出入院办理窗口", "导诊服务台"};
const char* const kCovertPlaces[] = {"门诊内科诊室", "门诊外科诊室", "急诊科", "收费处", "门诊药房", "儿科门诊"};
const char* const kRoundPlaces[] = {"内科病区", "外科病区", "妇产科病区", "儿科病区"};
const char* const kClinical[] = {"NK", "WK", "EK", "FCK", "JZK", "XNK", "SJNK", "GK", "YK", "KQK", "ZYK", "KFK"};

enum class Kind { window, covert, hygiene, fire, round, self };

struct PlanRun {
  Kind kind;
  std::vector<const inspect::Grants*> performers;
  const inspect::Grants* publisher = nullptr;  // publishes covert results and confirms their findings
  double miss = 0.04;                          // share of tasks never done
};

struct Event {
  int64_t t = 0;
  int what = 0;  // 0 generate, 1 perform, 2 publish, 3 confirm
  int64_t id = 0;
  int64_t seq = 0;
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

}  // namespace

inspect::Grants inspect_grants(org::OrgService& org, const std::string& username) {
  auto u = org.user_by_name(username);
  if (!u) throw Error(500, "demo_incomplete", "the demo login " + username + " is missing");
  inspect::Grants g;
  g.actor = {u->id, username, "127.0.0.1"};
  g.name = u->display_name;
  for (auto& gr : org.grants_of(u->id))
    for (const char* perm : {"inspection.read", "inspection.plan", "inspection.perform", "inspection.publish"})
      if (org::role_has(gr.role, perm)) g.paths[perm].push_back(gr.node_path);
  return g;
}

InspectSummary create_inspections(org::OrgService& org, int months, uint64_t seed) {
  auto t0 = std::chrono::steady_clock::now();
  InspectSummary sum;
  if (months <= 0) return sum;
  auto& db = org.db();
  std::mt19937_64 rng(seed ^ 0x15bec7ULL);
  std::uniform_real_distribution<double> U(0, 1);
  RealClockAtEnd real_clock;
  const int64_t end = now_ms();
  forms::FormService forms(db);
  forms.ensure_seeded();
  rectify::RectifyService ledger(db);
  inspect::InspectService svc(db, forms, ledger);
  LedgerSteps steps(ledger, rng, end, [] { return std::string("对照检查标准逐项整改，科室每周自查，督查组复查"); },
                    0.03);

  // The demo logins as the service sees them: their grants' permissions on their nodes.
  std::map<std::string, inspect::Grants> who;
  for (const char* name : {"bureau", "inspector", "supervisor", "hosp1"}) who[name] = inspect_grants(org, name);
  auto node = [&](const std::string& code) {
    auto n = org.node_by_code(code);
    if (!n) throw Error(500, "demo_incomplete", "the demo unit " + code + " is missing");
    return n->id;
  };
  auto tmpl = [&](const std::string& code) {
    auto t = forms.by_code(code);
    if (!t) throw Error(500, "demo_incomplete", "the shipped checklist " + code + " is missing");
    return t->id;
  };

  // The first period: the month `months` before the current one. The plans are made a few days
  // before it begins.
  int y = 0, m = 0, d = 0;
  calendar::civil_of(calendar::day_of(end), y, m, d);
  int first_month = y * 12 + (m - 1) - months;
  auto month_day = [](int ym) { return calendar::make_day(ym / 12, ym % 12 + 1, 1); };
  set_fake_now_ms(calendar::day_start(month_day(first_month)) - 3 * calendar::kDayMs + 10 * kHour);

  std::map<int64_t, PlanRun> runs;
  auto make = [&](const std::string& by, inspect::PlanInput in, PlanRun run) {
    auto p = svc.create_plan(who.at(by), in);
    runs[p.id] = std::move(run);
    ++sum.plans;
  };
  int64_t city = node("CITY"), h001 = node("H001");
  {
    inspect::PlanInput in;
    in.name = "窗口服务规范月度检查（明查）";
    in.owner_node_id = city;
    in.template_id = tmpl("window-check");
    in.scope_node_id = city;
    in.node_kind = "institution";
    in.cadence = "monthly";
    in.target = 1;
    in.inspectors = std::vector<int64_t>{who["inspector"].user_id()};
    make("bureau", in, {Kind::window, {&who["inspector"]}, nullptr, 0.03});
  }
  {
    inspect::PlanInput in;
    in.name = "医德医风月度暗访";
    in.owner_node_id = city;
    in.template_id = tmpl("ethics-covert");
    in.scope_node_id = city;
    in.node_kind = "institution";
    in.cadence = "monthly";
    in.covert = true;
    in.target = 0.8;
    in.inspectors = std::vector<int64_t>{who["inspector"].user_id(), who["supervisor"].user_id()};
    make("bureau", in, {Kind::covert, {&who["inspector"], &who["supervisor"]}, &who["bureau"], 0.06});
  }
  {
    std::vector<int64_t> depts;
    for (const char* c : kClinical) depts.push_back(node(std::string("H001-") + c));
    inspect::PlanInput in;
    in.name = "临床科室环境卫生月度检查";
    in.owner_node_id = h001;
    in.template_id = tmpl("hygiene-check");
    in.node_ids = depts;
    in.cadence = "monthly";
    in.target = 1;
    in.inspectors = std::vector<int64_t>{who["hosp1"].user_id()};
    make("hosp1", in, {Kind::hygiene, {&who["hosp1"]}, nullptr, 0.03});
  }
  {
    inspect::PlanInput in;
    in.name = "消防与安全隐患季度排查";
    in.owner_node_id = city;
    in.template_id = tmpl("fire-safety");
    in.scope_node_id = city;
    in.node_kind = "institution";
    in.cadence = "quarterly";
    in.target = 1;
    in.inspectors = std::vector<int64_t>{who["inspector"].user_id()};
    make("bureau", in, {Kind::fire, {&who["inspector"]}, nullptr, 0.03});
  }
  {
    std::vector<int64_t> hospitals;
    for (const char* c : {"H001", "H002", "H003", "H101", "H201", "H301"}) hospitals.push_back(node(c));
    inspect::PlanInput in;
    in.name = "卫生行政部门季度行政查房";
    in.owner_node_id = city;
    in.template_id = tmpl("admin-round");
    in.node_ids = hospitals;
    in.cadence = "quarterly";
    in.target = 1;
    in.inspectors = std::vector<int64_t>{who["bureau"].user_id()};
    make("bureau", in, {Kind::round, {&who["bureau"]}, nullptr, 0.05});
  }
  {
    inspect::PlanInput in;
    in.name = "内科住院病历月度自查";
    in.owner_node_id = h001;
    in.template_id = tmpl("medical-record");
    in.node_ids = std::vector<int64_t>{node("H001-NK")};
    in.cadence = "monthly";
    in.self_inspection = true;
    in.target = 1;
    make("hosp1", in, {Kind::self, {&who["hosp1"]}, nullptr, 0.08});
  }

  // How well each unit keeps to the rules: most well, a few often found wanting.
  std::map<int64_t, double> laxity;
  auto lax = [&](int64_t unit) {
    auto it = laxity.find(unit);
    if (it != laxity.end()) return it->second;
    double v = U(rng) < 0.2 ? 1.8 + U(rng) * 1.5 : 0.4 + U(rng) * 0.8;
    return laxity[unit] = v;
  };
  // An instant during working hours on a working day (Monday to Friday) from `day` on.
  auto work_time = [&](calendar::Day day) {
    while (calendar::weekday(day) > 5) ++day;
    return calendar::day_start(day) + 9 * kHour + static_cast<int64_t>(U(rng) * 8 * kHour);
  };

  // The answers to a checklist: full marks mostly, a few deductions with notes, some items not
  // applicable; a veto only when asked for (force_veto: that item's veto option).
  auto answer = [&](const forms::Definition& def, double laxness, const std::string& force_veto, Kind kind) {
    inspect::Submit s;
    int found = 0;
    const forms::Item* first_text = nullptr;
    for (auto& sec : def.sections)
      for (auto& it : sec.items) {
        double p = 0.035 * laxness;
        auto note = [&] {
          auto n = kNotes.find(it.id);
          if (n != kNotes.end()) s.notes[it.id] = n->second[rng() % n->second.size()];
          else s.notes[it.id] = "检查发现：" + it.label;
          ++found;
        };
        bool has_veto = std::any_of(it.options.begin(), it.options.end(), [](auto& o) { return o.veto; });
        if (it.type == "text") {
          if (!first_text) first_text = &it;
          continue;
        }
        if (it.type == "multi") continue;  // 单项否决 lists: none ticked
        if (it.na_allowed && U(rng) < 0.05) {
          s.answers[it.id] = forms::NotApplicable{};
          continue;
        }
        if (it.type == "number") {
          double v = 0;
          if (it.deduct_per > 0 && U(rng) < p) {
            v = U(rng) < 0.7 ? 1 : U(rng) < 0.8 ? 2 : 3;
            v = std::min(v, it.max);
            note();
          }
          s.answers[it.id] = v;
        } else if (it.type == "rating") {
          double v = 5;
          double r = U(rng);
          if (r < 3 * p) {
            v = r < p ? 3 : 4;
            note();
          }
          s.answers[it.id] = v;
        } else if (it.type == "single") {
          // Best: the non-veto option with the most points; worse: the other non-veto ones.
          const forms::Option* best = nullptr;
          std::vector<const forms::Option*> worse;
          for (auto& o : it.options)
            if (!o.veto && (!best || o.points > best->points)) best = &o;
          for (auto& o : it.options)
            if (!o.veto && best && o.points < best->points) worse.push_back(&o);
          const forms::Option* pick = best;
          if (has_veto && (it.id == force_veto || U(rng) < 0.0015)) {
            for (auto& o : it.options)
              if (o.veto) pick = &o;
            note();
          } else if (!worse.empty() && U(rng) < p) {
            pick = worse[rng() % worse.size()];
            note();
          }
          if (pick) s.answers[it.id] = pick->value;
        }
      }
    if (first_text && (found > 0 || U(rng) < 0.3)) {
      std::string text = found == 0 ? "未发现明显问题。"
                         : kind == Kind::covert
                             ? fmt::format("暗访人员以普通患者身份就诊，发现 {} 处问题，详见各项记录。", found)
                             : fmt::format("本次检查发现 {} 处问题，已当场向科室负责人反馈。", found);
      s.answers[first_text->id] = text;
    }
    switch (kind) {
      case Kind::window: s.subject = kWindows[rng() % std::size(kWindows)]; break;
      case Kind::covert: s.subject = kCovertPlaces[rng() % std::size(kCovertPlaces)]; break;
      case Kind::hygiene: s.subject = "病房及公共区域"; break;
      case Kind::fire: s.subject = "门诊楼、住院楼及药库"; break;
      case Kind::round: s.subject = kRoundPlaces[rng() % std::size(kRoundPlaces)]; break;
      case Kind::self: s.subject = fmt::format("出院病历（住院号 {}）", 2025000000 + rng() % 1000000); break;
    }
    return s;
  };

  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue;
  int64_t seq = 0;
  auto push = [&](int64_t t, int what, int64_t id) {
    if (t <= end) queue.push({t, what, id, seq++});
  };
  for (int k = 0; k <= months; ++k) push(calendar::day_start(month_day(first_month + k)), 0, k);  // the job at midnight

  std::map<int64_t, std::string> veto_of;  // task -> the item its visit vetoes (红包 in a covert visit)
  auto confirm_later = [&](const inspect::Inspection& x, int64_t t) {
    if (U(rng) < 0.05) return;  // a few findings wait for the inspector
    push(t + static_cast<int64_t>((0.1 + U(rng) * 2) * calendar::kDayMs), 3, x.id);
  };

  int covert_month = 0;
  auto handle = [&](const Event& ev) {
    set_fake_now_ms(ev.t);
    if (ev.what == 0) {  // a new month: the jobs run
      sum.escalations += svc.run_escalations(ev.t);
      svc.generate(ev.t);
      auto made = db.query("SELECT t.id, t.plan_id, t.node_id, t.starts_at, t.due_at FROM inspection_tasks t "
                           "WHERE t.created_at = ? ORDER BY t.id",
                           {ev.t});
      ++covert_month;
      int covert_index = 0;
      for (auto& r : made) {
        int64_t task = r.i64(0);
        auto& run = runs.at(r.i64(1));
        calendar::Day from = std::max(calendar::day_of(r.i64(3)), calendar::day_of(ev.t));
        calendar::Day due = calendar::day_of(r.i64(4));
        // A covert visit in every fourth month finds a red envelope (收受红包).
        bool veto = run.kind == Kind::covert && covert_month % 4 == 3 && covert_index++ == (covert_month * 5) % 14;
        if (veto) veto_of[task] = "red_envelope";
        double fate = U(rng);
        int64_t t = 0;
        if (!veto && fate < run.miss) continue;  // never done: overdue on the board
        if (!veto && fate < run.miss + 0.1) {
          t = work_time(due + 1 + static_cast<int>(U(rng) * 8));  // late
        } else {
          t = work_time(from + static_cast<int>(U(rng) * static_cast<double>(due - from + 1)));
          if (t > r.i64(4)) t = r.i64(4) - 2 * kHour;  // the last working day's evening at the latest
        }
        push(t, 1, task);
      }
    } else if (ev.what == 1) {  // an inspection
      auto task = svc.get_task(inspect::Grants{{}, "system", {}, true}, ev.id);
      if (task.status == "done") return;
      auto plan = svc.find_plan(task.plan_id);
      auto& run = runs.at(task.plan_id);
      if (ev.t > task.due_at) sum.escalations += svc.run_escalations(ev.t);
      auto& by = *run.performers[rng() % run.performers.size()];
      auto def = forms.version(task.version_id).def;
      auto vt = veto_of.find(ev.id);
      auto in = answer(*def, lax(task.node_id), vt == veto_of.end() ? "" : vt->second, run.kind);
      in.draft_id = fmt::format("demo-{}", ev.id);
      auto [x, replayed] = svc.perform(by, ev.id, in);
      (void)replayed;
      bool any = !svc.findings(x.id).empty();
      if (plan->covert) {
        // The bureau publishes a month's covert results together early in the next month (暗访通报).
        calendar::civil_of(calendar::day_of(ev.t), y, m, d);
        push(work_time(month_day(y * 12 + m) + 2 + static_cast<int>(U(rng) * 6)), 2, x.id);
      } else if (any) {
        confirm_later(x, ev.t);
      }
    } else if (ev.what == 2) {  // a covert result published to the unit
      auto x = svc.publish(who["bureau"], ev.id);
      if (!svc.findings(x.id).empty()) confirm_later(x, ev.t);
    } else {  // findings into the ledger, each item then worked by its unit
      auto x = *svc.find(ev.id);
      auto& run = runs.at(x.plan_id);
      // Covert results are confirmed by the planner's publisher; the others by their inspector.
      const inspect::Grants* confirmer = run.publisher;
      for (auto& [name, g] : who)
        if (!confirmer && g.user_id() == x.inspector_id) confirmer = &g;
      if (!confirmer) return;
      inspect::Confirm c;
      std::vector<int64_t> ids;
      for (auto& f : svc.findings(x.id)) {
        ids.push_back(f.id);  // vetoes too: a red envelope is rectified like the rest
        if (run.kind == Kind::fire) c.severity[f.id] = f.kind == "veto" ? "major" : "general";  // 隐患
      }
      c.findings = ids;
      for (auto& f : svc.confirm(*confirmer, x.id, c))
        if (f.rectification_id) steps.work(*ledger.find(f.rectification_id), ev.t);
    }
  };
  // One transaction per day of demo time (the services' writes join it and read their own
  // writes): a commit per step made the year take seconds more on SQLite.
  while (!queue.empty()) {
    int64_t day_end = calendar::day_start(calendar::day_of(queue.top().t) + 1);
    db.write([&](store::Tx&) {
      while (!queue.empty() && queue.top().t < day_end) {
        Event ev = queue.top();
        queue.pop();
        handle(ev);
      }
    });
  }
  set_fake_now_ms(0);
  int64_t now = now_ms();
  sum.escalations += svc.run_escalations(now);
  ledger.run_escalations(now);

  auto count = [&](const std::string& sql, const store::Params& p = {}) {
    return store::scalar_i64(db.query(sql, p)).value_or(0);
  };
  sum.tasks = count("SELECT COUNT(*) FROM inspection_tasks");
  sum.inspections = count("SELECT COUNT(*) FROM inspections");
  sum.late = count("SELECT COUNT(*) FROM inspection_tasks WHERE status = 'done' AND done_at > due_at");
  sum.vetoed = count("SELECT COUNT(*) FROM inspections WHERE vetoed = 1");
  sum.unpublished = count("SELECT COUNT(*) FROM inspections WHERE published_at IS NULL");
  sum.open = count("SELECT COUNT(*) FROM inspection_tasks WHERE status <> 'done'");
  sum.overdue = count("SELECT COUNT(*) FROM inspection_tasks WHERE status <> 'done' AND due_at < ?", {now});
  sum.items = count("SELECT COUNT(*) FROM inspection_findings WHERE rectification_id IS NOT NULL");
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace manyi::demo
