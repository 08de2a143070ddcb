#include "ingest/mail/pop3_source.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>

#include "core/text.h"
#include "ingest/mail/mail_parser.h"

namespace rapport::ingest {
namespace {

// The cursor: one UIDL per line, sorted.
std::set<std::string> read_cursor(const std::string& cursor) {
  std::set<std::string> out;
  std::istringstream in(cursor);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

}  // namespace

Pop3Source::Pop3Source(Pop3Options options) : options_(std::move(options)) {
  location_ = std::string(options_.server.security == "tls" ? "pop3s" : "pop3") + "://" +
              options_.server.host + ":" + std::to_string(options_.server.port);
}

Pop3Source::~Pop3Source() { disconnect(); }

void Pop3Source::disconnect() {
  // QUIT without DELE deletes nothing.
  if (session_) (void)session_->send("QUIT\r\n");
  session_.reset();
  pending_.clear();
  pending_after_.clear();
}

Result<Batch> Pop3Source::poll(const std::string& cursor) {
  Result<Batch> batch = poll_connected(cursor);
  if (!batch || !batch->more) disconnect();
  return batch;
}

Result<Batch> Pop3Source::poll_connected(const std::string& cursor) {
  // A command and its status line; "-ERR" is an error naming the command.
  auto command = [&](const std::string& cmd) -> Status {
    if (auto s = session_->send(cmd + "\r\n"); !s) return s;
    auto line = session_->read_line();
    if (!line) return line.error();
    if (line->rfind("+OK", 0) == 0) return {};
    return make_error(ErrorCode::kNetwork,
                      "the server answered " + cmd.substr(0, cmd.find(' ')) + " with: " + *line,
                      location_, "", Retry::kYes);
  };
  // The lines of a multi-line answer up to the "." line, dot-unstuffed, into `out` (at most
  // `keep` bytes kept; the rest is read and dropped). Returns whether anything was dropped.
  auto multiline = [&](std::string& out, size_t keep, bool& cut) -> Status {
    cut = false;
    for (;;) {
      auto line = session_->read_line(64 << 20);
      if (!line) return line.error();
      if (*line == ".") return {};
      std::string_view l(*line);
      if (!l.empty() && l.front() == '.') l.remove_prefix(1);
      if (out.size() + l.size() + 2 > keep) {
        cut = true;
        continue;
      }
      out.append(l);
      out += "\r\n";
    }
  };

  std::set<std::string> seen = read_cursor(cursor);
  Batch batch;
  bool continuing = session_ && !pending_after_.empty() && cursor == pending_after_;
  if (!continuing) {
    disconnect();
    auto session = MailSession::open(options_.server);
    if (!session) return session.error();
    session_ = std::move(*session);
    // CAPA tells whether TOP is there; a server without CAPA answers -ERR.
    has_top_ = false;
    if (command("CAPA")) {
      std::string caps;
      bool cut = false;
      if (auto s = multiline(caps, 64 * 1024, cut); !s) return s.error();
      for (const auto& l : split_lines(caps)) has_top_ |= iequals(trim(l), "TOP");
    }
    if (auto s = command("UIDL"); !s) {
      Error e = s.error();
      e.hint = "the server must support UIDL for Rapport to know which messages it has read";
      return e;
    }
    std::string listing;
    bool cut = false;
    if (auto s = multiline(listing, 256 << 20, cut); !s) return s.error();
    std::set<std::string> on_server;
    pending_.clear();
    for (const auto& l : split_lines(listing)) {
      std::istringstream in{std::string(l)};
      int number = 0;
      std::string uidl;
      if (!(in >> number >> uidl)) continue;
      on_server.insert(uidl);
      if (!seen.count(uidl)) pending_.emplace_back(number, uidl);
    }
    pass_total_ = static_cast<std::int64_t>(pending_.size());
    // What is no longer on the server need not be remembered.
    std::erase_if(seen, [&](const std::string& u) { return !on_server.count(u); });
  }

  size_t take = std::min(pending_.size(), static_cast<size_t>(options_.batch_size));
  for (size_t i = 0; i < take; ++i) {
    const auto& [number, uidl] = pending_[i];
    std::string cmd = has_top_ ? "TOP " + std::to_string(number) + " 2000000000"
                               : "RETR " + std::to_string(number);
    if (auto s = command(cmd); !s) {
      // The message went away since the listing (another client deleted it): nothing to read.
      batch.warnings.push_back("message " + uidl + " could not be read: " + s.error().what);
      seen.insert(uidl);
      continue;
    }
    std::string raw;
    bool cut = false;
    if (auto s = multiline(raw, static_cast<size_t>(options_.max_message_bytes), cut); !s) {
      return s.error();
    }
    Message m = parse_mail(raw, std::time(nullptr));
    m.source_ref = uidl;
    m.outgoing = options_.sent;
    if (cut) {
      m.warnings.push_back("larger than " + std::to_string(options_.max_message_bytes) +
                           " bytes; only the beginning was read");
    }
    for (const auto& w : m.warnings) batch.warnings.push_back(uidl + ": " + w);
    batch.messages.push_back(std::move(m));
    seen.insert(uidl);
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(take));
  for (const auto& u : seen) batch.cursor += u + "\n";
  batch.more = !pending_.empty();
  batch.progress = {pass_total_ - static_cast<std::int64_t>(pending_.size()), pass_total_,
                    Progress::Unit::kMessages};
  pending_after_ = batch.more ? batch.cursor : std::string();
  return batch;
}

}  // namespace rapport::ingest
