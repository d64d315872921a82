#include <utility>  // before asio awaitable (GCC 12)
#include "http/server.hpp"
#include "http/ratelimit.hpp"
#include "http/request_head.hpp"

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include <array>
#include <cstring>
#include <string_view>
#include <chrono>
#include <limits>
#include <thread>
#include <unordered_map>

#include "core/clock.hpp"

namespace manyi::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
// Connections per peer address (trusted proxies are not counted): those served, and those
// beyond the cap held unread for a moment before they are closed.
class AddressCounts {
 public:
  enum Admit { serve, hold, close };
  // Counts a connection from ip: served below cap; beyond it held (at most cap more), so that a
  // client reconnecting at once waits instead of costing an accept and a close in a loop;
  // beyond that closed at once.
  Admit enter(const std::string& ip, int cap) {
    std::lock_guard lk(mu_);
    auto& n = open_[ip];
    if (n.served < cap) return ++n.served, serve;
    if (n.held < cap) return ++n.held, hold;
    return close;
  }
  void leave(const std::string& ip, Admit how) {
    std::lock_guard lk(mu_);
    auto it = open_.find(ip);
    if (it == open_.end()) return;
    --(how == serve ? it->second.served : it->second.held);
    if (it->second.served <= 0 && it->second.held <= 0) open_.erase(it);
  }

 private:
  struct Count {
    int served = 0;
    int held = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Count> open_;
};
}  // namespace

struct Server::Impl {
  Router& router;
  ServerOptions opts;
  // Before ioc: connections' coroutines still pending when ioc is destroyed release their counts.
  RateLimiter refusals;  // "refused": 429s per client address (the flood detector)
  AddressCounts per_address;
  asio::io_context ioc;
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::atomic<bool> stopping{false};
  std::atomic<int> inflight{0};
  int max_conns = 0;  // opts.max_connections, resolved by bind()
  // Waits for the in-flight requests, then stops the loop (begin_stop). Joined by ~Server: the
  // loop may run out of work and return first, and the stopper must not outlive what it reads
  // (it was detached, and ASan caught it reading a destroyed server at exit).
  std::thread stopper;

  Impl(Router& r, ServerOptions o)
      : router(r), opts(std::move(o)), workers(static_cast<size_t>(std::max(1, opts.worker_threads))) {
    for (auto& c : opts.trusted_proxies) proxies.push_back(parse_cidr(c));
    refusals.configure("refused", {ServerOptions::kFloodRefusalRate, ServerOptions::kFloodRefusalBurst});
  }

  // A connection beyond its address's cap: nothing is read; it is closed after flood_delay_ms.
  asio::awaitable<void> hold_then_close(tcp::socket sock, std::string ip) {
    OpenConnection counted(*this, std::move(ip), AddressCounts::hold);
    asio::steady_timer t(sock.get_executor());
    t.expires_after(std::chrono::milliseconds(std::max(opts.flood_delay_ms, 1)));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    sock.close(ec);
  }

  std::vector<Cidr> proxies;  // opts.trusted_proxies, parsed once

  static std::string peer_of(const tcp::socket& s) {
    boost::system::error_code ec;
    auto ep = s.remote_endpoint(ec);
    std::string ip = ec ? "" : ep.address().to_string();
    if (ip.rfind("::ffff:", 0) == 0) ip = ip.substr(7);
    return ip;
  }

  static bool disconnected(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
           ec == beast::error::timeout || ec == asio::error::connection_reset ||
           ec == asio::error::operation_aborted || ec == asio::error::broken_pipe;
  }

