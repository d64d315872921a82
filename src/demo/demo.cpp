#include "demo/demo.hpp"

#include <fmt/format.h>

#include <map>
#include <random>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"

namespace manyi::demo {
namespace {

const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
                           "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
                           "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾",
                           "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜"};
const char* kGiven[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
                        "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强",
                        "海燕", "晓东", "雪梅", "春梅", "建国", "丹", "萍", "鹏", "辉", "宇", "婷", "欣怡", "子涵",
                        "浩然", "思远", "慧", "琳", "佳", "晨", "颖", "博", "瑞", "嘉怡", "宏伟", "志明", "丽娟"};

struct Inst {
  const char* code;
  const char* name;
  const char* county;  // nullptr: directly under the bureau
  int level;           // 3 tertiary, 2 secondary, 1 township/community
};
const Inst kInsts[] = {
    {"H001", "市第一人民医院", nullptr, 3},       {"H002", "市中医院", nullptr, 3},
    {"H003", "市妇幼保健院", nullptr, 3},         {"H101", "城关区人民医院", "C1", 2},
    {"H102", "城关区中医院", "C1", 2},            {"H103", "城关区东街社区卫生服务中心", "C1", 1},
    {"H201", "河西县人民医院", "C2", 2},          {"H202", "河西县中医院", "C2", 2},
    {"H203", "河西县城关镇卫生院", "C2", 1},      {"H204", "河西县柳林镇卫生院", "C2", 1},
    {"H301", "北山县人民医院", "C3", 2},          {"H302", "北山县中医院", "C3", 2},
    {"H303", "北山县石桥镇卫生院", "C3", 1},      {"H304", "北山县马庄乡卫生院", "C3", 1},
};

struct Dept {
  const char* code;
  const char* name;
  const char* category;  // main staff category
  int min_level;
  int windows;           // service points (windows) under it
  const char* window_name;
};
const Dept kDepts[] = {
    {"NK", "内科", "doctor", 1, 0, ""},          {"WK", "外科", "doctor", 1, 0, ""},
    {"EK", "儿科", "doctor", 2, 0, ""},          {"FCK", "妇产科", "doctor", 1, 0, ""},
    {"JZK", "急诊科", "doctor", 2, 0, ""},       {"XNK", "心血管内科", "doctor", 3, 0, ""},
    {"SJNK", "神经内科", "doctor", 3, 0, ""},    {"GK", "骨科", "doctor", 2, 0, ""},
    {"YK", "眼科", "doctor", 3, 0, ""},          {"KQK", "口腔科", "doctor", 2, 0, ""},
    {"ZYK", "中医科", "doctor", 1, 0, ""},       {"KFK", "康复医学科", "doctor", 3, 0, ""},
    {"JYK", "检验科", "technician", 1, 0, ""},   {"FSK", "放射科", "technician", 1, 0, ""},
    {"CSK", "超声科", "technician", 2, 0, ""},   {"YJK", "药剂科", "pharmacist", 1, 2, "门诊药房窗口"},
    {"HLB", "护理部", "nurse", 2, 0, ""},        {"YWK", "医务科", "admin", 2, 0, ""},
    {"YB", "院办", "admin", 1, 0, ""},           {"XFB", "纪检监察室（行风办）", "admin", 2, 0, ""},
    {"YHB", "医患关系办公室", "admin", 2, 0, ""}, {"SFC", "收费处", "window", 1, 4, "收费窗口"},
    {"GHC", "挂号处", "window", 2, 3, "挂号窗口"}, {"MZB", "门诊部", "nurse", 2, 1, "导诊服务台"},
    {"ZYB", "住院处", "window", 2, 1, "出入院办理窗口"}, {"HQB", "后勤保障科", "logistics", 2, 0, ""},
};

const char* kTitles[] = {"主任医师", "副主任医师", "主治医师", "住院医师", "主任护师", "副主任护师", "主管护师",
                         "护师", "护士", "主管技师", "技师", "主管药师", "药师", "科员", "工程师", ""};

std::string title_for(const std::string& cat, std::mt19937_64& rng) {
  auto pick = [&](std::initializer_list<int> idx) {
    std::vector<int> v(idx);
    return std::string(kTitles[v[rng() % v.size()]]);
  };
  if (cat == "doctor") return pick({0, 1, 2, 2, 3, 3});
  if (cat == "nurse") return pick({4, 5, 6, 6, 7, 8, 8});
  if (cat == "technician") return pick({9, 10, 10});
  if (cat == "pharmacist") return pick({11, 12, 12});
  if (cat == "window" || cat == "admin") return pick({13, 15});
  return pick({14, 15});
}

}  // namespace

