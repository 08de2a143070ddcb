#include "store/postgres.h"

#include <libpq-fe.h>

#include <cassert>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rapport::postgres {
namespace {

constexpr Oid kUnknownOid = 0;
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

bool starts_with_word(std::string_view s, size_t at, std::string_view word) {
  if (s.size() - at < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
  }
  size_t end = at + word.size();
  return end == s.size() || !(std::isalnum(static_cast<unsigned char>(s[end])) || s[end] == '_');
}

// Whether `text` is UTF-8 PostgreSQL accepts: well formed, no NUL.
bool valid_text(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c >= 0x01 && c < 0x80) {
      ++p;
      continue;
    }
    int n = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1;
    if (n < 0 || c > 0xF4 || end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    if (c == 0xE0 && p[1] < 0xA0) return false;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return false;  // a surrogate
    if (c == 0xF0 && p[1] < 0x90) return false;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return false;  // past U+10FFFF
    p += n + 1;
  }
  return true;
}

// `text` with each byte PostgreSQL would refuse (a NUL, a byte of no UTF-8 character) as
// U+FFFD, as SQLite would have kept the rest.
std::string repaired(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 1;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c != 0 && i + len <= text.size() && valid_text(text.substr(i, len))) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string trimmed_message(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.rfind("ERROR:  ", 0) == 0) s.erase(0, 8);
  // One line, as every error of Rapport's is: libpq continues a message on "\n\t" lines
  // ("Is the server running on that host …?"), and the server adds DETAIL and HINT lines.
  std::string line;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\n') {
      line += s[i] == '\t' ? ' ' : s[i];
    } else if (i + 1 < s.size() && s[i + 1] == '\t') {
      line += ' ';
      ++i;
    } else {
      line += "; ";
    }
  }
  return line;
}

class PgConnection;

// A statement's parameters as libpq takes them.
struct Wire {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

class PgStatement final : public db::StatementImpl {
 public:
  PgStatement(PgConnection* conn, std::string sql, int params)
      : conn_(conn),
        sql_(std::make_shared<const std::string>(std::move(sql))),
        params_(static_cast<size_t>(params)) {}
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;
  ~PgStatement() override { PQclear(result_); }

  void bind_int64(int index, std::int64_t value) override {
    Param& p = param(index);
    p.type = kInt8Oid;
    p.owned = std::to_string(value);
    p.view = p.owned;
  }
  void bind_real(int index, double value) override {
    Param& p = param(index);
    p.type = kFloat8Oid;
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%.17g", value);
    p.owned.assign(buf, static_cast<size_t>(n));
    p.view = p.owned;
  }
  void bind_text(int index, std::string_view text, bool copy) override {
    Param& p = param(index);
    p.type = kTextOid;
    if (!valid_text(text)) {
      p.owned = repaired(text);
      p.view = p.owned;
    } else if (copy) {
      p.owned.assign(text);
      p.view = p.owned;
    } else {
      p.owned.clear();
      p.view = text;
    }
  }
  void bind_null(int index) override {
    Param& p = param(index);
    p.type = kUnknownOid;
    p.null = true;
  }
  Result<bool> step() override;
  Status send(std::string_view doing) override;
  void reset() override {
    PQclear(result_);
    result_ = nullptr;
    row_ = -1;
    rows_ = 0;
    for (Param& p : params_) p = Param{};
  }
  int column_count() const override { return result_ ? PQnfields(result_) : 0; }
  bool is_null(int column) const override { return PQgetisnull(result_, row_, column) == 1; }
  db::Kind kind(int column) const override {
    if (is_null(column)) return db::Kind::kNull;
    switch (PQftype(result_, column)) {
      case kBoolOid:
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid: return db::Kind::kInteger;
      case kFloat8Oid:
      case kFloat4Oid: return db::Kind::kReal;
      default: return db::Kind::kText;
    }
  }
  std::int64_t int64(int column) const override {
    const char* v = PQgetvalue(result_, row_, column);
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean
    if (v[0] == 'f' && v[1] == '\0') return 0;
    std::int64_t out = 0;
    const char* end = v + PQgetlength(result_, row_, column);
    auto [ptr, ec] = std::from_chars(v, end, out);
    if (ec == std::errc() && ptr != end && *ptr == '.')
      return static_cast<std::int64_t>(real(column));
    return out;
  }
  double real(int column) const override {
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
  }
  std::string text(int column) const override {
    if (PQftype(result_, column) == kBoolOid) return int64(column) ? "1" : "0";
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }

