#include "config/audit.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/text.h"

namespace rapport::config {
namespace fs = std::filesystem;
namespace {

class Auditor {
 public:
  Auditor(const toml::table& root, const std::string& path, std::vector<Error>& errors,
          std::vector<Error>& warnings)
      : root_(root), path_(path), errors_(errors), warnings_(warnings) {}

  // The table of [[name]] number `i`, or of [name] when i < 0.
  const toml::table* table(const char* name, int i = -1) const {
    const toml::node* n = root_.get(name);
    if (!n) return nullptr;
    if (i < 0) return n->as_table();
    const toml::array* a = n->as_array();
    if (!a || static_cast<size_t>(i) >= a->size()) return nullptr;
    return (*a)[static_cast<size_t>(i)].as_table();
  }

  void problem(bool warning, const toml::table* t, const char* key, std::string what,
               std::string hint) {
    toml::source_position at{1, 1};
    if (t) {
      const toml::node* n = t->get(key);
      at = n ? n->source().begin : t->source().begin;
    }
    std::string where = printable(path_, 4096) + ":" + std::to_string(at.line ? at.line : 1) +
                        ":" + std::to_string(at.column ? at.column : 1);
    (warning ? warnings_ : errors_)
        .push_back(make_error(ErrorCode::kConfig, printable(what, 2000), where,
                              printable(hint, 2000)));
  }

  // A file that must be there and readable.
  void file(const toml::table* t, const char* key, const std::string& section,
            const std::string& p, const std::string& what_it_is) {
    if (p.empty()) return;
    std::error_code ec;
    std::string name = section + "." + key;
    if (!fs::exists(p, ec)) {
      problem(false, t, key, name + ": no such file: " + p, "the " + what_it_is + " should be here");
    } else if (fs::is_directory(p, ec)) {
      problem(false, t, key, name + ": " + p + " is a folder, not a file", "name the file itself");
    } else if (::access(p.c_str(), R_OK) != 0) {
      problem(false, t, key, name + ": cannot read " + p,
              "let the user rapport runs as read it (chmod, or its owner)");
    }
  }

  // A folder that must be there and readable.
  void folder(const toml::table* t, const char* key, const std::string& section,
              const std::string& p, const std::string& hint) {
    if (p.empty()) return;
    std::error_code ec;
    std::string name = section + "." + key;
    if (!fs::exists(p, ec)) {
      problem(false, t, key, name + ": no such folder: " + p, hint);
    } else if (!fs::is_directory(p, ec)) {
      problem(false, t, key, name + ": " + p + " is a file, not a folder", hint);
    } else if (::access(p.c_str(), R_OK | X_OK) != 0) {
      problem(false, t, key, name + ": cannot read the folder " + p,
              "let the user rapport runs as read it");
    }
  }

  // A folder Rapport writes into: there and writable, or creatable.
  void writable(const toml::table* t, const char* key, const std::string& section,
                const std::string& p) {
    std::error_code ec;
    fs::path at = p;
    while (!at.empty() && !fs::exists(at, ec)) {
      fs::path parent = at.parent_path();
      if (parent == at) break;
      at = parent;
    }
    if (at.empty() || (fs::exists(at, ec) && !fs::is_directory(at, ec))) {
      problem(false, t, key, section + "." + key + ": cannot create " + p,
              at.string() + " is in the way: it is a file");
    } else if (::access(at.c_str(), W_OK | X_OK) != 0) {
      problem(false, t, key, section + "." + key + ": cannot write in " + at.string(),
              "choose a folder this user may write in");
    }
  }

  // Where a secret is kept: the variable set, the file readable. An unset variable is a
  // warning: a service may set it (systemd Environment=, EnvironmentFile=).
  void secret(const toml::table* t, const std::string& base, const std::string& section,
              const Secret& s) {
    if (!s.env.empty()) {
      const char* v = std::getenv(s.env.c_str());
      if (!v || !*v) {
        std::string key = base + "_env";
        problem(true, t, key.c_str(),
                section + "." + key + ": the environment variable " + s.env + " is not set here",
                "set it where rapport runs (export " + s.env +
                    "=…, or Environment= in the systemd unit); `rapport run` fails without it");
      }
    }
    if (!s.file.empty()) {
      std::string key = base + "_file";
      file(t, key.c_str(), section, s.file, "file holding the secret");
    }
  }

