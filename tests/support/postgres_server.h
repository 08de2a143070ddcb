// PostgresTestServer: a real PostgreSQL 15 (Debian's postgresql-15) on 127.0.0.1, started for
// one test from a temporary folder and stopped when the object goes away. Nothing is mocked.
//
// PostgreSQL refuses to run as root: when the tests run as root, the server runs as the
// `postgres` user the package creates. The cluster is made by initdb once per machine (a
// template under the temp folder, made under a lock) and copied for each server, as initdb
// takes seconds and a copy a tenth of one. One superuser, `rapport`, with a password;
// connections over TCP must give it (scram-sha-256). The server also speaks TLS with a
// certificate for 127.0.0.1, so sslmode=verify-full can be tested.
#pragma once

#include <string>

#include "tests/support/temp_dir.h"

namespace rapport::testing {

class PostgresTestServer {
 public:
  PostgresTestServer();
  ~PostgresTestServer();
  PostgresTestServer(const PostgresTestServer&) = delete;
  PostgresTestServer& operator=(const PostgresTestServer&) = delete;

  bool ready() const { return ready_; }
  std::string why_not_ready() const;  // what initdb and the server logged
  int port() const { return port_; }
  // "postgresql://rapport@127.0.0.1:PORT/DATABASE": the password is password(), not in it.
  std::string url(const std::string& database = "postgres") const;
  static std::string user() { return "rapport"; }
  static std::string password() { return "ledger-of-listeners-7"; }
  std::string ca_file() const;  // the certificate to trust for sslmode=verify-full

  // Creates a database; false when psql failed.
  bool create_database(const std::string& name);
  // Runs `sql` with psql and returns what it printed (unaligned, tuples only), or "ERROR …".
  std::string psql(const std::string& sql, const std::string& database = "postgres");
  // Stops the server at once, as a crashed machine would (every connection cut).
  void kill_now();
  // Starts it again on the same port, with everything it had (after kill_now).
  bool restart();

 private:
  bool start(int port = 0);  // on `port`, or on a free one
  std::string as_server_user(const std::string& command) const;

  TempDir dir_;
  int port_ = 0;
  bool ready_ = false;
  bool running_ = false;
};

}  // namespace rapport::testing