 private:
  struct Param {
    Oid type = kUnknownOid;
    bool null = true;
    std::string owned;
    std::string_view view;
  };
  // The server's name of this statement for the types bound now, prepared when new.
  Result<std::string> prepared_name();
  // The parameters as libpq takes them; valid until the next bind or reset.
  Wire wire() const;

  Param& param(int index) {
    assert(index >= 1 && static_cast<size_t>(index) <= params_.size());
    Param& p = params_[static_cast<size_t>(index - 1)];
    p.null = false;
    return p;
  }

  PgConnection* conn_;
  // Shared with the connection's list of statements sent on, for their errors.
  std::shared_ptr<const std::string> sql_;
  std::vector<Param> params_;
  // The server's name of this statement for each signature of parameter types.
  std::unordered_map<std::string, std::string> prepared_;
  std::uint64_t generation_ = 0;  // of the connection prepared_ belongs to
  PGresult* result_ = nullptr;
  int row_ = -1;
  int rows_ = 0;
};

class PgConnection final : public db::ConnectionImpl {
 public:
  PgConnection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() override { PQfinish(conn_); }

  db::Backend backend() const override { return db::Backend::kPostgres; }
  Status exec(std::string_view sql) override {
    if (pipelined()) {
      // What was sent on is read first; after a failure there, only a ROLLBACK still runs.
      auto settled = finish(false);
      if (!settled && sql != "ROLLBACK") return settled.error();
    }
    if (auto s = ensure_connected(); !s) return s;
    PGresult* r = PQexec(conn_, std::string(sql).c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      Error e = error(r, "sql failed");
      PQclear(r);
      return e;
    }
    changes_ = std::atoi(PQcmdTuples(r));
    PQclear(r);
    return {};
  }
  Result<std::unique_ptr<db::StatementImpl>> prepare(std::string_view sql) override {
    std::string pg = translate(sql);
    int params = 0;
    for (size_t at = pg.find('$'); at != std::string::npos; at = pg.find('$', at + 1)) {
      int n = 0;
      size_t i = at + 1;
      while (i < pg.size() && std::isdigit(static_cast<unsigned char>(pg[i]))) {
        n = n * 10 + (pg[i++] - '0');
      }
      params = std::max(params, n);
    }
    return std::unique_ptr<db::StatementImpl>(new PgStatement(this, std::move(pg), params));
  }
  std::string_view begin_sql() const override { return "BEGIN"; }
  int changes() const override { return changes_; }
  bool in_transaction() const override { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  const std::string& where() const override { return where_; }

  PGconn* handle() { return conn_; }
  // Which connection to the server this is: it changes when a lost one is made again, and
  // every statement prepared on the old one is prepared again.
  std::uint64_t generation() const { return generation_; }

  // A connection the server dropped (it restarted, a network cut) is made again before the
  // next statement. The statement that found it dropped failed (Retry::kYes), and with it the
  // transaction it was part of, whose work went with the old connection: the store gives up
  // that work at the first error, so nothing of it runs on the new connection.
  Status ensure_connected() {
    if (PQstatus(conn_) == CONNECTION_OK) return {};
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return error(nullptr, "cannot connect again");
    ++generation_;
    deferred_.clear();  // went with the old connection, and its transaction
    PGresult* r = PQexec(conn_, "SET client_encoding = 'UTF8'");
    PQclear(r);
    return {};
  }
  void set_changes(int n) { changes_ = n; }

  // Statements sent on without waiting (Statement::run_deferred), in libpq's pipeline mode:
  // their results are read all at once by finish(), when a statement's result is wanted (its
  // rows, or an exec) — one round trip to the server for all of them.
  bool pipelined() const { return !deferred_.empty(); }
  // Sends a statement on. `last`: the one whose result finish(true) returns next; else one to
  // read at the next finish().
  Status send(const std::string& name, int count, const Wire& w,
              const std::shared_ptr<const std::string>& sql, bool last = false,
              std::string_view doing = {}) {
    if (!pipelined() && PQenterPipelineMode(conn_) != 1) {
      return error(nullptr, "cannot send statements on");
    }
    if (PQsendQueryPrepared(conn_, name.c_str(), count, w.values.data(), w.lengths.data(),
                            w.formats.data(), 0) != 1) {
      Error e = error(nullptr, "sql failed");
      abandon_pipeline();
      return e;
    }
    if (last) return {};
    deferred_.push_back({sql, std::string(doing)});
    // Read now and then: the server's answers must never fill the socket while it is written.
    constexpr size_t kMostDeferred = 500;
    if (deferred_.size() >= kMostDeferred) {
      auto r = finish(false);
      if (!r) return r.error();
    }
    return {};
  }
  // Ends the pipeline: reads the result of every statement sent on, then — with_last — the one
  // of the statement sent just before this call, which is returned (the caller clears it).
  // Fails with the first statement that failed (those after it were not run).
  Result<PGresult*> finish(bool with_last) {
    if (PQpipelineSync(conn_) != 1) {
      Error e = error(nullptr, "sql failed");
      abandon_pipeline();
      return e;
    }
    std::optional<Error> failed;
    PGresult* last = nullptr;
    size_t query = 0;  // whose results are being read: each query's end with a null
    for (int nulls = 0;;) {
      PGresult* r = PQgetResult(conn_);
      if (!r) {
        if (PQstatus(conn_) == CONNECTION_BAD || ++nulls > 1) {
          if (!failed) failed = error(nullptr, "sql failed");
          break;
        }
        ++query;
        continue;
      }
      nulls = 0;
      ExecStatusType status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        break;
      }
      if (query < deferred_.size()) {
        if (status == PGRES_FATAL_ERROR && !failed) {
          const Deferred& d = deferred_[query];
          failed = error(r, d.doing.empty() ? "sql failed" : d.doing + ": sql failed");
          if (failed->hint.empty()) failed->hint = "while running: " + *d.sql;
        }
        PQclear(r);
      } else if (with_last && query == deferred_.size() && !last) {
        last = r;
      } else {
        PQclear(r);
      }
    }
    deferred_.clear();
    if (PQexitPipelineMode(conn_) != 1 && !failed) failed = error(nullptr, "sql failed");
    if (failed) {
      PQclear(last);
      return *failed;
    }
    if (with_last && !last) return error(nullptr, "sql failed: no result");
    return last;
  }
  std::string next_name() { return "r" + std::to_string(++statements_); }

