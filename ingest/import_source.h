// Import sources: listener messages from files — a CSV or JSON-lines export read on every
// run, or a drop folder whose files are imported and then moved to done/ (or, with a .error
// report beside them, to failed/). Nothing is ever deleted.
#pragma once

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "ingest/inbound.h"
#include "ingest/source.h"
#include "store/clock.h"

namespace rapport::ingest {

// What reading one file gave: the good rows as messages and one line per bad row.
struct ImportedFile {
  std::vector<Message> messages;
  std::vector<std::string> problems;  // "line 7: email: is not an email address"
  std::int64_t rows = 0;
};

// Reads a CSV (header row) or JSON-lines file for `inbox`. Fails with kIo when the file cannot
// be read, and with kParse when it is not a table at all (no header, an unknown column).
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
  Result<Batch> poll(const std::string& cursor) override;
  // Moves each file read by the last poll to done/, or to failed/ with FILE.error beside it.
  void after_commit(const Batch& batch) override;

 private:
  struct Read {
    std::filesystem::path path;
    std::vector<std::string> problems;
  };
  Inbox inbox_;
  std::string folder_;
  const Clock& clock_;
  std::vector<Read> read_;
};

}  // namespace rapport::ingest
