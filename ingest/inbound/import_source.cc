#include "ingest/inbound/import_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "core/text.h"
#include "ingest/inbound/csv_reader.h"

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

// A date found while deciding a file's date order.
struct Sample {
  std::int64_t line = 0;
  std::string text;
};

// "03/04/2026" read both ways, for a hint: "March 4" and "3 April".
std::string both_ways(const std::string& date) {
  static const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                  "July",    "August",   "September", "October", "November",
                                  "December"};
  int a = 0, b = 0;
  if (std::sscanf(date.c_str(), "%d%*[/.-]%d", &a, &b) != 2 || a < 1 || a > 12 || b < 1 ||
      b > 12) {
    return "";
  }
  return " (\"mdy\" reads it as " + std::string(kMonths[a - 1]) + " " + std::to_string(b) +
         ", \"dmy\" as " + std::to_string(a) + " " + kMonths[b - 1] + ")";
}

// The order a file writes its dates in, decided by the file's own dates when the inbox does
// not say: a date that reads only one way (25/11/2026) decides for every row. A file whose
// dates all read two ways, or that writes them both ways, is refused as a whole (once, not
// once a row) with the hint to set date_order. `in` is read from `data_start` (its first row
// on `first_line`) to the end, then put back there; memory stays that of one row.
Result<DateOrder> decide_date_order(std::istream& in, std::int64_t data_start,
                                    std::int64_t first_line, const Inbox& inbox,
                                    const std::vector<std::string>& header, bool json,
                                    const std::string& where) {
  const std::string field = inbox.name_of("received_at");
  std::optional<Sample> day_first, month_first, either;
  auto look = [&](std::int64_t line, std::string_view text) {
    switch (date_reading(text)) {
      case DateReading::kDayFirst:
        if (!day_first) day_first = Sample{line, std::string(trim(text))};
        break;
      case DateReading::kMonthFirst:
        if (!month_first) month_first = Sample{line, std::string(trim(text))};
        break;
      case DateReading::kEither:
        if (!either) either = Sample{line, std::string(trim(text))};
        break;
      default:
        break;
    }
  };
  in.clear();
  in.seekg(data_start);
  if (json) {
    std::string text;
    bool too_long = false;
    std::int64_t line = first_line;
    while (bounded_line(in, text, kMaxJsonLine, too_long)) {
      std::int64_t n = line++;
      if (too_long || trim(text).empty()) continue;
      if (auto value = json_field_text(text, field)) look(n, *value);
      if (day_first && month_first) break;
    }
  } else {
    auto column = std::find(header.begin(), header.end(), field);
    if (column != header.end()) {
      const size_t index = static_cast<size_t>(column - header.begin());
      CsvReader csv(in);
      csv.resume_at_line(first_line);
      std::vector<std::string> fields;
      while (csv.next(fields)) {
        if (index < fields.size()) look(csv.line(), fields[index]);
        if (day_first && month_first) break;
      }
    }
  }
  in.clear();
  in.seekg(data_start);
  const std::string inbox_name = "[[inbox]] \"" + printable(inbox.name, 100) + "\"";
  if (day_first && month_first) {
    return make_error(
        ErrorCode::kParse,
        "the dates are written two ways: \"" + printable(day_first->text, 40) + "\" on line " +
            std::to_string(day_first->line) + " has the day first, \"" +
            printable(month_first->text, 40) + "\" on line " + std::to_string(month_first->line) +
            " the month first",
        where + ":" + std::to_string(std::min(day_first->line, month_first->line)),
        "set date_order = \"dmy\" or \"mdy\" in " + inbox_name +
            "; the rows written the other way are then refused one by one");
  }
  if (day_first) return DateOrder::kDmy;
  if (month_first) return DateOrder::kMdy;
  if (either) {
    return make_error(ErrorCode::kParse,
                      "every date could be month/day or day/month, like \"" +
                          printable(either->text, 40) + "\" on line " +
                          std::to_string(either->line) + both_ways(either->text),
                      where + ":" + std::to_string(either->line),
                      "set date_order = \"mdy\" or \"dmy\" in " + inbox_name);
  }
  return DateOrder::kUnset;
}

}  // namespace