  // An Error for a failed result (or the connection, when `r` is null).
  Error error(const PGresult* r, std::string_view doing) const {
    std::string what = trimmed_message(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (what.empty()) what = trimmed_message(PQerrorMessage(conn_));
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    // Serialization failures, deadlocks, a lock not available, the server going away: running
    // the same work again can succeed.
    // A unique key another transaction took in the meantime (23505) too: run again, the
    // work finds the row that is there now.
    bool transient = code == "40001" || code == "40P01" || code == "55P03" || code == "23505" ||
                     code.rfind("08", 0) == 0 || code.rfind("57P", 0) == 0 ||
                     PQstatus(conn_) == CONNECTION_BAD;
    std::string hint;
    if (code == "53100") hint = "the database server's disk is full";
    if (PQstatus(conn_) == CONNECTION_BAD) hint = "the connection to the database server was lost";
    return make_error(ErrorCode::kDatabase, std::string(doing) + ": " + what, where_, hint,
                      transient ? Retry::kYes : Retry::kNo);
  }

 private:
  PGconn* conn_;
  std::string where_;
  int changes_ = 0;
  std::int64_t statements_ = 0;
  std::uint64_t generation_ = 0;
  struct Deferred {
    std::shared_ptr<const std::string> sql;  // for errors
    std::string doing;  // what it was part of ("storing message …")
  };
  std::vector<Deferred> deferred_;  // each statement sent on, whose result is not read yet

  // After a failure to send: whatever was sent is lost with the transaction it was part of.
  void abandon_pipeline() {
    deferred_.clear();
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    (void)PQexitPipelineMode(conn_);
  }
};

Result<std::string> PgStatement::prepared_name() {
  if (conn_->pipelined() && PQstatus(conn_->handle()) != CONNECTION_OK) {
    auto settled = conn_->finish(false);  // fails: the transaction is lost
    if (!settled) return settled.error();
  }
  if (auto s = conn_->ensure_connected(); !s) return s.error();
  if (generation_ != conn_->generation()) {
    prepared_.clear();  // those names went with the old connection
    generation_ = conn_->generation();
  }
  std::string signature;
  signature.reserve(params_.size());
  for (const Param& p : params_) {
    signature += p.null ? 'n' : p.type == kInt8Oid ? 'i' : p.type == kFloat8Oid ? 'd' : 't';
  }
  auto found = prepared_.find(signature);
  if (found != prepared_.end()) return found->second;
  if (conn_->pipelined()) {  // a prepare waits for its answer: what was sent on is read first
    auto settled = conn_->finish(false);
    if (!settled) return settled.error();
  }
  std::vector<Oid> types;
  for (const Param& p : params_) types.push_back(p.null ? kUnknownOid : p.type);
  std::string name = conn_->next_name();
  PGresult* r = PQprepare(conn_->handle(), name.c_str(), sql_->c_str(),
                          static_cast<int>(types.size()), types.data());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    Error e = conn_->error(r, "cannot prepare statement");
    e.hint = e.hint.empty() ? "while preparing: " + *sql_ : e.hint;
    PQclear(r);
    return e;
  }
  PQclear(r);
  return prepared_.emplace(signature, std::move(name)).first->second;
}

Wire PgStatement::wire() const {
  Wire w;
  w.formats.assign(params_.size(), 0);
  for (const Param& p : params_) {
    w.values.push_back(p.null ? nullptr : p.view.data() ? p.view.data() : "");
    w.lengths.push_back(static_cast<int>(p.view.size()));
  }
  return w;
}

Status PgStatement::send(std::string_view doing) {
  auto name = prepared_name();
  if (!name) {
    reset();
    return name.error();
  }
  Status sent = conn_->send(*name, static_cast<int>(params_.size()), wire(), sql_, false, doing);
  reset();
  return sent;
}

Result<bool> PgStatement::step() {
  if (!result_) {
    auto name = prepared_name();
    if (!name) return name.error();
    const Wire w = wire();
    if (conn_->pipelined()) {
      // Sent after what waits in the pipeline, and read with it: one round trip for all.
      if (auto s = conn_->send(*name, static_cast<int>(params_.size()), w, sql_, true); !s) {
        return s.error();
      }
      auto last = conn_->finish(true);
      if (!last) return last.error();
      result_ = *last;
    }
    if (!result_) {
      result_ = PQexecPrepared(conn_->handle(), name->c_str(), static_cast<int>(params_.size()),
                               w.values.data(), w.lengths.data(), w.formats.data(), 0);
    }
    auto status = PQresultStatus(result_);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      Error e = conn_->error(result_, "sql failed");
      if (e.hint.empty()) e.hint = "while running: " + *sql_;
      PQclear(result_);
      result_ = nullptr;
      return e;
    }
    rows_ = status == PGRES_TUPLES_OK ? PQntuples(result_) : 0;
    conn_->set_changes(std::atoi(PQcmdTuples(result_)));
    row_ = -1;
  }
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  return true;
}

