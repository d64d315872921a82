#include "support/sink.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace manyi::testing {

namespace {
bool read_until(int c, std::string& buf, const std::string& end) {
  char tmp[4096];
  while (buf.find(end) == std::string::npos) {
    ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
  }
  return true;
}

void say(int c, const std::string& s) { (void)!::send(c, s.data(), s.size(), MSG_NOSIGNAL); }
}  // namespace

Sink::Sink(bool smtp) : smtp_(smtp) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd_, 8);
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { loop(); });
}

Sink::~Sink() {
  stop_ = true;
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  thread_.join();
}

std::vector<std::string> Sink::received() {
  std::lock_guard lk(mu_);
  return got_;
}

std::vector<std::string> Sink::heads() {
  std::lock_guard lk(mu_);
  return heads_;
}

void Sink::loop() {
  while (!stop_) {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string buf;
    if (!smtp_) {
      if (read_until(c, buf, "\r\n\r\n")) {
        auto head = buf.find("\r\n\r\n");
        auto cl = buf.find("Content-Length: ");
        size_t want = cl == std::string::npos ? 0 : std::stoul(buf.substr(cl + 16));
        std::string body = buf.substr(head + 4);
        char tmp[4096];
        while (body.size() < want) {
          ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
          if (n <= 0) break;
          body.append(tmp, static_cast<size_t>(n));
        }
        {
          std::lock_guard lk(mu_);
          got_.push_back(body);
          heads_.push_back(buf.substr(0, head));
        }
        say(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      }
    } else {
      say(c, "220 sink ESMTP\r\n");
      for (;;) {
        if (!read_until(c, buf, "\r\n")) break;
        std::string line = buf.substr(0, buf.find("\r\n"));
        buf.erase(0, line.size() + 2);
        if (line.rfind("DATA", 0) == 0) {
          say(c, "354 go ahead\r\n");
          if (!read_until(c, buf, "\r\n.\r\n")) break;
          auto end = buf.find("\r\n.\r\n");
          {
            std::lock_guard lk(mu_);
            got_.push_back(buf.substr(0, end));
          }
          buf.erase(0, end + 5);
          say(c, "250 queued\r\n");
        } else if (line.rfind("QUIT", 0) == 0) {
          say(c, "221 bye\r\n");
          break;
        } else {
          say(c, "250 ok\r\n");
        }
      }
    }
    ::close(c);
  }
}

}  // namespace manyi::testing
