#include "app/cli.h"

#include "config/config.h"

namespace rapport::app {

const std::vector<CommandSpec>& commands() {
  static const OptionSpec kConfig{
      "--config", "FILE", "the config file (default: $XDG_CONFIG_HOME/rapport/rapport.toml)"};
  static const OptionSpec kJson{"--json", nullptr, "print the result as JSON"};
  static const OptionSpec kQuiet{"--quiet", nullptr, "print only errors on stderr"};
  static const std::vector<CommandSpec> kCommands = {
      {"run",
       "poll every source once, store what is new, and deliver today's digest",
       "[--config FILE] [--all | --first-read] [--json] [--quiet]",
       {kConfig,
        {"--all", nullptr, "read every source now and deliver the digest, whatever the schedule"},
        {"--first-read", nullptr,
         "read every source now, make no digest, and say how many people its mail would leave "
         "waiting, with [digest] start as it is and from today"},
        kJson,
        kQuiet},
       "Reads each source that is due (every interval_minutes) from where it last stopped,\n"
       "stores new episodes, messages and people, then prints the digest and writes it as an\n"
       ".eml file in [digest] output_dir — every run, or, when [digest] at is set, only when a\n"
       "scheduled digest is due. For cron: one pass of what is due. Nothing is added twice.\n"
       "Exit status: 0 when every source was read, 1 when any failed (the others are still\n"
       "stored and the digest still delivered), 2 for a usage or config error."},
      {"check",
       "validate a config file and report every problem with its line and column",
       "[--config FILE] [--json]",
       {kConfig, kJson},
       "Exit status: 0 when the file is valid, 2 when it is not or cannot be read."},
      {"init",
       "write a starter config that passes `rapport check` and runs",
       "[--config FILE] [--force] [--name NAME] [--email ADDRESS] [--show NAME] [--feed URL]",
       {{"--config", "FILE", "where to write it (default: $XDG_CONFIG_HOME/rapport/rapport.toml)"},
        {"--force", nullptr, "replace an existing file"},
        {"--name", "NAME", "your name, as the digest greets you"},
        {"--email", "ADDRESS", "your own address"},
        {"--show", "NAME", "your show's or newsletter's name"},
        {"--feed", "URL", "your show's feed"}},
       "What it writes works as it is: the digest goes to a file until [smtp] is set, and\n"
       "[digest] start is today, so mail from before today is history. The sections you\n"
       "cannot fill yet (mailboxes, SMTP) are there, commented out. Then `rapport check`."},
      {"status",
       "show each source's last success and error, and what is stored",
       "[--config FILE] [--json]",
       {kConfig, kJson},
       ""},
      {"inspect",
       "show what Rapport reads from a feed or from mail, so you can see why",
       "feed PATH_OR_URL [--json] [--max-bytes N] | mail FILE [--config FILE] [--json]",
       {kConfig, kJson,
        {"--max-bytes", "N",
         "feed: read a feed of up to N bytes (default 20971520, as [[feed]] max_bytes)"}},
       "inspect feed fetches the feed (http://, https://, file:// or a path) and prints its\n"
       "format, its fields and every item as Rapport reads them, with the warnings. --json\n"
       "prints one object: {\"format\", \"feed\": {…}, \"items\": […], \"warnings\": […]}.\n"
       "A feed larger than --max-bytes is not read (it says so); set it as large as the\n"
       "[[feed]] max_bytes you give that feed.\n"
       "\n"
       "inspect mail reads one message (.eml) or every message of an mbox and prints its\n"
       "headers decoded, its class and why, the reply text (the words the person wrote), the\n"
       "episode it answers (from the episodes in the configured database, if there is one) and\n"
       "the warnings. --json prints one object per message, one per line: {\"from\": {\"name\",\n"
       "\"address\"}, \"to\": […], \"subject\", \"message_id\", \"in_reply_to\", \"references\": "
       "[…],\n"
       "\"date\" (RFC 3339, UTC), \"class\", \"class_reason\", \"text\", \"reply_text\",\n"
       "\"episode\": {\"guid\", \"title\"}, \"warnings\": […]}.\n"
       "\n"
       "Nothing is stored. null stands for what the feed or message does not give.",
       2},
      {"serve",
       "run the listener for webhooks and forms, and the web inbox",
       "[--config FILE]",
       {kConfig},
       "Serves [listener] for every generic, voicemail, boostagram and form [[inbox]], and the\n"
       "web inbox when the config has a [web] table, until interrupted (Ctrl-C or SIGTERM),\n"
       "which stops them after the requests in flight:\n"
       "  POST /v1/messages/NAME   JSON (a bearer token or an HMAC-SHA256 signature)\n"
       "  POST /v1/forms/NAME      a form post, answered with a redirect to thank_you_url\n"
       "  GET  /healthz            200 while the database answers\n"
       "  http://127.0.0.1:8788/   the web inbox ([web] port): today's list, everyone waiting,\n"
       "                           each person's conversation, answered, snooze, tags, notes"},
      {"import",
       "import a CSV or JSON-lines file of listener messages",
       "FILE --source NAME [--config FILE] [--json]",
       {{"--source", "NAME", "the csv or jsonl [[inbox]] that says how to read it"},
        kConfig,
        kJson},
       "Every bad row is reported with its line number and why; the good rows are imported.\n"
       "Importing the same file again adds nothing. Exit status 1 when a row was refused.",
       1},
      {"daemon",
       "run unattended: poll every source on its schedule, send the digest on time, serve",
       "[--config FILE] [--log-format text|json]",
       {kConfig, {"--log-format", "FORMAT", "text (default) or json: one object per line"}},
       "Polls each source every interval_minutes (with jitter, a feed's ttl and Retry-After\n"
       "honoured, failing sources backed off up to [daemon] max_backoff_minutes and never given\n"
       "up), delivers the digest at [digest] at on [digest] days, and runs the [listener] and\n"
       "the web inbox ([web]).\n"
       "One daemon per database. SIGHUP reloads the config (an invalid one is reported and the\n"
       "running one kept); SIGTERM or SIGINT stop it within 10 seconds."},
      {"digest",
       "show today's digest, or send it now",
       "--preview [--html FILE] | --send [--config FILE] [--json] [--quiet]",
       {{"--preview", nullptr, "print the digest as it would be sent, without recording it"},
        {"--html", "FILE", "with --preview: also write the HTML version to FILE"},
        {"--send", nullptr, "deliver it now ([smtp], or an .eml file), and record it"},
        kConfig,
        kJson,
        {"--quiet", nullptr, "with --send: print nothing when it was delivered"}},
       "Reads nothing new: run `rapport run` (or the daemon) for that."},
      {"answered",
       "mark someone as answered, so they leave the digest until they write again",
       "WHO [--undo] [--config FILE] [--json]",
       {kConfig,
        kJson,
        {"--undo", nullptr, "take back the newest answer you recorded for them"}},
       "WHO is an address or a phone (any spelling), a contact id (12 or #12), or a name\n"
       "(without regard to case or accents) or its unique beginning. --undo takes back an answer\n"
       "recorded here or by a reply to the digest; one seen in your Sent folder stays.",
       1},
      {"snooze",
       "leave someone out of the digest for a while",
       "WHO DURATION | --clear WHO [--config FILE] [--json]",
       {kConfig, kJson, {"--clear", nullptr, "bring them back at once"}},
       "DURATION is like 12h, 7d or 2w. WHO is named as for `rapport answered`.",
       2},
      {"contacts",
       "the people: list, show, suggested duplicates, merge and unmerge, tags, notes, export",
       "list|show|suggest|merge|unmerge|tag|note|export [ARGS] [--config FILE] [--json]",
       {kConfig,
        kJson,
        {"--unanswered", nullptr, "list: only people waiting for an answer"},
        {"--first-time", nullptr, "list: only people who wrote once"},
        {"--tag", "TAG", "list: only people with this tag"},
        {"--source", "NAME", "list: only people who wrote through this source"},
        {"--since", "DATE", "list: only people seen since this day (2026-11-01)"},
        {"--remove", nullptr, "tag: take the tag off"},
        {"--edit", "N", "note: replace note N with TEXT"},
        {"--delete", "N", "note: remove note N"},
        {"--format", "FORMAT", "export: csv (default), json or vcard"},
        {"--full", nullptr, "show: every message's words whole, not cut"},
        {"--min-score", "S", "suggest: only suggestions scored S or more (default 0.8; 0 for all)"},
        {"--limit", "N", "suggest: at most N suggestions, best first (default 50; 0 for all)"}},
       "  list                 everyone, most recently seen first (with the filters above)\n"
       "  show WHO             identities, the timeline of every message (with its id for\n"
       "                       `rapport message show`) and answer, notes, tags and merges\n"
       "                       (WHO: an address, a phone, an id or a name); --full prints\n"
       "                       every message's words whole\n"
       "  suggest              people who are probably one person, best first, with the\n"
       "                       evidence and a score (how likely they are one person: a\n"
       "                       rare name, a nickname address shared, a work address spelt\n"
       "                       from the name weigh most); nothing is merged until you say so\n"
       "  merge A B            makes A part of B; prints the merge's id\n"
       "  unmerge MERGE_ID     undoes a merge exactly, and keeps the two apart from then on\n"
       "  tag WHO TAG          adds a tag (`supporter` counts in the digest; case does not\n"
       "                       matter); --remove takes it off\n"
       "  note WHO TEXT        adds a dated note; --edit N TEXT replaces note N, --delete N\n"
       "                       removes it (`show` lists each note with its N)\n"
       "  export               everyone as CSV, JSON or vCard 4.0 on stdout",
       3},
      {"message",
       "one stored message, whole",
       "show ID [--config FILE] [--json]",
       {kConfig, kJson},
       "  show ID   the message with this id (the digest and `rapport contacts show` give\n"
       "            them): From, Date, Subject, Message-ID and thread, the episode, its class\n"
       "            and why, its attachments by name and size, the person's words and the\n"
       "            whole body",
       2},
      {"sources",
       "every source Rapport has read, and forgetting one",
       "[list] | forget NAME [--config FILE] [--json]",
       {kConfig, kJson},
       "  list          every source with when it was last read; those the config no longer\n"
       "                names are marked (they are left out of status and digests; their\n"
       "                messages and episodes are kept)\n"
       "  forget NAME   forgets a source's place and state for good; its messages stay. If the\n"
       "                config still names it, it is read again from the start (nothing is\n"
       "                stored twice).",
       2},
      {"store",
       "copy the database into PostgreSQL (or into an SQLite file)",
       "copy --to postgresql://USER@HOST:PORT/DATABASE | --to sqlite:PATH [--config FILE] "
       "[--password-env VARIABLE] [--show SLUG [--share-contacts]]",
       {kConfig,
        {"--to", "DATABASE", "the new, empty database to copy into"},
        {"--password-env", "VARIABLE",
         "the environment variable holding the PostgreSQL password (else PGPASSWORD or "
         "~/.pgpass, as for psql)"},
        {"--show", "SLUG",
         "PostgreSQL: the show to copy into, a new one of the database's shows (else the "
         "config's [store] show, or the database's one show)"},
        {"--share-contacts", nullptr,
         "with --show: the new show shares the network's people (as [store] share_contacts); "
         "the network must have none yet"}},
       "  copy   copies everything the config's database holds — sources and their places,\n"
       "         episodes, messages, people, merges, answers, notes, tags, digests — into a\n"
       "         new database, in one transaction, and checks it: every table's rows counted\n"
       "         again, and the natural keys read back alike. Ids are kept. Nothing reads\n"
       "         sources meanwhile (it takes the daemon's lock). Then point [store] at it\n"
       "         (with show = \"SLUG\" for --show).",
       1},
      {"web",
       "the web inbox: set its password",
       "passwd [--config FILE]",
       {kConfig},
       "  passwd   asks for a password twice (or reads one line from standard input when it is\n"
       "           not a terminal) and writes its argon2id hash to [web] password_file, readable\n"
       "           by you only. With a password the inbox asks for it, and may listen beyond\n"
       "           this machine behind a TLS reverse proxy ([web] trusted_proxy). At least 10\n"
       "           characters.",
       1},
      {"help", "show help for a command", "[COMMAND]", {}, "", 1},
  };
  return kCommands;
}

const CommandSpec* find_command(const std::string& name) {
  for (const auto& c : commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string Invocation::get(const std::string& option, const std::string& fallback) const {
  auto it = options.find(option);
  return it == options.end() ? fallback : it->second;
}

Result<Invocation> parse_command_line(int argc, char** argv) {
  Invocation inv;
  int i = 1;
  // Global flags may come before the command.
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      inv.help = true;
    } else if (a == "--version") {
      inv.version = true;
    } else {
      break;
    }
  }
  if (i >= argc) return inv;
  inv.command = argv[i++];
  const CommandSpec* spec = find_command(inv.command);
  if (!spec) {
    std::vector<std::string> names;
    for (const auto& c : commands()) names.emplace_back(c.name);
    std::string near = config::nearest(inv.command, names);
    return make_error(ErrorCode::kUsage, "unknown command \"" + inv.command + "\"", "",
                      near.empty() ? "run `rapport --help` for the commands"
                                   : "did you mean `rapport " + near + "`?");
  }
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      inv.help = true;
      continue;
    }
    if (a == "-q") a = "--quiet";
    if (a.rfind("--", 0) != 0) {
      inv.arguments.push_back(a);
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec* opt = nullptr;
    for (const auto& o : spec->options) {
      if (a == o.name) opt = &o;
    }
    if (!opt) {
      std::vector<std::string> names;
      for (const auto& o : spec->options) names.emplace_back(o.name);
      std::string near = config::nearest(a, names);
      return make_error(
          ErrorCode::kUsage, "unknown option " + a + " for `rapport " + inv.command + "`", "",
          near.empty() ? "run `rapport " + inv.command + " --help`" : "did you mean " + near + "?");
    }
    if (opt->value) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          return make_error(ErrorCode::kUsage, a + " needs a value (" + opt->value + ")", "",
                            "write " + a + " " + opt->value);
        }
        value = argv[++i];
      }
    } else if (inline_value) {
      return make_error(ErrorCode::kUsage, a + " takes no value", "", "write just " + a);
    }
    inv.options[a] = value;
  }
  if (inv.command == "help") {
    inv.help = true;
    if (!inv.arguments.empty()) {
      inv.command = inv.arguments.front();
      inv.arguments.clear();
      if (!find_command(inv.command)) {
        return make_error(ErrorCode::kUsage, "unknown command \"" + inv.command + "\"", "",
                          "run `rapport --help` for the commands");
      }
    } else {
      inv.command.clear();
    }
  } else if (static_cast<int>(inv.arguments.size()) > spec->arguments) {
    return make_error(
        ErrorCode::kUsage,
        "unexpected argument \"" + inv.arguments.front() + "\" for `rapport " + inv.command + "`",
        "", "run `rapport " + inv.command + " --help`");
  }
  return inv;
}

