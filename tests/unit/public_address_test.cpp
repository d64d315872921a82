// The QR public address (feedback/public_address.hpp): which hosts phones outside the hospital
// network cannot reach, how the bureau's setting is normalised and refused, and which source
// wins (configuration, then the stored setting, then the request's Host header) on each database.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "feedback/public_address.hpp"
#include "support/testing.hpp"

using namespace manyi;
using namespace manyi::feedback;

TEST(PublicAddress, LocalAndIntranetHostsArePrivate) {
  for (const char* u : {"http://localhost:8080", "http://127.0.0.1:8080", "http://10.2.3.4", "http://172.16.0.9",
                        "http://172.31.255.1", "http://192.168.1.5:8080/manyi", "http://169.254.1.1", "http://[::1]:8080",
                        "http://[fd12::1]", "http://manyi-server", "http://manyi.local", "http://app.internal", "http://0.0.0.0"})
    EXPECT_TRUE(private_address(u)) << u;
  for (const char* u : {"https://manyi.example.gov.cn", "http://172.32.0.1", "http://8.8.8.8:8080", "https://[2001:db8::1]",
                        "https://wjw.city.gov.cn/manyi"})
    EXPECT_FALSE(private_address(u)) << u;
}

TEST(PublicAddress, SettingIsNormalisedOrRefusedNamingTheField) {
  EXPECT_EQ(normalise_public_url("  https://manyi.example.gov.cn/ "), "https://manyi.example.gov.cn");
  EXPECT_EQ(normalise_public_url("http://10.0.0.5:8080/manyi//"), "http://10.0.0.5:8080/manyi");
  for (const char* bad : {"manyi.example.gov.cn", "ftp://x.cn", "https://", "https://a b.cn", "https://x.cn/?q=1", "javascript:alert(1)"}) {
    try {
      normalise_public_url(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), 422) << bad;
      EXPECT_EQ(e.field(), "url") << bad;
    }
  }
}

class PublicAddressDb : public ::testing::TestWithParam<std::string> {};

TEST_P(PublicAddressDb, ConfigThenSettingThenHostHeader) {
  manyi::testing::TempDb tmp(GetParam());
  auto db = tmp.open_migrated();
  http::Request req;
  req.headers["host"] = "127.0.0.1:8080";
  auto a = resolve_public_address(*db, "", req);
  EXPECT_EQ(a.url, "http://127.0.0.1:8080");
  EXPECT_EQ(a.source, "request");
  EXPECT_EQ(a.warning, "not_set");
  audit::Actor who{0, "test", "127.0.0.1"};
  set_public_url(*db, who, "https://manyi.example.gov.cn");
  a = resolve_public_address(*db, "", req);
  EXPECT_EQ(a.url, "https://manyi.example.gov.cn");
  EXPECT_EQ(a.source, "setting");
  EXPECT_EQ(a.warning, "");
  set_public_url(*db, who, "http://192.168.0.10");  // replaced, not added
  a = resolve_public_address(*db, "https://override.example.cn", req);
  EXPECT_EQ(a.source, "config");
  EXPECT_EQ(a.url, "https://override.example.cn");
  EXPECT_EQ(a.stored, "http://192.168.0.10");
  EXPECT_EQ(resolve_public_address(*db, "", req).warning, "private");
  set_public_url(*db, who, "");
  EXPECT_EQ(resolve_public_address(*db, "", req).source, "request");
}

INSTANTIATE_TEST_SUITE_P(Db, PublicAddressDb, ::testing::ValuesIn(manyi::testing::backends()), manyi::testing::backend_name);
