#include "ingest/inbound/csv_reader.h"

namespace rapport::ingest {

int CsvReader::get() {
  int c = in_.get();
  if (c == '\n') ++line_;
  return c;
}

bool CsvReader::next(std::vector<std::string>& fields) {
  fields.clear();
  error_.clear();
  if (!started_) {
    started_ = true;
    // A UTF-8 byte-order mark, as Excel and Google Forms write it.
    if (in_.peek() == 0xEF) {
      char bom[3];
      in_.read(bom, 3);
      if (in_.gcount() != 3 || bom[1] != '\xBB' || bom[2] != '\xBF') {
        in_.clear();
        in_.seekg(0);
      }
    }
  }
  int c = get();
  // Skip blank lines between records.
  while (c == '\r' || c == '\n') c = get();
  if (c == EOF) return false;
  record_line_ = line_;
  std::string field;
  std::size_t size = 0;
  bool quoted = false;
  bool was_quoted = false;
  while (true) {
    if (c == EOF) {
      if (quoted) error_ = "a quoted field is not closed before the end of the file";
      fields.push_back(std::move(field));
      return true;
    }
    if (++size > max_record_bytes_) {
      error_ = "the record is longer than " + std::to_string(max_record_bytes_) + " bytes";
      // Skip to the end of the line and return what was read.
      while (c != EOF && c != '\n') c = get();
      fields.push_back(std::move(field));
      return true;
    }
    char ch = static_cast<char>(c);
    if (quoted) {
      if (ch == '"') {
        if (in_.peek() == '"') {
          get();
          field += '"';
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch == '"' && field.empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
    } else if (ch == delimiter_) {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (ch == '\r' && in_.peek() == '\n') {
      // CRLF ends the record; the LF is consumed below.
    } else if (ch == '\n') {
      fields.push_back(std::move(field));
      return true;
    } else {
      field += ch;
    }
    c = get();
  }
}

}  // namespace rapport::ingest
