#include "ingest/mail/maildir_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "ingest/mail/mail_parser.h"

namespace rapport::ingest {
namespace fs = std::filesystem;
namespace {

std::string unique_name(const std::string& filename) {
  size_t colon = filename.find(':');
  return colon == std::string::npos ? filename : filename.substr(0, colon);
}

}  // namespace

std::filesystem::path MaildirSource::relocate(const std::string& unique) const {
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (fs::directory_iterator it(fs::path(path_) / sub, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (unique_name(name) == unique) return it->path();
    }
  }
  return {};
}

Result<Batch> MaildirSource::poll(const std::string& cursor) {
  std::int64_t watermark = -1;
  std::int64_t known_count = -1;
  // A scan in progress: every file up to (after_mtime, after_name) was read, `handled` in all.
  bool partial = false;
  std::int64_t after_mtime = 0;
  std::string after_name;
  std::int64_t handled = 0;
  if (!cursor.empty()) {
    std::istringstream in(cursor);
    if (cursor.rfind("partial ", 0) == 0) {
      std::string word;
      in >> word >> after_mtime >> after_name >> handled;
      partial = static_cast<bool>(in);
    } else {
      in >> watermark >> known_count;
      if (!in) watermark = known_count = -1;
    }
  }

  std::vector<Entry> entries;
  if (partial && !scan_.empty() && cursor == scan_cursor_) {
    entries = std::move(scan_);  // listed at the start of this scan
  } else {
    for (const char* sub : {"new", "cur"}) {
      fs::path dir = fs::path(path_) / sub;
      std::error_code ec;
      fs::directory_iterator it(dir, ec);
      if (ec) {
        return make_error(
            ErrorCode::kIo, "cannot list " + std::string(sub) + "/: " + ec.message(), dir.string(),
            "is [[mailbox]] path the Maildir folder that holds new/ and cur/?", Retry::kYes);
      }
      for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const std::string filename = it->path().filename().string();
        if (filename.empty() || filename[0] == '.') continue;
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        entries.push_back({it->path(), unique_name(filename),
                           static_cast<std::int64_t>(st.st_mtime),
                           static_cast<std::int64_t>(st.st_size)});
      }
    }
    // Oldest first, so messages are stored in the order they arrived.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.mtime != b.mtime ? a.mtime < b.mtime : a.unique < b.unique;
    });
  }
  scan_.clear();
  scan_cursor_.clear();

  // Which files this poll reads, in order: after the position of a scan in progress, else
  // those newer than the watermark, else (a first poll, or files changed) all of them.
  size_t begin = 0;
  if (partial) {
    auto it =
        std::upper_bound(entries.begin(), entries.end(), std::pair{after_mtime, after_name},
                         [](const std::pair<std::int64_t, std::string>& p, const Entry& e) {
                           return p.first != e.mtime ? p.first < e.mtime : p.second < e.unique;
                         });
    begin = static_cast<size_t>(it - entries.begin());
  } else {
    std::int64_t at_or_before = 0;
    for (const auto& e : entries) at_or_before += e.mtime <= watermark;
    bool full_scan = watermark < 0 || at_or_before != known_count;
    if (!full_scan) {
      begin = static_cast<size_t>(at_or_before);  // sorted: those are the first ones
      handled = at_or_before;
    } else {
      handled = 0;
    }
  }
  size_t end = std::min(entries.size(), begin + static_cast<size_t>(std::max(1, batch_size_)));

  Batch batch;
  bool unreadable = false;
  for (size_t i = begin; i < end; ++i) {
    const Entry& e = entries[i];
    std::ifstream in(e.path, std::ios::binary);
    if (!in) {
      // A mail program moved it since the listing (new/ to cur/, flags added): same message.
      if (fs::path moved = relocate(e.unique); !moved.empty()) in.open(moved, std::ios::binary);
    }
    if (!in) {
      batch.warnings.push_back(e.path.filename().string() + ": cannot be read; will retry");
      unreadable = true;
      continue;
    }
    std::string raw;
    bool truncated = e.size > max_message_bytes_;
    raw.resize(static_cast<size_t>(std::min(e.size, max_message_bytes_)));
    in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
    raw.resize(static_cast<size_t>(in.gcount()));
    Message m = parse_mail(raw, e.mtime);
    m.source_ref = e.unique;
    m.outgoing = sent_;
    if (truncated) {
      m.warnings.push_back("larger than " + std::to_string(max_message_bytes_) +
                           " bytes; only the beginning was read");
    }
    for (const auto& w : m.warnings) batch.warnings.push_back(e.unique + ": " + w);
    batch.messages.push_back(std::move(m));
  }
  handled += static_cast<std::int64_t>(end - begin);
  batch.progress = {static_cast<std::int64_t>(end), static_cast<std::int64_t>(entries.size()),
                    Progress::Unit::kMessages};
  if (unreadable) {
    // An unreadable file must be tried again: an empty cursor makes the next poll read all.
    batch.cursor.clear();
  } else if (end < entries.size()) {
    const Entry& last = entries[end - 1];
    batch.cursor =
        "partial " + std::to_string(last.mtime) + " " + last.unique + " " + std::to_string(handled);
    batch.more = true;
    scan_ = std::move(entries);
    scan_cursor_ = batch.cursor;
  } else {
    // Done: the newest time and how many files were read up to it. A file that arrived with
    // an old time during a scan in batches makes the next count differ: a full rescan.
    std::int64_t newest = watermark < 0 ? 0 : watermark;
    for (const auto& e : entries) newest = std::max(newest, e.mtime);
    if (partial) newest = std::max(newest, after_mtime);
    batch.cursor = std::to_string(newest) + " " + std::to_string(handled);
  }
  return batch;
}

}  // namespace rapport::ingest
