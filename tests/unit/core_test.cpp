// Core helpers without a database: ids, request validation, UTF-8 checks, URL decoding, the
// token-bucket rate limiter, CIDR matching, subtree ranges, password policy and hashing, the
// CSV parser — and the router's own rules (authentication, CSRF, declared permissions, 404 vs
// 405, rate limits) with a stub authorizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "core/table_file.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/id.hpp"
#include "core/json.hpp"
#include "core/keyhash.hpp"
#include "http/request_head.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "org/service.hpp"
#include "store/subtree.hpp"

using namespace manyi;

// ---- ids ----

TEST(Ids, UniqueAndIncreasingAcrossThreads) {
  const int threads = 4, per = 250000;  // 1M ids
  std::vector<std::vector<int64_t>> got(threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      auto& v = got[t];
      v.reserve(per);
      for (int i = 0; i < per; ++i) v.push_back(new_id());
    });
  for (auto& t : ts) t.join();
  std::vector<int64_t> all;
  for (auto& v : got) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());  // strictly increasing
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate id";
  EXPECT_EQ(all.size(), static_cast<size_t>(threads * per));
  for (int64_t id : {all.front(), all.back()}) {
    EXPECT_GT(id, 0);
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    // Time-ordered: the id carries its creation time (a burst may borrow a few ms ahead).
    EXPECT_LE(std::llabs(id_time_ms(id) - now), 60000) << id;
  }
  // Ids made later are larger.
  int64_t a = new_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_LT(a, new_id());
}

TEST(Ids, ParseId) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_id(std::to_string(new_id())) > 0, true);
  for (auto bad : {"", "0", "-1", "12a", "a12", " 1", "1 ", "+1", "9223372036854775808", "1.0", "0x10", "١"})
    EXPECT_EQ(parse_id(bad), 0) << bad;
  EXPECT_EQ(id_str(42), "42");
  EXPECT_EQ(id_json(0), json(nullptr));
  EXPECT_EQ(id_json(7), json("7"));
}

// ---- request validation ----

namespace {
std::string field_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_FALSE(std::string(e.what()).empty());
    return std::to_string(e.status()) + " " + e.code() + " " + e.field();
  }
  return "ok";
}
}  // namespace

TEST(Validate, EveryErrorNamesItsField) {
  json j = json::parse(R"({"s":"满意","n":5,"big":18446744073709551615,"neg":-3,"f":1.5,"b":true,"id":"123",
                          "idn":456,"e":"nurse","empty":"  ","nul":null,"arr":[1],"obj":{},"bad":"a\u0001b"})");
  EXPECT_EQ(jv::req_str(j, "s"), "满意");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "missing"); }), "422 invalid_field missing");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "nul"); }), "422 invalid_field nul");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "n"); }), "422 invalid_field n");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "arr"); }), "422 invalid_field arr");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "empty"); }), "422 invalid_field empty");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "bad"); }), "422 invalid_field bad");
  EXPECT_EQ(field_of([&] { jv::req_str(j, "s", 1); }), "422 invalid_field s");
  EXPECT_EQ(jv::req_str(j, "s", 2), "满意");  // characters, not bytes
  EXPECT_FALSE(jv::opt_str(j, "missing"));
  EXPECT_FALSE(jv::opt_str(j, "nul"));
  EXPECT_EQ(*jv::opt_str(j, "empty"), "  ");  // optional text may be blank

  EXPECT_EQ(jv::req_int(j, "n", 0, 10), 5);
  EXPECT_EQ(jv::req_int(j, "neg", -5, 0), -3);
  EXPECT_EQ(field_of([&] { jv::req_int(j, "n", 6, 10); }), "422 invalid_field n");
  EXPECT_EQ(field_of([&] { jv::req_int(j, "big", 0, INT64_MAX); }), "422 invalid_field big");
  EXPECT_EQ(field_of([&] { jv::req_int(j, "f", 0, 10); }), "422 invalid_field f");
  EXPECT_EQ(field_of([&] { jv::req_int(j, "s", 0, 10); }), "422 invalid_field s");
  EXPECT_EQ(field_of([&] { jv::req_int(j, "missing", 0, 10); }), "422 invalid_field missing");
  EXPECT_EQ(*jv::opt_num(j, "f", 0, 2), 1.5);
  EXPECT_EQ(*jv::opt_num(j, "n", 0, 10), 5.0);
  EXPECT_EQ(field_of([&] { jv::opt_num(j, "f", 2, 3); }), "422 invalid_field f");
  EXPECT_EQ(field_of([&] { jv::opt_num(j, "b", 0, 3); }), "422 invalid_field b");
  EXPECT_EQ(*jv::opt_bool(j, "b"), true);
  EXPECT_EQ(field_of([&] { jv::opt_bool(j, "n"); }), "422 invalid_field n");
  EXPECT_EQ(field_of([&] { jv::opt_bool(j, "s"); }), "422 invalid_field s");

  EXPECT_EQ(jv::req_id(j, "id"), 123);
  EXPECT_EQ(jv::req_id(j, "idn"), 456);
  EXPECT_EQ(field_of([&] { jv::req_id(j, "neg"); }), "422 invalid_field neg");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "f"); }), "422 invalid_field f");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "big"); }), "422 invalid_field big");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "s"); }), "422 invalid_field s");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "b"); }), "422 invalid_field b");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "obj"); }), "422 invalid_field obj");
  EXPECT_EQ(field_of([&] { jv::req_id(j, "missing"); }), "422 invalid_field missing");

  EXPECT_EQ(jv::req_enum(j, "e", {"doctor", "nurse"}), "nurse");
  EXPECT_EQ(field_of([&] { jv::req_enum(j, "e", {"doctor"}); }), "422 invalid_field e");
  EXPECT_EQ(field_of([&] { jv::req_enum(j, "missing", {"doctor"}); }), "422 invalid_field missing");
}

