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
//
// Fetches are pipelined: up to fetches_in_flight UID FETCH commands are outstanding, so the
// server streams the next batches while this one is parsed and committed, and a distant
// server costs one round trip per pass rather than one per batch.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
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
  std::int64_t max_message_bytes = 16 * 1024 * 1024;
  bool sent = false;  // the creator's Sent folder
  // UID FETCH commands kept outstanding (1: one batch at a time, each waiting its round trip).
  size_t fetches_in_flight = 16;
};

struct ImapResponse;  // one untagged response with its literals (imap_source.cc)

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
  using OnUntagged = std::function<void(ImapResponse&)>;
  struct Fetch {
    std::string tag;
    std::vector<std::uint32_t> uids;  // ascending
  };

  Result<Batch> poll_connected(const std::string& cursor);
  Status connect();
  void disconnect();
  // Sends `cmd` with a new tag, which it returns.
  Result<std::string> send_command(const std::string& cmd);
  // Reads responses up to `tag`'s completion; each untagged one goes to `on_untagged`.
  Status read_until(const std::string& tag, const std::string& cmd, const OnUntagged& on_untagged);
  // Sends the FETCH of the next batches while fewer than fetches_in_flight are outstanding.
  Status send_fetches();
  // One FETCH response as a message of the folder, with its UID; nullopt for a response that
  // is not one (a flag update) or is for a UID not `asked` for (it is not parsed).
  std::optional<std::pair<std::uint32_t, Message>> message_of(
      const ImapResponse& u, const std::function<bool(std::uint32_t)>& asked,
      std::vector<std::string>& warnings);

  ImapOptions options_;
  std::string location_;  // imaps://host:port/folder
  std::unique_ptr<MailSession> session_;
  int tag_ = 0;
  std::uint64_t validity_ = 0;  // of the folder the session has open
  // FETCH commands sent and not yet read, oldest first.
  std::deque<Fetch> in_flight_;
  // Messages read and not yet returned, by UID, with their warnings: a server may answer
  // pipelined fetches interleaved, so some arrive before their batch's turn. Only UIDs asked
  // for are kept, once each: it holds at most what the fetches in flight asked for.
  std::map<std::uint32_t, std::pair<Message, std::vector<std::string>>> arrived_;
  // UIDs found by the last search and not yet returned, valid while the session is open and
  // the stored cursor is the one the last poll returned.
  std::deque<std::uint32_t> pending_;
  std::string pending_after_;  // the cursor pending_ follows
  std::int64_t pass_total_ = 0;  // messages this pass found to read, for progress
};

// A folder name as IMAP writes it: modified UTF-7 (RFC 3501 5.1.3), quoted.
std::string imap_quoted_folder(const std::string& utf8);

}  // namespace rapport::ingest
