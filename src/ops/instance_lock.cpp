#include "ops/instance_lock.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace manyi::ops {
namespace {

int open_lock_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(500, "lock_file", "cannot open the lock file " + path + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::optional<std::string> sqlite_path(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0) return url.substr(7);
  if (url.find("://") == std::string::npos && url.size() > 3 && url.substr(url.size() - 3) == ".db") return url;
  return std::nullopt;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);  // closing drops the flock
}

InstanceLock InstanceLock::serving(const std::string& db_url) {
  auto db_path = sqlite_path(db_url);
  if (!db_path) return InstanceLock();
  std::string path = lock_file(*db_path);
  int fd = open_lock_file(path);
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    spdlog::warn("{} is locked by `manyi restore`: waiting for it to finish", path);
    while (::flock(fd, LOCK_SH) != 0 && errno == EINTR) {
    }
  }
  return InstanceLock(fd);
}

InstanceLock InstanceLock::exclusive(const std::string& db_path) {
  std::string path = lock_file(db_path);
  int fd = open_lock_file(path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(409, "database_in_use",
                "a manyi server has " + db_path + " open (it holds " + path + "): stop every instance first");
  }
  return InstanceLock(fd);
}

}  // namespace manyi::ops