// Whether the last word of `out` (before spaces) is `word`, in any case.
bool previous_word_is(const std::string& out, std::string_view word) {
  size_t end = out.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(out[end - 1]))) --end;
  if (end < word.size()) return false;
  size_t begin = end - word.size();
  if (begin > 0 && (std::isalnum(static_cast<unsigned char>(out[begin - 1])) || out[begin - 1] == '_'))
    return false;
  return starts_with_word(out, begin, word);
}

// Whether a name follows `at` (a subquery's alias), rather than the next clause.
bool named_next(std::string_view sql, size_t at) {
  while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
  if (at == sql.size() || !(std::isalpha(static_cast<unsigned char>(sql[at])) || sql[at] == '_' ||
                            sql[at] == '"')) {
    return false;
  }
  for (std::string_view clause : {"WHERE", "GROUP", "ORDER", "LIMIT", "JOIN", "LEFT", "INNER",
                                  "CROSS", "UNION", "HAVING", "WINDOW", "ON", "EXCEPT",
                                  "INTERSECT", "OFFSET", "RETURNING"}) {
    if (starts_with_word(sql, at, clause)) return false;
  }
  return true;
}

bool loopback_host(const std::string& host) {
  return host.empty() || host[0] == '/' || host == "localhost" || host == "127.0.0.1" ||
         host == "::1";
}

