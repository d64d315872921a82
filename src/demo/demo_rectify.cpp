#include "demo/demo_rectify.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "core/calendar.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "demo/ledger_steps.hpp"
#include "rectify/service.hpp"

namespace manyi::demo {
namespace {

const char* const kProblems[][3] = {
    // problem, measures, category
    {"门诊导诊台无人值守，患者找不到科室", "安排专人值守导诊台，增设指引标识", "窗口服务"},
    {"收费窗口工作人员未使用普通话、态度生硬", "开展窗口服务规范培训，纳入月度考核", "服务态度"},
    {"病房卫生间无扶手，地面湿滑", "加装扶手和防滑垫，每日巡查两次", "环境卫生"},
    {"病房被套床单更换不及时", "落实一人一换制度，护士长每周检查", "环境卫生"},
    {"住院病历首页填写不完整", "组织病历书写培训，质控科每月抽查", "医疗质量"},
    {"毒麻药品柜未双人双锁管理", "落实双人双锁和专册登记，药剂科每周核查", "安全隐患"},
    {"消防通道堆放杂物", "立即清理，设立禁止堆放标识，保卫科每日巡查", "安全隐患"},
    {"灭火器过期未更换", "全院排查并更换过期灭火器，建立更换台账", "安全隐患"},
    {"候诊区座椅不足，老年患者久站", "增设候诊座椅四十个，设置老年人优先区", "就医环境"},
    {"检查报告取单时间长，未告知取单时限", "公示各项检查取单时限，开通自助打印", "服务流程"},
    {"医务人员接受患者宴请", "约谈当事人，全院通报并开展警示教育", "医德医风"},
    {"药房窗口排队时间超过三十分钟", "高峰时段增开窗口，推广线上缴费取药", "服务流程"},
    {"特种设备（电梯）年检标识过期", "联系检验机构复检，张贴有效标识", "安全隐患"},
    {"投诉处理未在规定时限内答复", "完善投诉首问负责制，纳入科室考核", "投诉管理"},
};
const char* const kPeople[] = {"王护士长", "李主任", "张科长", "刘院长", "陈主任", "赵护士长", "孙科长", "周主任"};
// Inspection and self-inspection items come from the demo's inspections (demo_inspect.cpp), each
// linked to its inspection; the rest of the ledger is supervision opinions, indicators and
// items entered by hand.
const char* const kSources[] = {"supervision", "supervision", "indicator", "manual", "supervision", "manual"};

}  // namespace

RectifySummary create_rectifications(org::OrgService& org, int64_t count, uint64_t seed) {
  auto t0 = std::chrono::steady_clock::now();
  auto& db = org.db();
  RectifySummary sum;
  std::mt19937_64 rng(seed ^ 0x2e0c7ULL);
  std::uniform_real_distribution<double> U(0, 1);
  RealClockAtEnd real_clock;
  const int64_t end = now_ms();
  rectify::RectifyService svc(db);
  rectify::Who system{{0, "system", "local"}, "系统", {}};

  // Owner units: institutions and their clinical and service departments.
  std::vector<int64_t> units;
  for (auto& r : db.query("SELECT id FROM org_nodes WHERE (kind = 'institution' OR kind = 'department') AND active = 1 "
                          "ORDER BY path"))
    units.push_back(r.i64(0));
  if (units.empty()) return sum;

  // What happens to each item after it is opened (shared with the inspections' items).
  LedgerSteps steps(svc, rng, end, [&] { return std::string(kProblems[rng() % std::size(kProblems)][1]); });
  auto work = [&](const rectify::Item& it, int64_t t) { steps.work(it, t); };

  // One item per demo case marked 需整改, opened when the case was answered (the live hook).
  auto cases = db.query(
      "SELECT id, unit_id, tracking_code, type, content, category, COALESCE(replied_at, closed_at, updated_at) "
      "FROM cases WHERE needs_rectification = 1 ORDER BY id");
  // Items are opened and worked kBatch at a time in one transaction (the service's writes join
  // it and read their own writes): a commit per step took most of the demo's time on SQLite.
  constexpr size_t kBatch = 64;
  for (size_t from = 0; from < cases.size(); from += kBatch)
    db.write([&](store::Tx&) {
      for (size_t i = from; i < std::min(cases.size(), from + kBatch); ++i) {
        auto& r = cases[i];
        int64_t t = r.i64(6);
        set_fake_now_ms(t);
        rectify::Item it;
        db.write([&](store::Tx& tx) {
          it = svc.open_from_case(tx, {r.i64(0), r.i64(1), r.str(2), r.str(3), r.str(4), r.str(5)});
        });
        ++sum.from_cases;
        work(it, t);
      }
    });

  // The rest over the last year, oldest first.
  std::vector<int64_t> times;
  // Over the year, with a sixth in the last month, so the ledger has current work.
  for (int64_t i = 0; i < count; ++i)
    times.push_back(end - static_cast<int64_t>(U(rng) * (i % 6 == 0 ? 30 : 365) * calendar::kDayMs));
  std::sort(times.begin(), times.end());
  auto open_one = [&](int64_t t) {
    set_fake_now_ms(t);
    auto& pr = kProblems[rng() % std::size(kProblems)];
    rectify::NewItem in;
    in.unit_id = units[rng() % units.size()];
    in.problem = pr[0];
    in.category = pr[2];
    in.source = kSources[rng() % std::size(kSources)];
    in.responsible = kPeople[rng() % std::size(kPeople)];
    if (U(rng) < 0.5) in.measures = pr[1];
    if (std::string(pr[2]) == "安全隐患") {
      in.hazard = true;
      in.severity = U(rng) < 0.3 ? "major" : "general";
      in.funds = "约 " + std::to_string(1 + rng() % 20) + " 万元";
      in.contingency = "整改完成前设专人值守，发现险情立即疏散并报告保卫科";
    }
    in.is_public = std::string(pr[2]) == "窗口服务" || std::string(pr[2]) == "服务流程" || U(rng) < 0.2;
    auto it = svc.create(system, in);
    ++sum.items;
    work(it, t);
  };
  for (size_t from = 0; from < times.size(); from += kBatch)
    db.write([&](store::Tx&) {
      for (size_t i = from; i < std::min(times.size(), from + kBatch); ++i) open_one(times[i]);
    });
  set_fake_now_ms(0);
  sum.escalations = svc.run_escalations(now_ms());
  sum.items += sum.from_cases;
  for (auto& r : db.query("SELECT status, COUNT(*) FROM rectifications GROUP BY status"))
    sum.by_status[r.str(0)] = r.i64(1);
  sum.overdue = store::scalar_i64(db.query("SELECT COUNT(*) FROM rectifications WHERE (status = 'pending' OR status = "
                                           "'rectifying' OR status = 'submitted') AND deadline_at < ?",
                                           {now_ms()}))
                    .value_or(0);
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace manyi::demo