  // Answers a request that could not be parsed, in the documented error shape, and closes.
  asio::awaitable<void> write_error(beast::tcp_stream& stream, int status, const std::string& code,
                                    const std::string& message) {
    Response bad = error_response(status, code, message);
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(status), 11};
    out.set(bhttp::field::server, "manyi");
    out.set(bhttp::field::content_type, bad.content_type);
    out.body() = bad.body;
    out.prepare_payload();
    out.keep_alive(false);
    boost::system::error_code ec;
    stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
    co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await drain_input(stream);
  }

  // Closing a socket with unread input makes the kernel send RST, which can destroy the answer
  // before the client reads it. Stop sending, then swallow what the client still sends (for a
  // moment and up to a bound) so it sees the answer.
  static asio::awaitable<void> drain_input(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> sink;
    size_t total = 0;
    while (total < (64u << 20)) {
      size_t n = co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      total += n;
    }
  }

  // Counts a connection for the caps from accept to close (address empty: not counted per address).
  struct OpenConnection {
    Impl& s;
    std::string address;
    AddressCounts::Admit how;
    OpenConnection(Impl& server, std::string a, AddressCounts::Admit h) : s(server), address(std::move(a)), how(h) {}
    ~OpenConnection() {
      --s.metrics().connections_open;
      if (!address.empty()) s.per_address.leave(address, how);
    }
  };

  // A 429 to an address that keeps sending after its refusals waits before it is sent: the
  // flood's connection then costs a timer, not a core.
  asio::awaitable<void> hold_flood(beast::tcp_stream& stream, const Request& req) {
    if (opts.flood_delay_ms <= 0 || !refusals.charge("refused", req.remote_ip, now_ms())) co_return;
    ++metrics().flood_delays;
    asio::steady_timer t(stream.get_executor());
    t.expires_after(std::chrono::milliseconds(opts.flood_delay_ms));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // Bytes of one request body counted against opts.max_body_memory while it is read and handled.
  class BodyReservation {
   public:
    explicit BodyReservation(Impl& s) : s_(s) {}
    ~BodyReservation() {
      if (n_) s_.metrics().body_memory_bytes -= n_;
    }
    // False when the bodies in flight would pass the cap (a body alone may always be read).
    bool take(int64_t n) {
      auto& used = s_.metrics().body_memory_bytes;
      int64_t before = used.fetch_add(n);
      if (before > 0 && before + n > s_.opts.max_body_memory) {
        used -= n;
        return false;
      }
      n_ += n;
      return true;
    }

   private:
    Impl& s_;
    int64_t n_ = 0;
  };

  Metrics& metrics() { return router.metrics(); }

  // The request line and headers as a Request (the body comes later, if it is admitted).
  Request head_of(const bhttp::request_header<>& hdr, const tcp::socket& sock) {
    Request req = request_head(hdr);
    std::string peer = peer_of(sock);
    req.remote_ip = forwarded_client(peer, hdr, proxies);
    req.request_id = request_id_for(peer, hdr, proxies);
    return req;
  }

  static constexpr uint64_t kSmallBody = 64 * 1024;  // larger bodies wait for the session check

  asio::awaitable<void> session(tcp::socket sock, std::string counted_address) {
    OpenConnection counted(*this, std::move(counted_address), AddressCounts::serve);
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(16 * 1024);
      // The route's own limit is applied once the target is known (below), not Beast's default.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
      boost::system::error_code ec;
      co_await bhttp::async_read_header(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        // A peer that went away gets nothing; a malformed request gets an answer before the close.
        if (!disconnected(ec)) {
          bool too_big = ec == bhttp::error::header_limit;
          co_await write_error(stream, too_big ? 431 : 400, too_big ? "headers_too_large" : "bad_request",
                               too_big ? "request headers are too large" : "malformed HTTP request");
        }
        break;
      }
      Request req = head_of(parser.get(), stream.socket());
      bool keep_alive = parser.get().keep_alive();
      bool head = parser.get().method() == bhttp::verb::head;
      auto length = parser.content_length();
      bool has_body = !parser.is_done();
      // Everything the headers decide is decided before a byte of the body is read.
      auto admission = router.admit(req);
      size_t limit = admission.max_body;
      BodyReservation reservation(*this);
      std::optional<Response> early = std::move(admission.refusal);
      if (!early && has_body && length && *length > limit)
        early = error_response(413, "body_too_large", "request body is larger than " + std::to_string(limit) + " bytes");
      if (!early && has_body && admission.needs_login && (!length || *length > kSmallBody)) {
        early = co_await asio::co_spawn(
            workers, [this, &req]() -> asio::awaitable<std::optional<Response>> { co_return router.authorize(req); },
            asio::use_awaitable);
      }
      if (!early && has_body && !reservation.take(static_cast<int64_t>(length ? *length : limit))) {
        ++metrics().body_memory_refusals;
        early = error_response(503, "server_busy", "the server is receiving too much at once; please retry shortly");
        early->header("Retry-After", "1");
      }
      if (!early && has_body) {
        parser.body_limit(limit);  // chunked bodies are counted as they arrive
        co_await bhttp::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec == bhttp::error::body_limit) {
          early = error_response(413, "body_too_large", "request body is larger than " + std::to_string(limit) + " bytes");
        } else if (ec) {
          if (!disconnected(ec)) co_await write_error(stream, 400, "bad_request", "malformed HTTP request");
          break;
        }
      }
      bool unread_body = false;  // answered before reading the body: swallow it before closing
      Response res;
      if (early && has_body && !parser.is_done() && length && *length <= kSmallBody &&
          reservation.take(static_cast<int64_t>(*length))) {
        // A small body behind a refusal (a 429 to a flood of ratings, a 404) is read and
        // dropped so that the connection stays open, as it would for any answer.
        parser.body_limit(*length);
        co_await bhttp::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          if (!disconnected(ec)) co_await write_error(stream, 400, "bad_request", "malformed HTTP request");
          break;
        }
      }
      if (early) {
        res = std::move(*early);
        router.add_headers(req, res);
        if (has_body && !parser.is_done()) {
          keep_alive = false;
          unread_body = true;
        }
      } else {
        req.body = std::move(parser.get().body());
        ++inflight;
        ++metrics().requests_in_flight;
        if (admission.async) {
          // Answered later (e.g. when its batch commits) without holding a thread: the handler
          // runs here and the answer resumes this session on its strand.
          res = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
              [this, &req](auto handler) {
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                router.dispatch_async(
                    req, [this](std::function<void()> work) { asio::post(workers, std::move(work)); },
                    [h](Response r) {
                      auto ex = asio::get_associated_executor(*h);
                      asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
                    });
              },
              asio::use_awaitable);
        } else {
          // Handlers block on the database: run them on the worker pool.
          res = co_await asio::co_spawn(
              workers, [this, &req]() -> asio::awaitable<Response> { co_return router.dispatch(req); },
              asio::use_awaitable);
        }
        --inflight;
        --metrics().requests_in_flight;
      }
      req.body.clear();
      req.body.shrink_to_fit();
      if (stopping) keep_alive = false;
      bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), 11};
      out.set(bhttp::field::server, "manyi");
      if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
      for (auto& [k, v] : res.headers) out.insert(k, v);
      if (res.content_type.find("json") != std::string::npos) out.set(bhttp::field::cache_control, "no-store");
      out.set("X-Content-Type-Options", "nosniff");
      out.body() = std::move(res.body);
      out.keep_alive(keep_alive);
      out.prepare_payload();
      if (head) out.body().clear();  // HEAD: the GET's headers (Content-Length included), no body
      if (res.status == 429) co_await hold_flood(stream, req);
      stream.expires_after(std::chrono::seconds(opts.read_timeout_s));
      co_await bhttp::async_write(stream, out, asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && unread_body) co_await drain_input(stream);
      if (ec || !keep_alive) break;
      if (buf.capacity() > kSmallBody) buf.shrink_to_fit();
    }
    boost::system::error_code ignore;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignore);
  }

  static bool out_of_descriptors(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
           ec == asio::error::no_memory;
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer pause(ioc);
    bool at_cap = false;
    int64_t last_error_log = 0;
    for (;;) {
      boost::system::error_code ec;
      if (metrics().connections_open.load() >= max_conns) {
        // At the cap: leave new connections in the listen backlog until some close.
        if (!at_cap) {
          at_cap = true;
          ++metrics().connection_limit_waits;
          spdlog::warn("connection limit reached ({} open): accepting again as connections close", max_conns);
        }
        pause.expires_after(std::chrono::milliseconds(5));
        co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping) co_return;
        continue;
      }
      if (at_cap) {
        at_cap = false;
        spdlog::info("accepting connections again ({} open)", metrics().connections_open.load());
      }
      // Each connection gets its own strand: Beast's timeout closes the socket from the timer's
      // handler, which must never run beside an operation on the same socket on another thread.
      tcp::socket s = co_await acceptor.async_accept(asio::make_strand(ioc), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        ++metrics().accept_errors;
        if (out_of_descriptors(ec)) {
          // The pending connection stays in the backlog and accept fails at once: back off
          // instead of spinning.
          auto t = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
          if (t - last_error_log >= 10) {
            last_error_log = t;
            spdlog::error("accept failed: {} ({} connections open)", ec.message(), metrics().connections_open.load());
          }
          pause.expires_after(std::chrono::milliseconds(50));
          co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (stopping) co_return;
        }
        continue;
      }
      // One address may hold only so many connections: the next is not read from, and closed.
      std::string counted_address;
      if (opts.max_connections_per_address > 0) {
        std::string ip = peer_of(s);
        if (!trusted(proxies, ip)) {
          auto how = per_address.enter(ip, opts.max_connections_per_address);
          if (how != AddressCounts::serve) {
            ++metrics().address_cap_refusals;
            if (how == AddressCounts::hold) {
              ++metrics().connections_open;
              auto ex = s.get_executor();
              asio::co_spawn(ex, hold_then_close(std::move(s), std::move(ip)), asio::detached);
            } else {
              s.close(ec);
            }
            continue;
          }
          counted_address = std::move(ip);
        }
      }
      s.set_option(tcp::no_delay(true), ec);
      ++metrics().connections_open;
      auto ex = s.get_executor();
      asio::co_spawn(ex, session(std::move(s), std::move(counted_address)), asio::detached);
    }
  }

  void begin_stop() {
    if (stopping.exchange(true)) return;
    spdlog::info("stopping: finishing {} in-flight request(s)", inflight.load());
    boost::system::error_code ec;
    acceptor.close(ec);
    // Wait for in-flight handlers on a helper thread, then stop the loop.
    stopper = std::thread([this] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (inflight.load() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the last responses flush
      ioc.stop();
    });
  }
};

