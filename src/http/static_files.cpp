#include "http/static_files.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

namespace manyi::http {

std::string gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string mime_type(const std::string& p) {
  auto dot = p.rfind('.');
  std::string ext = dot == std::string::npos ? "" : p.substr(dot + 1);
  static const std::map<std::string, std::string> m = {
      {"html", "text/html; charset=utf-8"}, {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"}, {"css", "text/css; charset=utf-8"},
      {"json", "application/json"}, {"svg", "image/svg+xml"}, {"png", "image/png"},
      {"jpg", "image/jpeg"}, {"ico", "image/x-icon"}, {"woff2", "font/woff2"}, {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"}, {"map", "application/json"}};
  auto it = m.find(ext);
  return it == m.end() ? "application/octet-stream" : it->second;
}

std::optional<Response> StaticFiles::file(const std::string& rel, const Request& req, bool immutable) {
  if (rel.find("..") != std::string::npos) return std::nullopt;
  std::string full = root_ + "/" + rel;
  struct stat st{};
  if (stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  Entry e;
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(full);
    if (it != cache_.end() && it->second.mtime == st.st_mtime) e = it->second;
  }
  if (e.type.empty()) {
    std::ifstream in(full, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    e.body = ss.str();
    e.type = mime_type(rel);
    e.mtime = st.st_mtime;
    bool text = e.type.rfind("text/", 0) == 0 || e.type.find("json") != std::string::npos ||
                e.type.find("svg") != std::string::npos;
    if (text && e.body.size() > 256) e.gz = gzip(e.body);
    std::lock_guard lk(mu_);
    cache_[full] = e;
  }
  Response r;
  r.content_type = e.type;
  r.header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.header("Vary", "Accept-Encoding");
  if (!e.gz.empty() && req.header("accept-encoding").find("gzip") != std::string::npos) {
    r.body = e.gz;
    r.header("Content-Encoding", "gzip");
  } else {
    r.body = e.body;
  }
  if (req.method == "HEAD") r.body.clear();
  return r;
}

std::optional<Response> StaticFiles::serve(const Request& req) {
  std::string p = req.path;
  if (p == "/" || p.empty()) return file("index.html", req);
  std::string rel = p.substr(1);
  bool immutable = rel.rfind("assets/", 0) == 0;
  if (auto r = file(rel, req, immutable)) return r;
  auto last = rel.rfind('/');
  std::string leaf = last == std::string::npos ? rel : rel.substr(last + 1);
  if (leaf.find('.') == std::string::npos) return file("index.html", req);  // console route
  return std::nullopt;
}

}  // namespace manyi::http