TEST(Validate, ParseObject) {
  EXPECT_EQ(jv::parse_object("{\"a\":1}")["a"], 1);
  EXPECT_EQ(field_of([] { jv::parse_object(""); }), "400 empty_body ");
  for (auto bad : {"{", "[]", "1", "\"x\"", "null", "{\"a\":1}x", "{'a':1}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc0\xaf\"}",
                   "{\"a\":\"\\ud800\"}"})
    EXPECT_EQ(field_of([&] { jv::parse_object(bad); }), "400 malformed_json ") << bad;
}

TEST(Validate, ValidText) {
  for (std::string ok : {"", "abc", "满意度", "😀", "tab\there", "line\nbreak\r\n", "ü", "\xef\xbf\xbd",
                         "\xf4\x8f\xbf\xbf" /* U+10FFFF */, "\xed\x9f\xbf" /* U+D7FF */, "\xee\x80\x80" /* U+E000 */})
    EXPECT_TRUE(jv::valid_text(ok)) << ok;
  for (std::string bad : {
           std::string("\xff"), std::string("a\xfe"), std::string("\x80"),  // stray bytes
           std::string("\xc0\xaf"), std::string("\xc1\xbf"),                  // overlong 2-byte
           std::string("\xe0\x80\xaf"), std::string("\xe0\x9f\xbf"),          // overlong 3-byte
           std::string("\xf0\x80\x80\xaf"), std::string("\xf0\x8f\xbf\xbf"),  // overlong 4-byte
           std::string("\xed\xa0\x80"), std::string("\xed\xbf\xbf"),          // surrogates
           std::string("\xf4\x90\x80\x80"), std::string("\xf5\x80\x80\x80"),  // above U+10FFFF
           std::string("\xf8\x88\x80\x80\x80"),                               // 5-byte form
           std::string("\xe6\xbb"), std::string("\xe6\xbb" "a"),              // truncated
           std::string("a\x01" "b"), std::string("\x7f"), std::string("a\0b", 3), std::string("\x1b[31m")})
    EXPECT_FALSE(jv::valid_text(bad)) << ::testing::PrintToString(bad);
}

// ---- URL decoding ----

