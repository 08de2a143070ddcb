#include "ingest/import_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "ingest/csv_reader.h"
#include "store/text.h"

namespace rapport::ingest {
namespace fs = std::filesystem;
namespace {

bool is_table_file(const fs::path& p, InboxKind kind) {
  std::string ext = ascii_lower(p.extension().string());
  if (kind == InboxKind::kCsv) return ext == ".csv";
  return ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
}

void record(ImportedFile& out, std::int64_t line, Converted converted) {
  ++out.rows;
  if (auto* m = std::get_if<Message>(&converted)) {
    m->source_ref = m->source_ref.empty() ? "line " + std::to_string(line) : m->source_ref;
    out.messages.push_back(std::move(*m));
  } else {
    const FieldError& e = std::get<FieldError>(converted);
    out.problems.push_back("line " + std::to_string(line) + ": " + e.field + ": " + e.problem);
  }
}

// A file moved into `dir`, renamed when a file of that name is already there.
fs::path unique_target(const fs::path& dir, const fs::path& name, UnixTime now) {
  fs::path target = dir / name;
  if (!fs::exists(target)) return target;
  return dir / (name.stem().string() + "." + std::to_string(now) + name.extension().string());
}

}  // namespace

namespace {

// Reads one line of at most `max` bytes into `line` (without its end). A longer line is read
// to its end and dropped: `too_long` says so. False at the end of the input.
bool bounded_line(std::istream& in, std::string& line, std::size_t max, bool& too_long) {
  line.clear();
  too_long = false;
  int c = in.get();
  if (c == EOF) return false;
  while (c != EOF && c != '\n') {
    if (line.size() < max) {
      line += static_cast<char>(c);
    } else {
      too_long = true;
    }
    c = in.get();
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

constexpr std::size_t kMaxJsonLine = 1024 * 1024;

}  // namespace

Result<ImportedFile> import_file(const fs::path& path, const Inbox& inbox, UnixTime now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::kIo, "cannot read the file", path.string(),
                      "check the path and that this user may read it");
  }
  return import_stream(in, path.string(), inbox, now);
}

Result<ImportedFile> import_stream(std::istream& in, const std::string& where, const Inbox& inbox,
                                   UnixTime now) {
  ImportedFile out;
  if (inbox.kind == InboxKind::kJsonLines) {
    std::string line;
    std::int64_t n = 0;
    bool too_long = false;
    while (bounded_line(in, line, kMaxJsonLine, too_long)) {
      ++n;
      if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      if (too_long) {
        ++out.rows;
        out.problems.push_back("line " + std::to_string(n) + ": longer than " +
                               std::to_string(kMaxJsonLine) + " bytes (kMaxJsonLine)");
        continue;
      }
      if (trim(line).empty()) continue;
      record(out, n, message_from_json(line, inbox, now));
    }
    return out;
  }
  CsvReader csv(in);
  std::vector<std::string> header;
  if (!csv.next(header) || header.empty()) {
    return make_error(ErrorCode::kParse, "the file is empty; a header row was expected", where,
                      "export with column titles in the first row");
  }
  for (auto& h : header) h = std::string(trim(h));
  // Every configured column must be there: a renamed column would otherwise be silently empty.
  for (const auto& [canonical, title] : inbox.fields) {
    if (std::find(header.begin(), header.end(), title) == header.end()) {
      return make_error(
          ErrorCode::kParse, "no column \"" + printable(title, 100) + "\" (for " + canonical + ")",
          where + ":1", "the header row has: " + [&] {
            std::string all;
            for (const auto& h : header) all += (all.empty() ? "" : ", ") + printable(h, 100);
            return all;
          }());
    }
  }
  std::vector<std::string> fields;
  while (csv.next(fields)) {
    if (!csv.error().empty()) {
      ++out.rows;
      out.problems.push_back("line " + std::to_string(csv.line()) + ": " + csv.error());
      continue;
    }
    if (fields.size() != header.size()) {
      ++out.rows;
      out.problems.push_back("line " + std::to_string(csv.line()) + ": " +
                             std::to_string(fields.size()) + " columns where the header has " +
                             std::to_string(header.size()));
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size(); ++i) row[header[i]] = fields[i];
    record(out, csv.line(), message_from_record(row, inbox, now));
  }
  return out;
}

Result<Batch> FileImportSource::poll(const std::string& cursor) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return make_error(ErrorCode::kIo, "cannot find the file", path_,
                      "check [[inbox]] path, or remove it to import with `rapport import`",
                      Retry::kYes);
  }
  std::string now_cursor = std::to_string(st.st_size) + " " + std::to_string(st.st_mtime);
  Batch batch;
  batch.cursor = now_cursor;
  if (cursor == now_cursor) return batch;  // unchanged since the last import
  auto file = import_file(path_, inbox_, clock_.now());
  if (!file) return file.error();
  batch.messages = std::move(file->messages);
  batch.warnings = std::move(file->problems);
  return batch;
}

Result<Batch> DropFolderSource::poll(const std::string&) {
  read_.clear();
  std::error_code ec;
  fs::directory_iterator it(folder_, ec);
  if (ec) {
    return make_error(ErrorCode::kIo, "cannot list the drop folder: " + ec.message(), folder_,
                      "create it, or fix [[inbox]] drop_folder", Retry::kYes);
  }
  std::vector<fs::path> files;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && is_table_file(it->path(), inbox_.kind) &&
        it->path().filename().string()[0] != '.') {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  Batch batch;
  for (const auto& f : files) {
    Read r{f, {}};
    auto file = import_file(f, inbox_, clock_.now());
    if (!file) {
      r.problems.push_back(file.error().to_string());
    } else {
      for (auto& m : file->messages) batch.messages.push_back(std::move(m));
      r.problems = std::move(file->problems);
    }
    for (const auto& p : r.problems) batch.warnings.push_back(f.filename().string() + ": " + p);
    read_.push_back(std::move(r));
  }
  return batch;
}

void DropFolderSource::after_commit(const Batch&) {
  for (const auto& r : read_) {
    std::error_code ec;
    fs::path dir = fs::path(folder_) / (r.problems.empty() ? "done" : "failed");
    fs::create_directories(dir, ec);
    fs::path target = unique_target(dir, r.path.filename(), clock_.now());
    fs::rename(r.path, target, ec);
    if (!ec && !r.problems.empty()) {
      std::ofstream report(target.string() + ".error");
      report << "Rapport could not import every row of " << r.path.filename().string()
             << "; the other rows were imported.\n\n";
      for (const auto& p : r.problems) report << p << "\n";
    }
  }
  read_.clear();
}

}  // namespace rapport::ingest