void quiet_notices(void*, const char*) {}

}  // namespace

std::string translate(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 32);
  bool ignore = false;
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  if (starts_with_word(sql, i, "INSERT")) {
    size_t j = i + 6;
    while (j < sql.size() && std::isspace(static_cast<unsigned char>(sql[j]))) ++j;
    if (starts_with_word(sql, j, "OR")) {
      size_t k = j + 2;
      while (k < sql.size() && std::isspace(static_cast<unsigned char>(sql[k]))) ++k;
      if (starts_with_word(sql, k, "IGNORE")) {
        ignore = true;
        out.assign(sql.substr(0, i));
        out += "INSERT";
        i = k + 6;
      }
    }
  }
  int next_param = 0;
  std::vector<int> derived;  // depths of the open subqueries in FROM or JOIN
  int derived_names = 0;
  size_t returning = std::string::npos;  // where a top-level RETURNING begins in `out`
  int depth = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '\'' || c == '"') {  // a string or a quoted name, copied as it is
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;
            continue;
          }
          break;
        }
        ++end;
      }
      out.append(sql.substr(i, end + 1 - i));
      i = end + 1;
      continue;
    }
    if (c == '?') {
      size_t j = i + 1;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      out += '$';
      if (j == i + 1) {
        out += std::to_string(++next_param);
      } else {
        out.append(sql.substr(i + 1, j - i - 1));
      }
      i = j;
      continue;
    }
    // SQLite's char(N) is PostgreSQL's chr(N) (char is a type there).
    if ((c == 'c' || c == 'C') &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_')) &&
        starts_with_word(sql, i, "CHAR") && i + 4 < sql.size() && sql[i + 4] == '(') {
      out += "chr";
      i += 4;
      continue;
    }
    if (c == '(') {
      ++depth;
      if (previous_word_is(out, "FROM") || previous_word_is(out, "JOIN")) {
        derived.push_back(depth);
      }
    }
    if (c == ')') {
      const bool closes_derived = !derived.empty() && derived.back() == depth;
      --depth;
      if (closes_derived) {
        derived.pop_back();
        out += c;
        ++i;
        // SQLite lets a subquery in FROM go unnamed; PostgreSQL 15 wants a name.
        if (!named_next(sql, i)) out += " AS derived" + std::to_string(++derived_names);
        continue;
      }
    }
    if (ignore && depth == 0 && returning == std::string::npos &&
        (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_')) &&
        starts_with_word(sql, i, "RETURNING")) {
      returning = out.size();
    }
    out += c;
    ++i;
  }
  if (ignore) {
    if (returning != std::string::npos) {
      out.insert(returning, "ON CONFLICT DO NOTHING ");
    } else {
      while (!out.empty() &&
             (std::isspace(static_cast<unsigned char>(out.back())) || out.back() == ';')) {
        out.pop_back();
      }
      out += " ON CONFLICT DO NOTHING";
    }
  }
  return out;
}