  // A command that prints a token: its program found.
  void command(const toml::table* t, const char* key, const std::string& section,
               const std::string& line) {
    if (line.empty()) return;
    std::istringstream in(line);
    std::string program;
    in >> program;
    bool found = false;
    if (program.find('/') != std::string::npos) {
      found = ::access(program.c_str(), X_OK) == 0;
    } else if (const char* path = std::getenv("PATH")) {
      std::istringstream dirs(path);
      for (std::string d; std::getline(dirs, d, ':') && !found;) {
        found = !d.empty() && ::access((d + "/" + program).c_str(), X_OK) == 0;
      }
    }
    if (!found) {
      problem(false, t, key, section + "." + key + ": no program " + program + " to run",
              "install it, or give its full path");
    }
  }

 private:
  const toml::table& root_;
  const std::string& path_;
  std::vector<Error>& errors_;
  std::vector<Error>& warnings_;
};

}  // namespace

void audit(const toml::table& root, const Config& cfg, const std::string& path,
           std::vector<Error>& errors, std::vector<Error>& warnings) {
  Auditor a(root, path, errors, warnings);
  for (size_t i = 0; i < cfg.feeds.size(); ++i) {
    const FeedConfig& f = cfg.feeds[i];
    const toml::table* t = a.table("feed", static_cast<int>(i));
    if (f.url.rfind("file://", 0) == 0) a.file(t, "url", "feed", f.url.substr(7), "feed file");
    a.file(t, "ca_file", "feed", f.ca_file, "CA certificate file");
    a.secret(t, "password", "feed", f.password);
  }
  for (size_t i = 0; i < cfg.mailboxes.size(); ++i) {
    const MailboxConfig& m = cfg.mailboxes[i];
    const toml::table* t = a.table("mailbox", static_cast<int>(i));
    if (m.kind == "maildir") {
      a.folder(t, "path", "mailbox", m.path,
               "the Maildir folder is the one that holds new/ and cur/");
      std::error_code ec;
      if (fs::is_directory(m.path, ec) &&
          (!fs::is_directory(fs::path(m.path) / "cur", ec) ||
           !fs::is_directory(fs::path(m.path) / "new", ec))) {
        a.problem(false, t, "path", "mailbox.path: " + m.path + " holds no new/ and cur/",
                  "a Maildir folder holds new/ and cur/; an mbox is one file (kind = \"mbox\")");
      }
    } else if (m.kind == "mbox") {
      a.file(t, "path", "mailbox", m.path, "mbox file");
    }
    a.file(t, "ca_file", "mailbox", m.ca_file, "CA certificate file");
    a.secret(t, "password", "mailbox", m.password);
    a.command(t, "token_command", "mailbox", m.token_command);
  }
  for (size_t i = 0; i < cfg.inboxes.size(); ++i) {
    const InboxConfig& in = cfg.inboxes[i];
    const toml::table* t = a.table("inbox", static_cast<int>(i));
    a.file(t, "path", "inbox", in.path, "export file");
    a.folder(t, "drop_folder", "inbox", in.drop_folder,
             "create it (mkdir -p " + in.drop_folder + ") or correct the path");
    a.secret(t, "token", "inbox", in.token);
    a.secret(t, "hmac_secret", "inbox", in.hmac_secret);
  }
  for (size_t i = 0; i < cfg.social.size(); ++i) {
    const SocialConfig& c = cfg.social[i];
    const toml::table* t = a.table("social", static_cast<int>(i));
    // A folder of recorded answers (the demo's) must be there.
    if (!c.api_url.empty() && c.api_url.find("://") == std::string::npos) {
      a.folder(t, c.kind == "mastodon" ? "instance" : "api_url", "social", c.api_url,
               "a folder of recorded answers; leave api_url out to read the provider's API");
    }
    a.file(t, "ca_file", "social", c.ca_file, "CA certificate file");
    a.secret(t, "key", "social", c.key);
    a.secret(t, "token", "social", c.token);
    a.secret(t, "password", "social", c.password);
  }
  if (cfg.smtp.enabled) {
    const toml::table* t = a.table("smtp");
    a.file(t, "ca_file", "smtp", cfg.smtp.ca_file, "CA certificate file");
    a.secret(t, "password", "smtp", cfg.smtp.password);
    a.command(t, "token_command", "smtp", cfg.smtp.token_command);
  }
  a.writable(a.table("store"), "path", "store", fs::path(cfg.store.path).parent_path().string());
  a.writable(a.table("digest"), "output_dir", "digest", cfg.digest.output_dir);
}

}  // namespace rapport::config