TEST(Url, DecodeAndQuery) {
  EXPECT_EQ(http::url_decode("%E6%BB%A1%E6%84%8F"), "满意");
  EXPECT_EQ(http::url_decode("a+b"), "a b");
  EXPECT_EQ(http::url_decode("a+b", false), "a+b");
  EXPECT_EQ(http::url_decode("%2B%2f"), "+/");
  EXPECT_EQ(http::url_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(http::url_decode("%"), "%");
  EXPECT_EQ(http::url_decode("x%"), "x%");
  EXPECT_EQ(http::url_decode("x%4"), "x%4");
  EXPECT_EQ(http::url_decode(""), "");
  auto q = http::parse_query("a=1&b=&c&d=x%20y&&e=%2B&f=a=b&%E5%90%8D=%E5%80%BC&a=2");
  EXPECT_EQ(q["a"], "2");  // the last one wins
  EXPECT_EQ(q["b"], "");
  EXPECT_TRUE(q.count("c"));
  EXPECT_EQ(q["d"], "x y");
  EXPECT_EQ(q["e"], "+");
  EXPECT_EQ(q["f"], "a=b");
  EXPECT_EQ(q["名"], "值");
  EXPECT_TRUE(http::parse_query("").empty());
  EXPECT_TRUE(http::parse_query("&&&").empty());
  http::Request r;
  r.headers["cookie"] = "a=1; manyi_session=tok; other=x";
  EXPECT_EQ(r.cookie("manyi_session"), "tok");
  EXPECT_EQ(r.cookie("a"), "1");
  EXPECT_EQ(r.cookie("missing"), "");
  EXPECT_EQ(r.cookie("session"), "");  // no suffix matches
}

// ---- rate limiter ----

TEST(RateLimiter, TokenBucketBurstRefillAndRetryAfter) {
  http::RateLimiter l;
  l.configure("c", {1.0, 3});
  int64_t t = 1'000'000;
  EXPECT_EQ(l.take("c", "ip1", t), 0);
  EXPECT_EQ(l.take("c", "ip1", t), 0);
  EXPECT_EQ(l.take("c", "ip1", t), 0);
  EXPECT_EQ(l.take("c", "ip1", t), 1);  // empty: retry in one second
  EXPECT_EQ(l.take("c", "ip2", t), 0);  // keys are independent
  EXPECT_EQ(l.take("c", "ip1", t + 500), 1);
  EXPECT_EQ(l.take("c", "ip1", t + 1000), 0);  // refilled one token (half came back at +500)
  EXPECT_EQ(l.take("c", "ip1", t + 1000), 1);
  // The bucket never holds more than the burst.
  EXPECT_EQ(l.take("c", "ip1", t + 1'000'000), 0);
  EXPECT_EQ(l.take("c", "ip1", t + 1'000'000), 0);
  EXPECT_EQ(l.take("c", "ip1", t + 1'000'000), 0);
  EXPECT_EQ(l.take("c", "ip1", t + 1'000'000), 1);
  // Slow classes say how long to wait.
  l.configure("slow", {0.2, 1});
  EXPECT_EQ(l.take("slow", "k", t), 0);
  EXPECT_EQ(l.take("slow", "k", t), 5);
  EXPECT_EQ(l.take("slow", "k", t + 2000), 3);
  // Unknown classes are unlimited.
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(l.take("none", "k", t), 0);
  EXPECT_TRUE(l.has_class("c"));
  EXPECT_FALSE(l.has_class("none"));
}

// charge(): a key that keeps going after its bucket is empty runs into debt (down to one burst)
// and stays refused until it has been quiet long enough to pay it back; take() would let it
// through again after one token's time.
TEST(RateLimiter, ChargeKeepsAFloodRefusedUntilItsDebtIsPaid) {
  http::RateLimiter l;
  l.configure("c", {1.0, 3});
  int64_t t = 1'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.charge("c", "ip", t), 0);
  for (int i = 0; i < 10; ++i) EXPECT_GT(l.charge("c", "ip", t), 0);  // empty: debt, down to -3
  EXPECT_GT(l.take("c", "ip", t + 1000), 0);   // a take() bucket would have a token again here
  EXPECT_GT(l.take("c", "ip", t + 3500), 0);   // -3 + 3.5 = 0.5: still short
  EXPECT_EQ(l.take("c", "ip", t + 4000), 0);   // the debt is paid and one token is back
  // A flood charged on and on never gets through, however long it runs.
  int64_t f = t + 10'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.charge("c", "flood", f), 0);
  for (int s = 0; s < 100; ++s)
    for (int i = 0; i < 5; ++i) ASSERT_GT(l.charge("c", "flood", f + s * 1000), 0) << s << " " << i;
}

TEST(RateLimiter, ManyThreadsNeverExceedTheBurst) {
  http::RateLimiter l;
  l.configure("c", {0.001, 100});
  std::atomic<int> allowed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (l.take("c", "same", 5000) == 0) ++allowed;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(allowed.load(), 100);
}

TEST(RateLimiter, ManyKeysAreSweptWithoutLosingState) {
  http::RateLimiter l;
  l.configure("c", {1, 2});
  int64_t t = 0;
  for (int i = 0; i < 200000; ++i) l.take("c", "k" + std::to_string(i), t);
  EXPECT_EQ(l.take("c", "k1", t), 0);
  EXPECT_EQ(l.take("c", "k1", t), 1);
  // Much later the full buckets are dropped when the shards are swept; a drained one survives
  // the sweep and still limits.
  t += 120000;
  EXPECT_EQ(l.take("c", "drained", t), 0);
  EXPECT_EQ(l.take("c", "drained", t), 0);
  for (int i = 0; i < 1000; ++i) l.take("c", "fresh" + std::to_string(i), t);
  EXPECT_EQ(l.take("c", "drained", t), 1);
  EXPECT_EQ(l.take("c", "k1", t), 0);
}

// Keys of the in-memory windows: equal parts hash equal, and the parts' boundaries count.
TEST(KeyHash, PartsAreLengthPrefixed) {
  EXPECT_EQ(key_hash({"device-1", "42"}), key_hash({"device-1", "42"}));
  EXPECT_NE(key_hash({"ab", "c"}), key_hash({"a", "bc"}));
  EXPECT_NE(key_hash({"abc"}), key_hash({"abc", ""}));
  EXPECT_NE(key_hash({"d", "x"}), key_hash({"n", "x"}));
  std::string longer(1000, 'x');  // past the stack buffer
  EXPECT_EQ(key_hash({longer, "1"}), key_hash({longer, "1"}));
  EXPECT_NE(key_hash({longer, "1"}), key_hash({longer, "2"}));
}

// ---- CIDR ----

// The client behind trusted proxies: the right-most hop that is not a proxy; a hop that is not
// an address (made up by a client and passed on) ends the walk at the last address before it,
// so what is stored and rate-limited as the client's address is always an address.
TEST(ForwardedClient, RightMostUntrustedAddressAndNothingElse) {
  std::vector<http::Cidr> proxies = {http::parse_cidr("10.0.0.0/8")};
  auto client = [&](const std::string& peer, const std::string& xff) {
    boost::beast::http::request_header<> h;
    if (!xff.empty()) h.set("X-Forwarded-For", xff);
    return http::forwarded_client(peer, h, proxies);
  };
  EXPECT_EQ(client("10.0.0.2", "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(client("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.3"), "198.51.100.7");
  EXPECT_EQ(client("203.0.113.9", "198.51.100.7"), "203.0.113.9");  // not from a proxy: ignored
  EXPECT_EQ(client("10.0.0.2", ""), "10.0.0.2");
  EXPECT_EQ(client("10.0.0.2", "198.51.100.7, 10.0.0.3, \xff\xfe"), "10.0.0.2");
  EXPECT_EQ(client("10.0.0.2", "not-an-address"), "10.0.0.2");
  EXPECT_EQ(client("10.0.0.2", "2001:db8::1, 10.0.0.5"), "2001:db8::1");
}

TEST(StorableText, DropsBytesThatAreNotUtf8AndControlCharacters) {
  EXPECT_EQ(storable_text("Mozilla/5.0 (iPhone) 微信", 200), "Mozilla/5.0 (iPhone) 微信");
  EXPECT_EQ(storable_text("Mozilla \xff\xfe\xc0\xaf 5\x01\n", 200), "Mozilla  5");
  EXPECT_EQ(storable_text("\xed\xa0\x80x", 200), "x");  // an encoded surrogate
  EXPECT_EQ(storable_text("微信微信", 7), "微信");         // cut at a character boundary
  EXPECT_TRUE(jv::valid_text(storable_text(std::string("\xe5\xbe", 2), 200)));
}


TEST(Cidr, V4AndV6) {
  EXPECT_TRUE(http::in_cidr("10.1.2.3", "10.0.0.0/8"));
  EXPECT_FALSE(http::in_cidr("11.0.0.1", "10.0.0.0/8"));
  EXPECT_TRUE(http::in_cidr("192.168.1.1", "192.168.1.1"));
  EXPECT_FALSE(http::in_cidr("192.168.1.2", "192.168.1.1"));
  EXPECT_TRUE(http::in_cidr("192.168.1.130", "192.168.1.128/25"));
  EXPECT_FALSE(http::in_cidr("192.168.1.127", "192.168.1.128/25"));
  EXPECT_TRUE(http::in_cidr("8.8.8.8", "0.0.0.0/0"));
  EXPECT_TRUE(http::in_cidr("::1", "::1/128"));
  EXPECT_TRUE(http::in_cidr("2001:db8::1", "2001:db8::/32"));
  EXPECT_FALSE(http::in_cidr("2001:db9::1", "2001:db8::/32"));
  EXPECT_TRUE(http::in_cidr("fe80::1234", "fe80::/10"));
  EXPECT_FALSE(http::in_cidr("10.0.0.1", "::/0"));        // families differ
  EXPECT_FALSE(http::in_cidr("::ffff:10.0.0.1", "10.0.0.0/8"));
  EXPECT_FALSE(http::in_cidr("not an ip", "10.0.0.0/8"));
  EXPECT_FALSE(http::in_cidr("10.0.0.1", "10.0.0.0/33"));
  EXPECT_FALSE(http::in_cidr("10.0.0.1", "10.0.0.0/-1"));
  EXPECT_FALSE(http::in_cidr("", ""));
}

// ---- subtree ranges ----

TEST(Subtree, UpperBoundAndCondition) {
  EXPECT_EQ(store::subtree_upper("/1/2/"), "/1/20");
  std::vector<std::string> paths = {"/1/", "/1/2/", "/1/2/5/", "/1/2/5/9/", "/1/23/", "/1/20/", "/1/3/", "/1/1/", "/2/"};
  std::vector<std::string> in;
  for (auto& p : paths)
    if (p >= "/1/2/" && p < store::subtree_upper("/1/2/")) in.push_back(p);
  std::sort(in.begin(), in.end());
  EXPECT_EQ(in, (std::vector<std::string>{"/1/2/", "/1/2/5/", "/1/2/5/9/"}));
  std::vector<std::string> params;
  EXPECT_EQ(store::subtree_condition("n.path", {}, params), "1=0");
  EXPECT_TRUE(params.empty());
  auto c = store::subtree_condition("n.path", {"/1/2/", "/7/"}, params);
  EXPECT_EQ(c, "((n.path >= ? AND n.path < ?) OR (n.path >= ? AND n.path < ?))");
  EXPECT_EQ(params, (std::vector<std::string>{"/1/2/", "/1/20", "/7/", "/70"}));
}

// ---- passwords ----

TEST(Passwords, Policy) {
  for (auto ok : {"Manyi-demo-1", "Lower123", "lower-123", "UPPER-123", "密码密码ab12", "Aa1Aa1Aa1"})
    EXPECT_NO_THROW(org::check_password_policy(ok, "someone")) << ok;
  for (auto bad : {"Short1!", "alllowercase", "lower123x", "ALLUPPER1", "12345678", "--------"})
    EXPECT_THROW(org::check_password_policy(bad, "someone"), Error) << bad;
  EXPECT_THROW(org::check_password_policy(std::string(129, 'a') + "A1", "x"), Error);
  EXPECT_NO_THROW(org::check_password_policy(std::string(120, 'a') + "A1", "x"));
  EXPECT_THROW(org::check_password_policy("Zhang.san-99", "zhang.san"), Error);  // contains the username
  EXPECT_THROW(org::check_password_policy("xxZHANGxx-9", "zhang"), Error);       // in any case
  EXPECT_NO_THROW(org::check_password_policy("Ab-1Ab-1", "ab"));               // too short a name to matter
  try {
    org::check_password_policy("short", "u");
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "password");
    EXPECT_EQ(e.status(), 422);
  }
}

// The production cost (the server's own hashing without MANYI_TEST_FAST_HASH is pinned by the
// SIGTERM test in durability_test.cpp, through the API).
TEST(Passwords, Argon2idHashAndVerify) {
  auto h1 = org::hash_password_production("Correct-horse-1");
  auto h2 = org::hash_password_production("Correct-horse-1");
  EXPECT_EQ(h1.rfind("$argon2id$", 0), 0u) << h1;
  EXPECT_NE(h1, h2);  // salted
  EXPECT_NE(h1.find("$m=65536,t=2,p=1$"), std::string::npos) << h1;
  EXPECT_TRUE(org::verify_password(h1, "Correct-horse-1"));
  EXPECT_TRUE(org::verify_password(h2, "Correct-horse-1"));
  EXPECT_FALSE(org::verify_password(h1, "Correct-horse-2"));
  EXPECT_FALSE(org::verify_password(h1, ""));
  EXPECT_FALSE(org::verify_password("not a hash", "Correct-horse-1"));
  EXPECT_FALSE(org::verify_password("", ""));
  auto zh = org::hash_password("满意度-密码-1");
  EXPECT_TRUE(org::verify_password(zh, "满意度-密码-1"));
}

// ---- CSV (the import reader's CSV side) ----

TEST(Csv, QuotesCrlfBomAndBlankFields) {
  using Rows = std::vector<std::vector<std::string>>;
  EXPECT_EQ(table::read_csv("a,b\n1,2\n"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(table::read_csv("a,b\r\n1,2"), (Rows{{"a", "b"}, {"1", "2"}}));
  EXPECT_EQ(table::read_csv("\xEF\xBB\xBF" "a,b\r\n"), (Rows{{"a", "b"}}));
  EXPECT_EQ(table::read_csv("\"x, y\",\"say \"\"hi\"\"\",\"\"\n"), (Rows{{"x, y", "say \"hi\"", ""}}));
  EXPECT_EQ(table::read_csv("\"two\nlines\",z\n"), (Rows{{"two\nlines", "z"}}));
  EXPECT_EQ(table::read_csv("\"crlf\r\ninside\",z\r\n"), (Rows{{"crlf\r\ninside", "z"}}));
  EXPECT_EQ(table::read_csv(",,\n"), (Rows{{"", "", ""}}));
  EXPECT_EQ(table::read_csv("a\n\nb\n"), (Rows{{"a"}, {""}, {"b"}}));
  EXPECT_EQ(table::read_csv("a\rb\r"), (Rows{{"a"}, {"b"}}));  // old Mac line ends
  EXPECT_EQ(table::read_csv("满意,度\n"), (Rows{{"满意", "度"}}));
  EXPECT_TRUE(table::read_csv("").empty());
  EXPECT_TRUE(table::read_csv("\xEF\xBB\xBF").empty());
}

// ---- router ----

namespace {
class StubAuth : public http::Authorizer {
 public:
  std::map<std::string, http::Principal> sessions;  // token -> principal
  std::map<int64_t, std::string> paths;
  std::optional<http::Principal> authenticate(const http::Request& req) override {
    auto it = sessions.find(req.cookie("manyi_session"));
    if (it == sessions.end()) return std::nullopt;
    return it->second;
  }
  bool role_has(const std::string& role, const std::string& perm) const override {
    return (role == "admin") || (role == "reader" && perm == "thing.read");
  }
  std::optional<std::string> node_path(int64_t id) override {
    auto it = paths.find(id);
    if (it == paths.end()) return std::nullopt;
    return it->second;
  }
};

struct RouterFixture {
  StubAuth auth;
  http::RateLimiter limiter;
  http::Metrics metrics;
  http::Router router{auth, limiter, metrics};
  RouterFixture() {
    auth.paths = {{1, "/1/"}, {2, "/1/2/"}, {3, "/1/3/"}};
    http::Principal admin;
    admin.user_id = 10;
    admin.csrf = "csrf-a";
    admin.grants = {{1, "admin", 2, "/1/2/", "二院"}};
    auth.sessions["tok-admin"] = admin;
    http::Principal reader;
    reader.user_id = 11;
    reader.csrf = "csrf-r";
    reader.grants = {{2, "reader", 1, "/1/", "局"}};
    auth.sessions["tok-reader"] = reader;
    http::Principal fresh = admin;
    fresh.must_change_password = true;
    fresh.csrf = "csrf-f";
    auth.sessions["tok-fresh"] = fresh;
    auto echo = [](http::Ctx& c) { return http::Response::text(200, c.param("id") + "|" + c.param("sub")); };
    router.add("GET", "/healthz", "public", echo).limit_class = "";
    router.add("POST", "/api/v1/public/things", "public", echo);
    router.add("GET", "/api/v1/me", "login", echo);
    router.add("GET", "/api/v1/roles", "login", echo);
    router.add("GET", "/api/v1/things/{id}", "thing.read", [](http::Ctx& c) {
      c.require("thing.read", c.id_param("id"));
      return http::Response::text(200, "thing " + c.param("id"));
    });
    router.add("PATCH", "/api/v1/things/{id}", "thing.write", [](http::Ctx& c) {
      c.require("thing.write", c.id_param("id"));
      return http::Response::text(200, "changed");
    });
    router.add("GET", "/api/v1/things/special", "thing.read", echo);
    router.add("GET", "/api/v1/things/{id}/{sub}", "thing.read", echo);
    router.add("GET", "/api/v1/boom", "login", [](http::Ctx&) -> http::Response { throw std::runtime_error("secret detail"); });
  }
  http::Response call(const std::string& method, const std::string& path, const std::string& token = "",
                      const std::string& csrf = "", const std::string& ip = "127.0.0.1") {
    http::Request r;
    r.method = method;
    r.path = path;
    r.remote_ip = ip;
    if (!token.empty()) r.headers["cookie"] = "manyi_session=" + token;
    if (!csrf.empty()) r.headers["x-csrf-token"] = csrf;
    return router.dispatch(r);
  }
  static std::string code(const http::Response& r) { return json::parse(r.body)["error"]["code"]; }
};
}  // namespace

TEST(Router, AuthenticationCsrfAndDeclaredPermissions) {
  RouterFixture f;
  EXPECT_EQ(f.call("GET", "/healthz").status, 200);
  auto anon = f.call("GET", "/api/v1/me");
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(RouterFixture::code(anon), "unauthenticated");
  EXPECT_EQ(f.call("GET", "/api/v1/me", "bogus").status, 401);
  EXPECT_EQ(f.call("GET", "/api/v1/me", "tok-reader").status, 200);
  // Declared permission: the reader may read, not write.
  EXPECT_EQ(f.call("GET", "/api/v1/things/2", "tok-reader").status, 200);
  auto w = f.call("PATCH", "/api/v1/things/2", "tok-reader", "csrf-r");
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(RouterFixture::code(w), "forbidden");
  // CSRF: required on every non-GET for signed-in users, and must be the session's own.
  EXPECT_EQ(RouterFixture::code(f.call("PATCH", "/api/v1/things/2", "tok-admin")), "csrf_failed");
  EXPECT_EQ(RouterFixture::code(f.call("PATCH", "/api/v1/things/2", "tok-admin", "csrf-r")), "csrf_failed");
  EXPECT_EQ(f.call("PATCH", "/api/v1/things/2", "tok-admin", "csrf-a").status, 200);
  // Node scope inside the handler: admin of /1/2/ only.
  EXPECT_EQ(f.call("PATCH", "/api/v1/things/3", "tok-admin", "csrf-a").status, 403);
  EXPECT_EQ(f.call("PATCH", "/api/v1/things/1", "tok-admin", "csrf-a").status, 403);  // the parent is outside
  EXPECT_EQ(f.call("PATCH", "/api/v1/things/99", "tok-admin", "csrf-a").status, 404);
  EXPECT_EQ(f.call("GET", "/api/v1/things/abc", "tok-admin").status, 404);
  // A user who must change the password reaches only /me (and password/logout).
  EXPECT_EQ(f.call("GET", "/api/v1/me", "tok-fresh").status, 200);
  EXPECT_EQ(RouterFixture::code(f.call("GET", "/api/v1/roles", "tok-fresh")), "password_change_required");
  EXPECT_EQ(RouterFixture::code(f.call("GET", "/api/v1/things/2", "tok-fresh")), "password_change_required");
}

TEST(Router, MatchingNotFoundMethodAndErrors) {
  RouterFixture f;
  // A literal segment beats a parameter.
  EXPECT_EQ(f.call("GET", "/api/v1/things/special", "tok-admin").body, "|");
  EXPECT_EQ(f.call("GET", "/api/v1/things/5/x", "tok-admin").body, "5|x");
  EXPECT_EQ(RouterFixture::code(f.call("GET", "/api/v1/nothing")), "not_found");
  EXPECT_EQ(f.call("GET", "/api/v1/things/", "tok-admin").status, 404);  // empty parameter
  auto m = f.call("DELETE", "/api/v1/things/2", "tok-admin", "csrf-a");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(RouterFixture::code(m), "method_not_allowed");
  EXPECT_EQ(f.call("HEAD", "/healthz").status, 200);  // HEAD follows GET
  // Unexpected exceptions are 500 without their text.
  auto boom = f.call("GET", "/api/v1/boom", "tok-admin");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body.find("secret"), std::string::npos);
  auto metrics = f.metrics.render();
  EXPECT_NE(metrics.find("manyi_http_requests_total{method=\"GET\",route=\"/api/v1/boom\",status=\"500\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("route=\"unmatched\""), std::string::npos);
}

// Asynchronous routes answer later, from another thread, without holding the caller; what
// their offloaded work throws becomes the answer; a second reply is ignored; permissions, rate
// limits and metrics apply as to any route.
TEST(Router, AsynchronousRoutesReplyLaterThroughOneAnswer) {
  RouterFixture f;
  std::vector<std::thread> late;
  f.router.add_async("POST", "/api/v1/public/later", "public", [&](http::Ctx& c, http::Reply reply) {
    std::string body = c.req.body;
    late.emplace_back([reply, body] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      reply(http::Response::text(201, "stored " + body));
      reply(http::Response::text(500, "a second answer"));  // ignored
    });
  });
  f.router.add_async("POST", "/api/v1/public/offload", "public", [](http::Ctx& c, http::Reply reply) {
    bool fail = c.req.body == "fail";
    c.offload([reply, fail] {
      if (fail) throw invalid("point", "unknown point");
      reply(http::Response::text(200, "slow path"));
    });
  });
  f.router.add_async("POST", "/api/v1/things/{id}/async", "thing.write", [](http::Ctx& c, http::Reply reply) {
    c.require("thing.write", c.id_param("id"));
    reply(http::Response::text(200, "changed later"));
  });
  EXPECT_TRUE(f.router.target("POST", "/api/v1/public/later").async);
  EXPECT_FALSE(f.router.target("POST", "/api/v1/public/things").async);

  http::Request r;
  r.method = "POST";
  r.path = "/api/v1/public/later";
  r.body = "x";
  r.headers["content-type"] = "application/json";  // public posts accept JSON only
  r.remote_ip = "9.9.9.9";
  auto res = f.router.dispatch(r);  // waits for the late answer
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "stored x");

  // dispatch_async returns before the answer (the handler's thread waits for the gate, opened
  // only after dispatch_async has returned); the answer arrives once.
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  f.router.add_async("POST", "/api/v1/public/gated", "public", [&late, open](http::Ctx&, http::Reply reply) {
    late.emplace_back([reply, open] {
      open.wait();
      reply(http::Response::text(201, "stored after the gate"));
      reply(http::Response::text(500, "a second answer"));  // ignored
    });
  });
  r.path = "/api/v1/public/gated";
  std::promise<http::Response> answer;
  std::atomic<int> answers{0};
  f.router.dispatch_async(r, [](std::function<void()> fn) { fn(); }, [&](http::Response x) {
    if (answers++ == 0) answer.set_value(std::move(x));
  });
  EXPECT_EQ(answers.load(), 0);  // returned without waiting for the answer
  gate.set_value();
  EXPECT_EQ(answer.get_future().get().body, "stored after the gate");
  for (auto& t : late) t.join();
  EXPECT_EQ(answers.load(), 1);

  // Offloaded work runs on the given executor; its exceptions are answers with the field named.
  std::vector<std::thread> pool;
  auto offload = [&](std::function<void()> fn) { pool.emplace_back(std::move(fn)); };
  for (std::string body : {"ok", "fail"}) {
    r.path = "/api/v1/public/offload";
    r.body = body;
    std::promise<http::Response> p;
    f.router.dispatch_async(r, offload, [&](http::Response x) { p.set_value(std::move(x)); });
    auto got = p.get_future().get();
    if (body == "ok") {
      EXPECT_EQ(got.status, 200);
      EXPECT_EQ(got.body, "slow path");
    } else {
      EXPECT_EQ(got.status, 422);
      EXPECT_EQ(json::parse(got.body)["error"]["field"], "point");
    }
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(pool.size(), 2u);

  // Authentication, CSRF and node scope hold for asynchronous routes too.
  EXPECT_EQ(f.call("POST", "/api/v1/things/2/async").status, 401);
  EXPECT_EQ(RouterFixture::code(f.call("POST", "/api/v1/things/2/async", "tok-admin")), "csrf_failed");
  EXPECT_EQ(f.call("POST", "/api/v1/things/2/async", "tok-reader", "csrf-r").status, 403);
  EXPECT_EQ(f.call("POST", "/api/v1/things/3/async", "tok-admin", "csrf-a").status, 403);
  EXPECT_EQ(f.call("POST", "/api/v1/things/2/async", "tok-admin", "csrf-a").body, "changed later");
  // The public rate limit and the metrics count an asynchronous answer like any other.
  f.limiter.configure("public_write", {0.001, 1});
  r.path = "/api/v1/public/later";
  r.remote_ip = "8.8.8.8";
  EXPECT_EQ(f.router.dispatch(r).status, 201);
  EXPECT_EQ(f.router.dispatch(r).status, 429);
  for (auto& t : late) if (t.joinable()) t.join();
  auto metrics = f.metrics.render();
  EXPECT_NE(metrics.find("route=\"/api/v1/public/later\",status=\"201\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("route=\"/api/v1/public/gated\",status=\"201\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("route=\"/api/v1/public/later\",status=\"429\"} 1"), std::string::npos) << metrics;
}

TEST(Router, PublicRoutesAreRateLimitedPerAddress) {
  RouterFixture f;
  f.limiter.configure("public_write", {0.5, 2});
  EXPECT_EQ(f.call("POST", "/api/v1/public/things", "", "", "1.1.1.1").status, 200);
  EXPECT_EQ(f.call("POST", "/api/v1/public/things", "", "", "1.1.1.1").status, 200);
  auto r = f.call("POST", "/api/v1/public/things", "", "", "1.1.1.1");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(RouterFixture::code(r), "rate_limited");
  bool retry = false;
  for (auto& [k, v] : r.headers)
    if (k == "Retry-After") retry = v == "2";
  EXPECT_TRUE(retry);
  EXPECT_EQ(f.call("POST", "/api/v1/public/things", "", "", "2.2.2.2").status, 200);
  // Public routes need no CSRF token.
  EXPECT_EQ(f.call("POST", "/api/v1/public/things", "tok-admin", "", "3.3.3.3").status, 200);
  // Routes must declare their access.
  EXPECT_THROW(f.router.add("GET", "/x", "", [](http::Ctx&) { return http::Response(); }), std::logic_error);
}

TEST(Router, ScopePathsDropNestedGrants) {
  StubAuth auth;
  http::Request req;
  http::Ctx c(req, auth);
  http::Principal p;
  p.grants = {{1, "admin", 2, "/1/2/", ""}, {2, "admin", 5, "/1/2/5/", ""}, {3, "reader", 7, "/7/", ""},
              {4, "admin", 8, "/1/20/", ""}};
  c.user = p;
  EXPECT_EQ(c.scope_paths("thing.write"), (std::vector<std::string>{"/1/2/", "/1/20/"}));
  EXPECT_EQ(c.scope_paths("thing.read"), (std::vector<std::string>{"/1/2/", "/1/20/", "/7/"}));
  EXPECT_TRUE(c.can_path("thing.write", "/1/2/5/6/"));
  EXPECT_FALSE(c.can_path("thing.write", "/1/"));
  EXPECT_FALSE(c.can_path("thing.write", "/1/23/"));
  EXPECT_FALSE(c.can_path("other.perm", "/7/"));
  c.user.reset();
  EXPECT_TRUE(c.scope_paths("thing.read").empty());
  EXPECT_FALSE(c.can("thing.read"));
}
