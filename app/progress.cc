#include "app/progress.h"

#include <unistd.h>

#include <cmath>

#include "core/log.h"
#include "core/text.h"

namespace rapport::app {
namespace {

std::string duration_words(double seconds) {
  auto s = static_cast<std::int64_t>(std::llround(std::max(seconds, 0.0)));
  if (s < 1) return "under a second";
  if (s < 90) return std::to_string(s) + " s";
  if (s < 90 * 60) return std::to_string((s + 30) / 60) + " min";
  return std::to_string(s / 3600) + " h " + std::to_string((s % 3600 + 30) / 60) + " min";
}

std::string megabytes(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

ProgressLines::Mode ProgressLines::mode_for(bool quiet) {
  if (quiet) return Mode::kOff;
  if (log::format() == log::Format::kJson) return Mode::kLog;
  return ::isatty(STDERR_FILENO) ? Mode::kTerminal : Mode::kLog;
}

ProgressLines::~ProgressLines() {
  if (line_open_) {
    std::fputc('\n', terminal_);
    std::fflush(terminal_);
  }
}

std::string ProgressLines::describe(const pipeline::ReadProgress& p, double eta_seconds) {
  std::string s = p.name + " (" + p.kind + "): ";
  const Progress& at = p.at;
  const std::string things = count_of(p.messages, "message", "messages");
  if (at.total > 0) {
    const int percent = static_cast<int>(std::min<std::int64_t>(100, at.done * 100 / at.total));
    if (at.unit == Progress::Unit::kMessages) {
      s += grouped(at.done) + " of " + count_of(at.total, "message", "messages");
    } else {
      s += megabytes(at.done) + " of " + megabytes(at.total) + " MB";
    }
    s += " (" + std::to_string(percent) + "%)";
    if (at.unit == Progress::Unit::kBytes) s += ", " + things;
  } else {
    s += things;
  }
  if (p.elapsed_seconds >= 0.5) {
    const auto rate = static_cast<std::int64_t>(static_cast<double>(p.messages) / p.elapsed_seconds);
    s += ", " + grouped(rate) + " a second";
  }
  if (!p.more) {
    s += ", done in " + duration_words(p.elapsed_seconds);
  } else if (eta_seconds >= 0) {
    s += eta_seconds < 0.5 ? ", under a second left"
                           : ", about " + duration_words(eta_seconds) + " left";
  }
  return s;
}

void ProgressLines::report(const pipeline::ReadProgress& p) {
  if (mode_ == Mode::kOff) return;
  const std::string key = p.name + "\n" + p.kind;
  if (p.batches == 1 && !p.more) {
    starts_.erase(key);
    return;  // one batch: the run's summary says it all
  }
  double eta = -1;
  auto start = starts_.find(key);
  if (start == starts_.end() || p.batches == 1) {
    starts_[key] = Start{p.at.done, p.elapsed_seconds};
  } else if (p.at.total > 0) {
    const double moved = static_cast<double>(p.at.done - start->second.done);
    const double took = p.elapsed_seconds - start->second.seconds;
    if (moved > 0 && took > 0) {
      eta = static_cast<double>(p.at.total - p.at.done) * took / moved;
    }
  }
  const std::string line = describe(p, eta);
  if (!p.more) starts_.erase(key);
  if (mode_ == Mode::kLog) {
    auto last = logged_.find(key);
    const bool first = last == logged_.end() || p.batches == 1;
    if (!first && p.more && p.elapsed_seconds - last->second < kLogEverySeconds) return;
    log::info(line);
    if (p.more) {
      logged_[key] = p.elapsed_seconds;
    } else {
      logged_.erase(key);
    }
    return;
  }
  std::fprintf(terminal_, "\r%s\x1b[K", printable(line, 300).c_str());
  line_open_ = p.more;
  if (!p.more) std::fputc('\n', terminal_);
  std::fflush(terminal_);
}

pipeline::ProgressSink ProgressLines::sink() {
  return [this](const pipeline::ReadProgress& p) { report(p); };
}

}  // namespace rapport::app
