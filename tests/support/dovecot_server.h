// DovecotTestServer: a real Dovecot (Debian's dovecot-imapd and dovecot-pop3d) on 127.0.0.1,
// started for one test from a temporary folder with its own configuration, a self-signed
// certificate and one user, and stopped when the object goes away. Messages are seeded and
// inspected with doveadm, as a mail administrator would.
//
// It runs as root (Dovecot switches to its own users); the folder holds base_dir, state_dir,
// the mail and the logs.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/temp_dir.h"

namespace rapport::testing {

class DovecotTestServer {
 public:
  DovecotTestServer(const std::string& user, const std::string& password);
  ~DovecotTestServer();
  DovecotTestServer(const DovecotTestServer&) = delete;
  DovecotTestServer& operator=(const DovecotTestServer&) = delete;

  bool ready() const { return ready_; }
  std::string why_not_ready() const;         // Dovecot's own log, for a failed start
  int imap_port() const { return imap_; }    // IMAP with STARTTLS
  int imaps_port() const { return imaps_; }  // IMAP over TLS
  int pop3_port() const { return pop3_; }    // POP3 with STLS
  int pop3s_port() const { return pop3s_; }  // POP3 over TLS
  std::string ca_file() const;               // the certificate to trust

  // Delivers `raw` into `folder` (created when missing). Returns false when doveadm failed.
  bool save(const std::string& raw, const std::string& folder = "INBOX");
  // "UID FLAGS" lines of every message in `folder`, as doveadm reports them.
  std::string flags(const std::string& folder = "INBOX");
  // Sets the folder's UIDVALIDITY, as a rebuilt mailbox would have.
  bool set_uidvalidity(const std::string& folder, unsigned value);
  // Expunges every message of `folder` (the server's side, not Rapport's).
  bool expunge_all(const std::string& folder = "INBOX");
  // Puts every file of the Maildir folder `cur` (a benchmark's corpus) into INBOX as they are,
  // hard-linked where it can, and has Dovecot index them. Returns how many, or -1.
  long seed_inbox(const std::string& cur);
  // Appends `raw` over IMAP with the given INTERNALDATE ("02-Jan-2025 10:00:00 +0000").
  bool append(const std::string& raw, const std::string& internal_date,
              const std::string& folder = "INBOX");

 private:
  void start();  // one attempt on four free ports; sets ready_ or leaves pid_ at -1
  std::string doveadm(const std::string& args, const std::string& input = {});

  TempDir dir_;
  std::string user_;
  std::string password_;
  pid_t pid_ = -1;
  int imap_ = 0, imaps_ = 0, pop3_ = 0, pop3s_ = 0;
  bool ready_ = false;
};

// A TCP relay on 127.0.0.1 to `target_port` that closes each connection once it has passed
// `cut_after` bytes from the server to the client: a connection dropped in the middle.
class CuttingProxy {
 public:
  CuttingProxy(int target_port, size_t cut_after);
  ~CuttingProxy();
  CuttingProxy(const CuttingProxy&) = delete;
  CuttingProxy& operator=(const CuttingProxy&) = delete;
  int port() const { return port_; }
  // Cuts connections made from now on after `bytes` (SIZE_MAX: never).
  void set_cut_after(size_t bytes);

 private:
  struct State;
  State* state_;
  int port_ = 0;
};

}  // namespace rapport::testing
