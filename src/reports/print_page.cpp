#include "reports/print_page.hpp"

namespace manyi::reports {

std::string html_escape(const std::string& s) {
  std::string o;
  o.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string a4_page(const std::string& title, const std::string& css, const std::string& body) {
  return "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title><style>@page{size:A4;margin:0}*{box-sizing:border-box}body{margin:0;font-family:\"Noto Sans CJK "
         "SC\",\"Microsoft YaHei\",sans-serif;color:#1f2d3d;background:#eee}" +
         css + "</style></head><body>" + body + "</body></html>";
}

http::Response print_response(std::string html) {
  return http::Response::text(200, std::move(html), "text/html; charset=utf-8");
}

}  // namespace manyi::reports