struct TableReader::Impl {
  std::unique_ptr<CsvReader> csv;  // null for JSON lines
  std::vector<std::string> header;
};

TableReader::~TableReader() = default;

Result<std::unique_ptr<TableReader>> TableReader::open(const fs::path& path, const Inbox& inbox,
                                                       UnixTime now, std::int64_t offset,
                                                       std::int64_t line) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in) {
    return make_error(ErrorCode::kIo, "cannot read the file", path.string(),
                      "check the path and that this user may read it");
  }
  return open(std::move(in), path.string(), inbox, now, offset, line);
}

Result<std::unique_ptr<TableReader>> TableReader::open(std::unique_ptr<std::istream> in,
                                                       const std::string& where, const Inbox& inbox,
                                                       UnixTime now, std::int64_t offset,
                                                       std::int64_t line) {
  std::unique_ptr<TableReader> r(new TableReader());
  r->in_ = std::move(in);
  r->impl_ = std::make_unique<Impl>();
  r->inbox_ = inbox;
  r->now_ = now;
  const bool from_start = offset <= 0;
  if (inbox.kind != InboxKind::kJsonLines) {
    r->impl_->csv = std::make_unique<CsvReader>(*r->in_);
    std::vector<std::string>& header = r->impl_->header;
    if (!r->impl_->csv->next(header) || header.empty()) {
      return make_error(ErrorCode::kParse, "the file is empty; a header row was expected", where,
                        "export with column titles in the first row");
    }
    for (auto& h : header) h = std::string(trim(h));
    // Every configured column must be there: a renamed column would otherwise be silently
    // empty.
    for (const auto& [canonical, title] : inbox.fields) {
      if (std::find(header.begin(), header.end(), title) == header.end()) {
        std::string all;
        for (const auto& h : header) all += (all.empty() ? "" : ", ") + printable(h, 100);
        return make_error(ErrorCode::kParse,
                          "no column \"" + printable(title, 100) + "\" (for " + canonical + ")",
                          where + ":1", "the header row has: " + all);
      }
    }
    if (offset <= 0) {
      offset = static_cast<std::int64_t>(r->in_->tellg());
      line = r->impl_->csv->next_line();
    }
  }
  // A file read from its start decides how its dates are written (a resumed one was decided
  // then: the caller passes the order on).
  if (inbox.date_order == DateOrder::kUnset && from_start) {
    auto order = decide_date_order(*r->in_, std::max<std::int64_t>(offset, 0),
                                   std::max<std::int64_t>(line, 1), inbox, r->impl_->header,
                                   !r->impl_->csv, where);
    if (!order) return order.error();
    r->inbox_.date_order = *order;
  }
  if (offset > 0) {
    r->in_->clear();
    r->in_->seekg(offset);
    if (r->impl_->csv) r->impl_->csv->resume_at_line(line);
  }
  r->offset_ = std::max<std::int64_t>(offset, 0);
  r->line_ = std::max<std::int64_t>(line, 1);
  return r;
}

