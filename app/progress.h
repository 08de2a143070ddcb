// Progress lines for long reads: a first IMAP or mbox read of 100,000 messages takes minutes,
// and a creator should see it moving. On a terminal, one line per source redrawn in place; in
// logs (the daemon, --log-format json, stderr not a terminal), a line when a read starts, then
// at most one every kLogEverySeconds, and its last: a journal holds a few lines, not one for
// each of five hundred batches.
#pragma once

#include <cstdio>
#include <map>
#include <string>

#include "pipeline/run_once.h"

namespace rapport::app {

class ProgressLines {
 public:
  static constexpr double kLogEverySeconds = 5;
  enum class Mode {
    kOff,       // --quiet
    kTerminal,  // redrawn in place on stderr
    kLog,       // log lines, every kLogEverySeconds at the most
  };
  // kTerminal when stderr is a terminal and logs are text, else kLog; kOff when quiet.
  static Mode mode_for(bool quiet);

  explicit ProgressLines(Mode mode, std::FILE* terminal = stderr)
      : mode_(mode), terminal_(terminal) {}
  ~ProgressLines();
  ProgressLines(const ProgressLines&) = delete;
  ProgressLines& operator=(const ProgressLines&) = delete;

  // Tells of one committed batch. A read of a single batch shows nothing: the run's summary
  // line says what it read.
  void report(const pipeline::ReadProgress& p);
  // A sink for PollOptions::on_progress that reports here.
  pipeline::ProgressSink sink();

  // The line for a report: "inbox (imap): 12,000 of 100,000 messages (12%), 2,340 a second,
  // about 38 s left".
  static std::string describe(const pipeline::ReadProgress& p, double eta_seconds);

 private:
  // What the first report of a source's read said: where rate and time left are measured from.
  struct Start {
    std::int64_t done = 0;
    double seconds = 0;
  };
  Mode mode_;
  std::FILE* terminal_;
  std::map<std::string, Start> starts_;
  std::map<std::string, double> logged_;  // a read's last logged line, at its elapsed seconds
  bool line_open_ = false;  // a terminal line is drawn and not yet ended
};

}  // namespace rapport::app
