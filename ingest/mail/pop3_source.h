// Pop3Source: a POP3 mailbox, read and never changed.
//
// Messages are known by their UIDL; the cursor is the set of UIDLs already read that are
// still on the server. Nothing is ever deleted (no DELE). Messages are read with TOP n <all
// lines> where the server offers TOP, since some servers (Dovecot among them) mark a message
// \Seen for their IMAP side on RETR; RETR is the fallback. A poll returns at most
// `batch_size` messages with Batch::more set when more are waiting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ingest/mail/mail_session.h"
#include "ingest/source.h"

namespace rapport::ingest {

struct Pop3Options {
  std::string name;
  MailServer server;  // protocol "pop3"
  int batch_size = 200;
  std::int64_t max_message_bytes = 16 * 1024 * 1024;
  bool sent = false;
};

class Pop3Source final : public Source {
 public:
  explicit Pop3Source(Pop3Options options);
  ~Pop3Source() override;

  std::string_view kind() const override { return options_.sent ? "sent folder" : "pop3"; }
  const std::string& name() const override { return options_.name; }
  const std::string& location() const override { return location_; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  Result<Batch> poll_connected(const std::string& cursor);
  void disconnect();

  Pop3Options options_;
  std::string location_;
  std::unique_ptr<MailSession> session_;
  bool has_top_ = false;
  // (message number, UIDL) of what the last listing found and the last poll did not return;
  // valid while the session is open and the cursor is the one the last poll returned.
  std::vector<std::pair<int, std::string>> pending_;
  std::string pending_after_;
  std::int64_t pass_total_ = 0;  // messages this pass found to read, for progress
};

}  // namespace rapport::ingest