Server::Server(Router& router, ServerOptions opts) : impl_(std::make_unique<Impl>(router, std::move(opts))) {}
Server::~Server() {
  impl_->workers.join();
  // run() has returned, so the loop's threads (which start the stopper) are done.
  if (impl_->stopper.joinable()) impl_->stopper.join();
}

uint16_t Server::bind() {
  auto& i = *impl_;
  tcp::endpoint ep(asio::ip::make_address(i.opts.host), i.opts.port);
  i.acceptor.open(ep.protocol());
  i.acceptor.set_option(asio::socket_base::reuse_address(true));
  i.acceptor.bind(ep);
  i.acceptor.listen(asio::socket_base::max_listen_connections);
  i.max_conns = i.opts.max_connections;
  if (i.max_conns <= 0) {
    rlimit rl{};
    long soft = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY ? static_cast<long>(rl.rlim_cur) : 65536;
    // Keep descriptors for the database (pool, SQLite files and WAL), logs and uploads.
    long reserve = std::max(64L, soft / 8);
    i.max_conns = static_cast<int>(std::clamp(soft - reserve, 16L, 16384L));
  }
  return i.acceptor.local_endpoint().port();
}

void Server::run() {
  auto& i = *impl_;
  i.signals.async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) impl_->begin_stop();
  });
  asio::co_spawn(i.ioc, i.accept_loop(), asio::detached);
  int n = i.opts.io_threads > 0 ? i.opts.io_threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (int k = 1; k < n; ++k) threads.emplace_back([&] { i.ioc.run(); });
  i.ioc.run();
  for (auto& t : threads) t.join();
}

int Server::max_connections() const { return impl_->max_conns; }

void Server::stop() {
  asio::post(impl_->ioc, [this] { impl_->begin_stop(); });
}

}  // namespace manyi::http
