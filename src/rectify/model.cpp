#include "rectify/model.hpp"

namespace manyi::rectify {

const std::vector<Label>& sources() {
  static const std::vector<Label> v = {{"inspection", "检查发现"},     {"complaint", "投诉"},
                                       {"bad_review", "差评"},         {"self_inspection", "自查"},
                                       {"supervision", "督导意见"},    {"indicator", "指标未达标"},
                                       {"manual", "手工录入"}};
  return v;
}

const std::vector<Label>& statuses() {
  static const std::vector<Label> v = {{"pending", "未开始"},  {"rectifying", "整改中"}, {"submitted", "待验收"},
                                       {"closed", "已销号"},   {"cancelled", "已撤销"}};
  return v;
}

std::vector<std::string> codes(const std::vector<Label>& v) {
  std::vector<std::string> out;
  for (auto& l : v) out.push_back(l.code);
  return out;
}

std::string zh(const std::vector<Label>& v, const std::string& code) {
  for (auto& l : v)
    if (l.code == code) return l.zh;
  return code;
}

bool is_open(const std::string& s) { return s == "pending" || s == "rectifying" || s == "submitted"; }

std::string source_code(const std::string& text) {
  for (auto& l : sources())
    if (text == l.code || text == l.zh) return l.code;
  // What bureaus write in their own ledgers.
  static const std::vector<std::pair<std::string, std::string>> aliases = {
      {"检查", "inspection"}, {"明查暗访", "inspection"}, {"暗访", "inspection"}, {"督查", "inspection"},
      {"隐患排查", "inspection"}, {"群众投诉", "complaint"}, {"差评", "bad_review"}, {"督导", "supervision"},
      {"上级督导", "supervision"}, {"上级意见", "supervision"}, {"督导检查", "inspection"},
      {"指标", "indicator"}, {"指标监测", "indicator"}, {"手工", "manual"}, {"其他", "manual"}};
  for (auto& [k, v] : aliases)
    if (text == k) return v;
  return "";
}

}  // namespace manyi::rectify
