// StaticFiles: serves the built console (web/dist) and public pages. Hashed assets under
// /assets/ are cached for a year; HTML is revalidated. Text types are gzipped once and kept
// in memory. Unknown paths without an extension fall back to index.html (the console routes).
#pragma once
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "http/http.hpp"

namespace manyi::http {

class StaticFiles {
 public:
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}
  std::optional<Response> serve(const Request& req);
  // Serves one file by path relative to root (used for public pages such as /f/<code>).
  std::optional<Response> file(const std::string& rel, const Request& req, bool immutable = false);

 private:
  struct Entry {
    std::string body, gz, type;
    long mtime = 0;
  };
  std::string root_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
};

std::string gzip(const std::string& data);
std::string mime_type(const std::string& path);

}  // namespace manyi::http
