#include "ingest/maildir_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "ingest/mail_parser.h"

namespace rapport::ingest {
namespace fs = std::filesystem;
namespace {

struct Entry {
  fs::path path;
  std::string unique;  // the file name without its ":2,FLAGS" info part
  std::int64_t mtime = 0;
  std::int64_t size = 0;
};

std::string unique_name(const std::string& filename) {
  size_t colon = filename.find(':');
  return colon == std::string::npos ? filename : filename.substr(0, colon);
}

}  // namespace

Result<Batch> MaildirSource::poll(const std::string& cursor) {
  std::int64_t watermark = -1;
  std::int64_t known_count = -1;
  if (!cursor.empty()) {
    std::istringstream in(cursor);
    in >> watermark >> known_count;
    if (!in) watermark = known_count = -1;
  }

  std::vector<Entry> entries;
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
      entries.push_back({it->path(), unique_name(filename), static_cast<std::int64_t>(st.st_mtime),
                         static_cast<std::int64_t>(st.st_size)});
    }
  }
  // Oldest first, so messages are stored in the order they arrived.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.unique < b.unique;
  });

  std::int64_t at_or_before = 0;
  std::int64_t newest = watermark < 0 ? 0 : watermark;
  for (const auto& e : entries) {
    if (e.mtime <= watermark) ++at_or_before;
    newest = std::max(newest, e.mtime);
  }
  bool full_scan = watermark < 0 || at_or_before != known_count;

  Batch batch;
  bool unreadable = false;
  for (const auto& e : entries) {
    if (!full_scan && e.mtime <= watermark) continue;
    std::ifstream in(e.path, std::ios::binary);
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
  // An unreadable file must be tried again: an empty cursor makes the next poll read all.
  batch.cursor =
      unreadable ? std::string() : std::to_string(newest) + " " + std::to_string(entries.size());
  return batch;
}

}  // namespace rapport::ingest
