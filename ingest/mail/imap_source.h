// ImapSource: one folder of an IMAP mailbox, read and never changed.
//
// The folder is opened with EXAMINE (read-only) and messages are fetched with BODY.PEEK[],
// so no flag changes, nothing moves and nothing is deleted. Cursor "UIDVALIDITY LAST_UID".
// The first poll reads the folder from `since` on (all of it without `since`); later polls
// read only UIDs above the last. A changed UIDVALIDITY reads the folder again, and natural
// keys keep that from storing anything twice. A poll returns at most `batch_size` messages
// with Batch::more set when more are waiting: each batch commits with its cursor, so an
// interrupted run resumes after the last committed message. The connection stays open
// between the batches of one pass and is closed when the folder has been read.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "ingest/mail/mail_session.h"
#include "ingest/source.h"

namespace rapport::ingest {

struct ImapOptions {
  std::string name;
  MailServer server;  // protocol "imap"
  std::string folder = "INBOX";
  std::optional<UnixTime> since;  // the first poll reads mail from this day on
  int batch_size = 200;
  std::int64_t max_message_bytes = 64 * 1024 * 1024;
  bool sent = false;  // the creator's Sent folder
};

class ImapSource final : public Source {
 public:
  explicit ImapSource(ImapOptions options);
  ~ImapSource() override;

  std::string_view kind() const override { return options_.sent ? "sent folder" : "imap"; }
  const std::string& name() const override { return options_.name; }
  const std::string& location() const override { return location_; }
  // Fails with kNetwork (retryable) when the server cannot be reached or the connection
  // drops, and kConfig when the login is refused or the folder does not exist.
  Result<Batch> poll(const std::string& cursor) override;

 private:
  Result<Batch> poll_connected(const std::string& cursor);
  Status connect();
  void disconnect();

  ImapOptions options_;
  std::string location_;  // imaps://host:port/folder
  std::unique_ptr<MailSession> session_;
  int tag_ = 0;
  // UIDs found by the last search and not yet returned, valid while the session is open and
  // the stored cursor is the one the last poll returned.
  std::deque<std::uint32_t> pending_;
  std::string pending_after_;  // the cursor pending_ follows
  std::int64_t pass_total_ = 0;  // messages this pass found to read, for progress
};

// A folder name as IMAP writes it: modified UTF-7 (RFC 3501 5.1.3), quoted.
std::string imap_quoted_folder(const std::string& utf8);

}  // namespace rapport::ingest