std::string general_help() {
  std::string s =
      "rapport — the people to answer personally today\n\n"
      "Rapport reads what your listeners and readers send back (replies to your newsletter,\n"
      "comments, messages), knows each of them as one person, and every morning gives you a\n"
      "short list of the people to answer, with the reason and the context.\n\n"
      "usage: rapport COMMAND [OPTIONS]\n\ncommands:\n";
  for (const auto& c : commands()) {
    std::string name = c.name;
    name.resize(10, ' ');
    s += "  " + name + c.summary + "\n";
  }
  s += "\noptions:\n"
       "  -h, --help   show help (after a command: that command's help)\n"
       "  --version    show the version\n\n"
       "Run `rapport COMMAND --help` for a command's options.\n"
       "Exit status: 0 success, 1 runtime failure, 2 usage or config error.\n";
  return s;
}

std::string command_help(const CommandSpec& c) {
  std::string s = std::string("rapport ") + c.name + " — " + c.summary + "\n\nusage: rapport " +
                  c.name + " " + c.usage + "\n";
  if (!c.options.empty()) {
    s += "\noptions:\n";
    for (const auto& o : c.options) {
      std::string left = std::string(o.name) + (o.value ? std::string(" ") + o.value : "");
      if (left.size() < 16) left.resize(16, ' ');
      s += "  " + left + "  " + o.help + "\n";
    }
    s += "  -h, --help        show this help\n";
  }
  if (c.details && *c.details) s += "\n" + std::string(c.details) + "\n";
  return s;
}

}  // namespace rapport::app
