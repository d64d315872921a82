#include "cases/model.hpp"

#include "core/error.hpp"
#include "store/subtree.hpp"

namespace manyi::cases {

const std::vector<Label>& types() {
  static const std::vector<Label> v = {{"complaint", "投诉", "Complaint"},
                                       {"bad_review", "差评", "Bad review"},
                                       {"report", "举报", "Report"},
                                       {"suggestion", "建议", "Suggestion"},
                                       {"praise", "表扬", "Praise"},
                                       {"consultation", "咨询", "Consultation"},
                                       {"hotline", "热线诉求", "Hotline request"},
                                       {"adverse_event", "不良事件", "Adverse event"}};
  return v;
}
const std::vector<Label>& channels() {
  static const std::vector<Label> v = {{"web", "网站", "Web"},
                                       {"mobile", "手机", "Mobile"},
                                       {"hotline", "热线电话", "Hotline"},
                                       {"letter", "来信", "Letter"},
                                       {"visit", "来访", "Visit"},
                                       {"opinion_box", "意见箱", "Opinion box"},
                                       {"transfer_12345", "12345转办", "12345 transfer"},
                                       {"survey", "满意度评价", "Survey"},
                                       {"staff_report", "职工上报", "Staff report"},
                                       {"inspection", "检查发现", "Inspection"}};
  return v;
}
const std::vector<Label>& statuses() {
  static const std::vector<Label> v = {{"pending", "待受理", "Pending"},
                                       {"processing", "办理中", "Processing"},
                                       {"waiting", "暂停（待补充）", "Waiting"},
                                       {"replied", "已答复", "Replied"},
                                       {"closed", "已办结", "Closed"},
                                       {"rejected", "不予受理", "Rejected"},
                                       {"merged", "已合并", "Merged"}};
  return v;
}
const std::vector<Label>& outcomes() {
  static const std::vector<Label> v = {{"substantiated", "属实", "Substantiated"},
                                       {"partly", "部分属实", "Partly substantiated"},
                                       {"unsubstantiated", "不属实", "Unsubstantiated"}};
  return v;
}
const std::vector<Label>& callback_results() {
  static const std::vector<Label> v = {{"satisfied", "满意", "Satisfied"},
                                       {"basically_satisfied", "基本满意", "Basically satisfied"},
                                       {"unsatisfied", "不满意", "Unsatisfied"}};
  return v;
}
const std::vector<Label>& levels() {
  static const std::vector<Label> v = {
      {"0", "正常", "On time"}, {"1", "临期预警", "Due soon"}, {"2", "已逾期", "Overdue"}, {"3", "督办", "Supervised"}};
  return v;
}

std::vector<std::string> codes(const std::vector<Label>& labels) {
  std::vector<std::string> out;
  for (auto& l : labels) out.push_back(l.code);
  return out;
}
std::string zh(const std::vector<Label>& labels, const std::string& code) {
  for (auto& l : labels)
    if (l.code == code) return l.zh;
  return code;
}

bool is_open(const std::string& s) { return s == "pending" || s == "processing" || s == "waiting"; }

const std::vector<std::string>& queues() {
  static const std::vector<std::string> q = {"open", "mine", "due_soon", "overdue", "supervised"};
  return q;
}

std::string queue_sql(const std::string& queue, int64_t now, int64_t user_id, store::Params& p) {
  std::string w = std::string(" AND ") + kOpenSql;
  if (queue == "mine") {
    p.push_back(user_id);
    return w + " AND " + kMineSql;
  }
  if (queue == "due_soon") {
    p.push_back(now);
    return w + " AND " + kDueSoonSql;
  }
  if (queue == "overdue") {
    p.push_back(now);
    return w + " AND " + kOverdueSql;
  }
  if (queue == "supervised") return w + " AND " + kSupervisedSql;
  if (queue == "open") return w;
  throw invalid("queue", "unknown queue: " + queue + " (open, mine, due_soon, overdue or supervised)");
}

std::string scope_sql(const std::vector<std::string>& read, const std::vector<std::string>& sens,
                      const std::string& node_path, store::Params& p, bool node_index) {
  auto any = [&](const std::vector<std::string>& scope) {
    return "(" + store::subtree_condition("c.owner_path", scope, p) + " OR " +
           store::subtree_condition("c.node_path", scope, p) + " OR " +
           store::subtree_condition("c.transfer_to_path", scope, p) + ")";
  };
  std::string out = "((c.sensitive = 0 AND " + any(read) + ")";
  if (!sens.empty()) out += " OR (c.sensitive = 1 AND " + any(sens) + ")";
  out += ")";
  if (!node_path.empty()) {
    std::vector<std::string> one{node_path};
    const char* node_col = node_index ? "c.node_path" : "(c.node_path || '')";
    const char* owner_col = node_index ? "c.owner_path" : "(c.owner_path || '')";
    out += " AND (" + store::subtree_condition(node_col, one, p) + " OR " + store::subtree_condition(owner_col, one, p) +
           ")";
  }
  return out;
}

}  // namespace manyi::cases
