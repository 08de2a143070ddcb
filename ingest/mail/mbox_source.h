// MboxSource: an mbox file (mboxrd or mboxo), read as a stream and never changed.
//
// Memory does not grow with the file: messages are read one at a time through a fixed
// buffer. Cursor "OFFSET HEAD": where the next unread message starts, and a fingerprint of
// the file's first bytes. A file that became shorter than the offset (truncated), whose first
// bytes changed (replaced), or that has no message starting at the offset (rewritten by a mail
// client) is read again from the start, with a warning; natural keys keep that from storing
// anything twice. A poll returns at most `batch_size` messages with Batch::more set when the
// file has more.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "ingest/source.h"

namespace rapport::ingest {

enum class MboxFormat { kMboxrd, kMboxo };

// One message of an mbox, unescaped.
struct MboxEntry {
  std::string raw;                       // the message without its "From " line
  std::string envelope;                  // the "From " line
  std::uint64_t start = 0;               // the offset of its "From " line
  std::uint64_t end = 0;                 // the offset just after it (the next "From " line)
  bool truncated = false;                // longer than the limit; `raw` holds the beginning
  std::optional<UnixTime> delivered_at;  // from the "From " line
};

class MboxReader {
 public:
  // Reads `path` from `offset`, which must be where a message starts (or the end).
  MboxReader(const std::string& path, std::uint64_t offset, MboxFormat format,
             std::uint64_t max_message_bytes = 16 * 1024 * 1024);
  ~MboxReader();
  MboxReader(const MboxReader&) = delete;
  MboxReader& operator=(const MboxReader&) = delete;

  bool ok() const { return file_ != nullptr; }
  const std::string& error() const { return error_; }  // why it could not be opened
  // The next message, or false at the end of the file (or a read error, see error()).
  bool next(MboxEntry& out);
  // Text before the first "From " line (not an mbox, or damaged): its size, for a warning.
  std::uint64_t skipped_bytes() const { return skipped_; }

 private:
  bool read_line(std::string_view& line);  // a line with its '\n'; false at the end

  std::FILE* file_ = nullptr;
  std::string error_;
  MboxFormat format_;
  std::uint64_t max_bytes_;
  std::string buffer_;
  size_t pos_ = 0;
  std::uint64_t buffer_offset_ = 0;  // file offset of buffer_[0]
  bool eof_ = false;
  std::string long_line_;  // a line longer than the buffer, assembled
  std::string pending_envelope_;
  std::uint64_t pending_start_ = 0;
  bool have_pending_ = false;
  std::uint64_t skipped_ = 0;
};

class MboxSource final : public Source {
 public:
  MboxSource(std::string name, std::string path, MboxFormat format = MboxFormat::kMboxrd,
             int batch_size = 500, std::int64_t max_message_bytes = 16 * 1024 * 1024)
      : name_(std::move(name)),
        path_(std::move(path)),
        format_(format),
        batch_size_(batch_size),
        max_message_bytes_(max_message_bytes) {}

  void set_sent_folder(bool sent) { sent_ = sent; }

  std::string_view kind() const override { return sent_ ? "sent folder" : "mbox"; }
  const std::string& name() const override { return name_; }
  const std::string& location() const override { return path_; }
  // Fails with kIo when the file cannot be read.
  Result<Batch> poll(const std::string& cursor) override;

 private:
  std::string name_;
  std::string path_;
  MboxFormat format_;
  int batch_size_;
  std::int64_t max_message_bytes_;
  bool sent_ = false;
};

// "Thu Nov 24 18:22:48 2026" (asctime, as "From " lines write it), read as UTC.
std::optional<UnixTime> parse_asctime(std::string_view text);

}  // namespace rapport::ingest
