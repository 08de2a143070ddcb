// The one test binary. Dates in rendered output are local time; the tests fix it to UTC.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "ingest/feed/http_client.h"

int main(int argc, char** argv) {
  setenv("TZ", "UTC", 1);
  // Test servers live on loopback; a proxy from the environment must never see them.
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  tzset();
  rapport::ingest::global_http_init();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
