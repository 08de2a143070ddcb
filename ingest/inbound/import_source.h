// Import sources: listener messages from files — a CSV or JSON-lines export read on every
// run, or a drop folder whose files are imported and then moved to done/ (or, with a .error
// report beside them, to failed/). Nothing is ever deleted.
#pragma once

#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "ingest/inbound/inbound.h"
#include "ingest/source.h"

namespace rapport::ingest {

// What reading one file gave: the good rows as messages and one line per bad row.
struct ImportedFile {
  std::vector<Message> messages;
  std::vector<std::string> problems;  // "line 7: email: is not an email address"
  std::int64_t rows = 0;
};

// Reads a CSV (header row) or JSON-lines export for an inbox a batch of rows at a time, so an
// export of any size takes the memory of one batch; it can start again at a row's offset.
class TableReader {
 public:
  // Opens `path` and reads its header (CSV). Starts at `offset` (0, or where an earlier
  // reader stopped: offset() of it) whose row starts on `line`. Fails with kIo when the file
  // cannot be read, and with kParse when a CSV has no header row or lacks a configured column.
  static Result<std::unique_ptr<TableReader>> open(const std::filesystem::path& path,
                                                   const Inbox& inbox, UnixTime now,
                                                   std::int64_t offset = 0, std::int64_t line = 0);
  // The same over a stream it owns; `where` names it in errors.
  static Result<std::unique_ptr<TableReader>> open(std::unique_ptr<std::istream> in,
                                                   const std::string& where, const Inbox& inbox,
                                                   UnixTime now, std::int64_t offset = 0,
                                                   std::int64_t line = 0);
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // Reads up to `max_rows` rows (good ones as messages, refused ones as problems).
  ImportedFile next(std::size_t max_rows);
  // True once every row has been read.
  bool done() const { return done_; }
  // Where the next row starts, and its line: to resume with a new reader.
  std::int64_t offset() const { return offset_; }
  std::int64_t line() const { return line_; }
  // How the file's dates are read: the inbox's date_order, or the order the file's own dates
  // decided when it was opened at its start (kUnset when none needed deciding). A reader
  // resuming the file is given the same order in its inbox.
  DateOrder date_order() const { return inbox_.date_order; }

 private:
  TableReader() = default;
  struct Impl;
  std::unique_ptr<std::istream> in_;
  std::unique_ptr<Impl> impl_;
  Inbox inbox_;
  UnixTime now_ = 0;
  bool done_ = false;
  std::int64_t offset_ = 0;
  std::int64_t line_ = 1;
};

// Rows read at once by the sources and `rapport import`.
constexpr std::size_t kImportBatchRows = 2000;

// Reads a whole CSV (header row) or JSON-lines file for `inbox`. Fails with kIo when the file
// cannot be read, and with kParse when it is not a table at all (no header, an unknown column).
Result<ImportedFile> import_file(const std::filesystem::path& path, const Inbox& inbox,
                                 UnixTime now);
// The same from a stream; `where` names it in errors. A JSON line longer than 1 MB is a
// problem of its own, like a CSV record longer than 1 MB.
Result<ImportedFile> import_stream(std::istream& in, const std::string& where, const Inbox& inbox,
                                   UnixTime now);

// One export file, read again whenever its size or time changes.
class FileImportSource final : public Source {
 public:
  FileImportSource(Inbox inbox, std::string path, const Clock& clock)
      : inbox_(std::move(inbox)), path_(std::move(path)), clock_(clock) {}
  std::string_view kind() const override { return "import"; }
  const std::string& name() const override { return inbox_.name; }
  const std::string& location() const override { return path_; }
  Result<Batch> poll(const std::string& cursor) override;

 private:
  Inbox inbox_;
  std::string path_;
  const Clock& clock_;
};

// A folder people (or scripts) drop exports into.
class DropFolderSource final : public Source {
 public:
  DropFolderSource(Inbox inbox, std::string folder, const Clock& clock)
      : inbox_(std::move(inbox)), folder_(std::move(folder)), clock_(clock) {}
  std::string_view kind() const override { return "drop folder"; }
  const std::string& name() const override { return inbox_.name; }
  const std::string& location() const override { return folder_; }
  // Reads the folder's files in name order, kImportBatchRows rows a poll (more is set until
  // every file of the pass is read).
  Result<Batch> poll(const std::string& cursor) override;
  // Moves a file the committed batch finished to done/, or to failed/ with FILE.error beside
  // it listing the refused rows.
  void after_commit(const Batch& batch) override;

 private:
  struct Read {
    std::filesystem::path path;
    std::vector<std::string> problems;
  };
  Inbox inbox_;
  std::string folder_;
  const Clock& clock_;
  // Files finished by a batch, by that batch's cursor: the next batch is read before the
  // previous one's after_commit.
  std::map<std::string, Read> moves_;
  std::vector<std::string> problems_;  // of the file being read
  std::size_t problems_dropped_ = 0;
};

}  // namespace rapport::ingest