std::string redacted(const std::string& url) {
  std::string out = url;
  // postgresql://user:secret@host → postgresql://user@host
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t at = out.find('@', start);
    size_t slash = out.find('/', start);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
    }
  }
  // …?password=secret&… → …?…
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=")) {
    size_t begin = p;
    if (begin > 0 && (out[begin - 1] == '&' || out[begin - 1] == '?')) --begin;
    size_t end = out.find('&', p);
    bool first = out[begin] == '?';
    out.erase(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (first && begin < out.size() && out[begin] == '&') out[begin] = '?';
  }
  return out;
}

Result<db::Database> open(const ConnectOptions& options) {
  const std::string where = redacted(options.url);
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(options.url.c_str(), &parse_error);
  if (!parsed) {
    std::string what = trimmed_message(parse_error);
    PQfreemem(parse_error);
    return make_error(ErrorCode::kConfig, "cannot read the database URL: " + what, where,
                      "write it as postgresql://USER@HOST:PORT/DATABASE");
  }
  std::string host, sslmode;
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (std::strcmp(o->keyword, "host") == 0 && o->val) host = o->val;
    if (std::strcmp(o->keyword, "sslmode") == 0 && o->val) sslmode = o->val;
  }
  PQconninfoFree(parsed);

  std::vector<const char*> keys{"dbname", "application_name", "connect_timeout"};
  std::string timeout = std::to_string(options.connect_timeout_seconds);
  std::vector<const char*> values{options.url.c_str(), options.application_name.c_str(),
                                  timeout.c_str()};
  std::string server_options;
  if (!options.search_path.empty()) {
    // Set by the server at every connection, the ones libpq makes again after a loss too.
    server_options = "-c search_path=" + options.search_path;
    keys.push_back("options");
    values.push_back(server_options.c_str());
  }
  if (!options.password.empty()) {
    keys.push_back("password");
    values.push_back(options.password.c_str());
  }
  if (sslmode.empty() && !loopback_host(host)) {
    keys.push_back("sslmode");
    values.push_back("verify-full");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!conn) {
    return make_error(ErrorCode::kDatabase, "cannot connect: out of memory", where);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string what = trimmed_message(PQerrorMessage(conn));
    PQfinish(conn);
    std::string hint = "check that the server runs and accepts this user from this machine";
    if (what.find("password authentication failed") != std::string::npos ||
        what.find("no password supplied") != std::string::npos) {
      hint = "check [store] password_env or password_file";
    } else if (what.find("certificate") != std::string::npos ||
               what.find("SSL") != std::string::npos) {
      hint =
          "the server's certificate could not be verified: give its authority with "
          "sslrootcert=FILE in the URL";
    }
    return make_error(ErrorCode::kDatabase, "cannot connect: " + what, where, hint, Retry::kYes);
  }
  PQsetNoticeProcessor(conn, quiet_notices, nullptr);
  db::Database db(std::make_unique<PgConnection>(conn, where));
  if (auto s = db.exec("SET client_encoding = 'UTF8'"); !s) return s.error();
  return db;
}

}  // namespace rapport::postgres
