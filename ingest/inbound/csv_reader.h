// CsvReader: RFC 4180 CSV as spreadsheets and form services export it: a header row, quoted
// fields with embedded commas, quotes ("") and newlines, CRLF or LF, a UTF-8 byte-order mark.
// Streams from an istream: memory stays bounded by the longest record.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace rapport::ingest {

class CsvReader {
 public:
  // `in` must outlive the reader. Records longer than max_record_bytes are an error.
  explicit CsvReader(std::istream& in, char delimiter = ',',
                     std::size_t max_record_bytes = 1024 * 1024)
      : in_(in), delimiter_(delimiter), max_record_bytes_(max_record_bytes) {}

  // Reads the next record into `fields`. Returns false at the end of the input. A problem
  // (an unterminated quote at the end, an oversized record) is reported in error() and the
  // record is still returned as far as it was read.
  bool next(std::vector<std::string>& fields);

  // The line the last record returned by next() started on (1-based).
  std::int64_t line() const { return record_line_; }
  // The line the next record starts on (after the line breaks inside quoted fields).
  std::int64_t next_line() const { return line_; }
  // After the caller moved the stream to the start of a record (resuming an import): the line
  // that record starts on, so line numbers go on counting from there.
  void resume_at_line(std::int64_t line) {
    line_ = line;
    started_ = true;
  }
  const std::string& error() const { return error_; }

 private:
  int get();
  std::istream& in_;
  char delimiter_;
  std::size_t max_record_bytes_;
  std::int64_t line_ = 1;
  std::int64_t record_line_ = 0;
  bool started_ = false;
  std::string error_;
};

}  // namespace rapport::ingest