Summary create_org(org::OrgService& org, uint64_t seed) {
  if (!org.db().query("SELECT 1 FROM org_nodes LIMIT 1").empty())
    throw conflict("not_empty", "the database already has an organisation; demo data goes into an empty database");
  std::mt19937_64 rng(seed);
  audit::Actor sys{0, "demo", "127.0.0.1"};
  Summary s;
  auto city = org.create_root(sys, "bureau", "CITY", "市卫生健康局");
  ++s.nodes;
  std::map<std::string, org::Node> counties;
  const char* cn[][2] = {{"C1", "城关区卫生健康局"}, {"C2", "河西县卫生健康局"}, {"C3", "北山县卫生健康局"}};
  for (auto& c : cn) {
    counties[c[0]] = org.create_node(sys, city.id, "county", c[0], c[1]);
    ++s.nodes;
  }
  int64_t t = now_ms();
  std::map<std::string, int64_t> named;  // code -> node id
  std::vector<store::Params> staff_rows;
  int64_t first_staff_in_h001_nk = 0;
  for (auto& inst : kInsts) {
    int64_t parent = inst.county ? counties[inst.county].id : city.id;
    auto in = org.create_node(sys, parent, "institution", inst.code, inst.name);
    named[inst.code] = in.id;
    ++s.nodes;
    int per_dept = inst.level == 3 ? 13 : inst.level == 2 ? 8 : 3;
    int emp = 1;
    for (auto& d : kDepts) {
      if (inst.level < d.min_level) continue;
      std::string code = fmt::format("{}-{}", inst.code, d.code);
      auto dn = org.create_node(sys, in.id, "department", code, d.name);
      named[code] = dn.id;
      ++s.nodes;
      int windows = inst.level == 1 ? std::min(d.windows, 1) : d.windows;
      for (int w = 1; w <= windows; ++w) {
        std::string wname = windows == 1 ? d.window_name : fmt::format("{}{}", d.window_name, w);
        org.create_node(sys, dn.id, "point", fmt::format("{}-{}", code, w), wname);
        ++s.nodes;
      }
      int n = per_dept + static_cast<int>(rng() % 5);
      if (std::string(d.category) == "admin" || std::string(d.category) == "logistics") n = std::max(2, n / 3);
      for (int k = 0; k < n; ++k) {
        std::string cat = d.category;
        if (cat == "doctor" && k % 3 == 2) cat = "nurse";  // clinical departments have nurses too
        std::string name = std::string(kSurnames[rng() % std::size(kSurnames)]) + kGiven[rng() % std::size(kGiven)];
        int64_t sid = new_id();
        if (!first_staff_in_h001_nk && code == "H001-NK") first_staff_in_h001_nk = sid;
        staff_rows.push_back({sid, dn.id, in.id, fmt::format("{}{:04d}", inst.code, emp++), name, cat,
                              title_for(cat, rng), int64_t{1}, t, t});
      }
    }
  }
  org.db().write([&](store::Tx& tx) {
    tx.insert_rows("staff",
                   {"id", "node_id", "unit_id", "employee_no", "name", "category", "title", "active", "created_at",
                    "updated_at"},
                   staff_rows);
    audit::record(tx, sys, {"staff.import", "staff", 0, city.id, city.path, "", "",
                            fmt::format("演示数据：{} 名人员", staff_rows.size())});
  });
  s.staff = static_cast<int>(staff_rows.size());

  struct DemoUser {
    const char* username;
    const char* display;
    const char* role;
    int64_t node;
    int64_t staff;
  };
  const DemoUser users[] = {
      {"bureau", "市卫健局管理员", "bureau_admin", city.id, 0},
      {"inspector", "督查组 陈督查", "inspector", city.id, 0},
      {"supervisor", "社会监督员 王监督", "supervisor", city.id, 0},
      {"hosp1", "市第一人民医院 院办", "unit_admin", named["H001"], 0},
      {"hosp2", "市中医院 院办", "unit_admin", named["H002"], 0},
      {"dept", "内科 主任", "dept_head", named["H001-NK"], 0},
      {"handler", "医患关系办公室 受理员", "handler", named["H001"], 0},
      {"staff", "内科 医生", "staff", named["H001-NK"], first_staff_in_h001_nk},
  };
  for (auto& u : users) {
    auto created = org.create_user(sys, u.username, u.display, kPassword, u.node, u.staff, false);
    org.grant(sys, created.id, u.role, u.node);
    ++s.users;
  }
  return s;
}

}  // namespace manyi::demo