ImportedFile TableReader::next(std::size_t max_rows) {
  ImportedFile out;
  if (done_) return out;
  std::size_t rows = 0;
  if (!impl_->csv) {
    std::string text;
    bool too_long = false;
    while (rows < max_rows && bounded_line(*in_, text, kMaxJsonLine, too_long)) {
      std::int64_t n = line_++;
      std::streampos at = in_->tellg();
      offset_ = at == std::streampos(-1) ? -1 : static_cast<std::int64_t>(at);
      if (n == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
      if (too_long) {
        ++out.rows;
        ++rows;
        out.problems.push_back("line " + std::to_string(n) + ": longer than " +
                               std::to_string(kMaxJsonLine) + " bytes (kMaxJsonLine)");
        continue;
      }
      if (trim(text).empty()) continue;
      ++rows;
      record(out, n, message_from_json(text, inbox_, now_));
    }
    // At the end of the stream there is no offset to resume at: this was the last batch.
    if (rows < max_rows || in_->eof()) done_ = true;
    return out;
  }
  CsvReader& csv = *impl_->csv;
  const std::vector<std::string>& header = impl_->header;
  std::vector<std::string> fields;
  while (rows < max_rows) {
    if (!csv.next(fields)) {
      done_ = true;
      break;
    }
    ++rows;
    std::streampos at = in_->tellg();
    offset_ = at == std::streampos(-1) ? -1 : static_cast<std::int64_t>(at);
    line_ = csv.next_line();
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
    record(out, csv.line(), message_from_record(row, inbox_, now_));
  }
  if (offset_ < 0 || in_->eof()) done_ = true;
  return out;
}

Result<ImportedFile> import_file(const fs::path& path, const Inbox& inbox, UnixTime now) {
  auto reader = TableReader::open(path, inbox, now);
  if (!reader) return reader.error();
  ImportedFile all;
  while (!(*reader)->done()) {
    ImportedFile part = (*reader)->next(kImportBatchRows);
    all.rows += part.rows;
    for (auto& m : part.messages) all.messages.push_back(std::move(m));
    for (auto& p : part.problems) all.problems.push_back(std::move(p));
  }
  return all;
}

Result<ImportedFile> import_stream(std::istream& in, const std::string& where, const Inbox& inbox,
                                   UnixTime now) {
  std::ostringstream copy;
  copy << in.rdbuf();
  auto reader =
      TableReader::open(std::make_unique<std::istringstream>(copy.str()), where, inbox, now);
  if (!reader) return reader.error();
  ImportedFile all;
  while (!(*reader)->done()) {
    ImportedFile part = (*reader)->next(kImportBatchRows);
    all.rows += part.rows;
    for (auto& m : part.messages) all.messages.push_back(std::move(m));
    for (auto& p : part.problems) all.problems.push_back(std::move(p));
  }
  return all;
}

Result<Batch> FileImportSource::poll(const std::string& cursor) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return make_error(ErrorCode::kIo, "cannot find the file", path_,
                      "check [[inbox]] path, or remove it to import with `rapport import`",
                      Retry::kYes);
  }
  // "SIZE MTIME" once the file was read to its end; "SIZE MTIME OFFSET LINE [ORDER]" part way
  // through, ORDER being the date order the file decided when read from its start.
  std::string signature = std::to_string(st.st_size) + " " + std::to_string(st.st_mtime);
  Batch batch;
  batch.cursor = signature;
  if (cursor == signature) return batch;  // unchanged since the last import
  std::int64_t offset = 0, line = 0;
  Inbox inbox = inbox_;
  if (cursor.rfind(signature + " ", 0) == 0) {
    std::istringstream rest(cursor.substr(signature.size() + 1));
    std::string order;
    if (!(rest >> offset >> line)) offset = line = 0;
    if (rest >> order && inbox.date_order == DateOrder::kUnset) {
      inbox.date_order = date_order_from_string(order).value_or(DateOrder::kUnset);
    }
  }
  auto reader = TableReader::open(path_, inbox, clock_.now(), offset, line);
  if (!reader) return reader.error();
  ImportedFile part = (*reader)->next(kImportBatchRows);
  batch.messages = std::move(part.messages);
  batch.warnings = std::move(part.problems);
  batch.progress = {(*reader)->done() ? st.st_size : (*reader)->offset(), st.st_size,
                    Progress::Unit::kBytes};
  if (!(*reader)->done()) {
    batch.cursor = signature + " " + std::to_string((*reader)->offset()) + " " +
                   std::to_string((*reader)->line());
    if ((*reader)->date_order() != DateOrder::kUnset) {
      batch.cursor += " " + std::string(to_string((*reader)->date_order()));
    }
    batch.more = true;
  }
  return batch;
}

