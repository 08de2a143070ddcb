// MaildirSource: a Maildir (new/ and cur/) of replies, read and never changed.
//
// Cursor "WATERMARK COUNT": the newest file time seen and how many files were at or before
// it. A poll reads only files newer than the watermark; if the number of files at or before
// it changed (a file delivered with an old time, a file removed), it reads every file again
// and natural keys keep that from adding anything twice. A poll reads at most `batch_size`
// files, oldest first; while more are waiting the cursor is "partial MTIME NAME HANDLED" (every
// file up to that one was read, HANDLED of them in all) and Batch::more is set.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ingest/source.h"

namespace rapport::ingest {

class MaildirSource final : public Source {
 public:
  // Files larger than max_message_bytes are stored by their headers only, with a warning.
  MaildirSource(std::string name, std::string path, int batch_size = 500,
                std::int64_t max_message_bytes = 16 * 1024 * 1024)
      : name_(std::move(name)),
        path_(std::move(path)),
        batch_size_(batch_size),
        max_message_bytes_(max_message_bytes) {}

  // The creator's Sent folder: its messages are answers to their recipients, not listener mail.
  void set_sent_folder(bool sent) { sent_ = sent; }

  std::string_view kind() const override { return sent_ ? "sent folder" : "maildir"; }
  const std::string& name() const override { return name_; }
  const std::string& location() const override { return path_; }
  // Fails with kIo when the folder or its new/ and cur/ cannot be listed.
  Result<Batch> poll(const std::string& cursor) override;

 private:
  struct Entry {
    std::filesystem::path path;
    std::string unique;  // the file name without its ":2,FLAGS" info part
    std::int64_t mtime = 0;
    std::int64_t size = 0;
  };

  // Where a file listed as `unique` is now (a mail program renamed it), or empty.
  std::filesystem::path relocate(const std::string& unique) const;

  std::string name_;
  std::string path_;
  int batch_size_;
  // The sorted listing of a scan in batches, kept while the stored cursor is the one the last
  // poll returned: a large folder is listed once per pass, not once per batch.
  std::vector<Entry> scan_;
  std::string scan_cursor_;
  std::int64_t max_message_bytes_;
  bool sent_ = false;
};

}  // namespace rapport::ingest