namespace {

// The refused rows kept for one file's report: the first ones, and a count of the rest.
constexpr std::size_t kMaxReportedProblems = 1000;

}  // namespace

Result<Batch> DropFolderSource::poll(const std::string& cursor) {
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

  // The cursor, within one pass over the folder: "FILE\tOFFSET\tLINE[\tORDER]" for a file
  // being read (ORDER: the date order it decided), "AFTER\tFILE" once FILE is read (it is
  // moved after the commit). Empty between passes.
  std::string current, after;
  std::int64_t offset = 0, line = 0;
  Inbox inbox = inbox_;
  {
    std::istringstream in(cursor);
    std::string a, b, c, d;
    std::getline(in, a, '\t');
    std::getline(in, b, '\t');
    std::getline(in, c, '\t');
    std::getline(in, d, '\t');
    if (a == "AFTER") {
      after = b;
    } else if (!a.empty()) {
      current = a;
      offset = std::atoll(b.c_str());
      line = std::atoll(c.c_str());
      if (inbox.date_order == DateOrder::kUnset) {
        inbox.date_order = date_order_from_string(d).value_or(DateOrder::kUnset);
      }
    }
  }
  fs::path file;
  for (const auto& f : files) {
    std::string name = f.filename().string();
    if (!current.empty() && name == current) {
      file = f;
      break;
    }
    if (current.empty() && name > after) {
      file = f;
      offset = line = 0;
      break;
    }
  }
  if (file.empty() && !current.empty()) {
    // The file being read is gone (moved by hand): go on with the next one.
    for (const auto& f : files) {
      if (f.filename().string() > current) {
        file = f;
        offset = line = 0;
        break;
      }
    }
  }
  Batch batch;
  if (file.empty()) return batch;  // every file of this pass is read; the cursor starts afresh
  std::string name = file.filename().string();
  if (offset == 0) {
    problems_.clear();
    problems_dropped_ = 0;
  }
  if (offset == 0) inbox.date_order = inbox_.date_order;  // a new file decides afresh
  auto reader = TableReader::open(file, inbox, clock_.now(), offset, line);
  bool finished = true;
  if (!reader) {
    problems_.push_back(reader.error().to_string());
  } else {
    ImportedFile part = (*reader)->next(kImportBatchRows);
    batch.messages = std::move(part.messages);
    for (auto& p : part.problems) {
      batch.warnings.push_back(name + ": " + p);
      if (problems_.size() < kMaxReportedProblems) {
        problems_.push_back(std::move(p));
      } else {
        ++problems_dropped_;
      }
    }
    finished = (*reader)->done();
    if (!finished) {
      batch.cursor = name + "\t" + std::to_string((*reader)->offset()) + "\t" +
                     std::to_string((*reader)->line());
      if ((*reader)->date_order() != DateOrder::kUnset) {
        batch.cursor += "\t" + std::string(to_string((*reader)->date_order()));
      }
    }
  }
  if (finished) {
    std::vector<std::string> report = problems_;
    if (problems_dropped_) {
      report.push_back("and " + std::to_string(problems_dropped_) + " more refused rows");
    }
    if (!reader) batch.warnings.push_back(name + ": " + problems_.front());
    batch.cursor = "AFTER\t" + name;
    moves_[batch.cursor] = Read{file, std::move(report)};
    problems_.clear();
    problems_dropped_ = 0;
  }
  batch.more = true;  // the next poll goes on with this file, or the next, or says it is done
  return batch;
}

void DropFolderSource::after_commit(const Batch& batch) {
  auto it = moves_.find(batch.cursor);
  if (it == moves_.end()) return;
  const Read& r = it->second;
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
  moves_.erase(it);
}

}  // namespace rapport::ingest
