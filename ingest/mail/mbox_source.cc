#include "ingest/mail/mbox_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

#include "ingest/decode/date_parse.h"
#include "ingest/mail/mail_parser.h"

namespace rapport::ingest {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr size_t kMaxPiece = 8 << 20;  // a longer line is handed out in pieces

constexpr size_t kHeadBytes = 4096;

// FNV-1a over the first min(length, kHeadBytes) bytes of the file: notices a replaced file.
std::optional<std::uint64_t> head_hash(std::FILE* f, std::uint64_t length) {
  char buf[kHeadBytes];
  size_t want = static_cast<size_t>(std::min<std::uint64_t>(length, sizeof buf));
  if (std::fseek(f, 0, SEEK_SET) != 0) return std::nullopt;
  if (std::fread(buf, 1, want, f) != want) return std::nullopt;
  std::uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < want; ++i) {
    h ^= static_cast<unsigned char>(buf[i]);
    h *= 1099511628211ull;
  }
  return h;
}

bool starts_with_from(std::string_view line) { return line.rfind("From ", 0) == 0; }

// The date at the end of a "From sender Thu Nov 24 18:22:48 2026" line.
std::optional<UnixTime> envelope_date(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  size_t first_space = line.find(' ', 5);  // after the sender
  if (first_space == std::string_view::npos) return std::nullopt;
  return parse_asctime(line.substr(first_space + 1));
}

}  // namespace

std::optional<UnixTime> parse_asctime(std::string_view text) {
  // "Www Mmm dd hh:mm:ss yyyy", possibly with a zone after the year; rebuilt as RFC 5322.
  std::istringstream in{std::string(text)};
  std::string weekday, month, day, time, year, zone;
  if (!(in >> weekday >> month >> day >> time >> year)) return std::nullopt;
  in >> zone;
  if (year.size() != 4 && zone.size() == 4) std::swap(year, zone);  // "... 18:22:48 +0000 2026"
  return parse_date(day + " " + month + " " + year + " " + time + " " +
                    (zone.empty() ? "+0000" : zone));
}

MboxReader::MboxReader(const std::string& path, std::uint64_t offset, MboxFormat format,
                       std::uint64_t max_message_bytes)
    : format_(format), max_bytes_(max_message_bytes) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) {
    error_ = std::strerror(errno);
    return;
  }
  if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0) {
    error_ = std::strerror(errno);
    std::fclose(file_);
    file_ = nullptr;
    return;
  }
  buffer_offset_ = offset;
}

MboxReader::~MboxReader() {
  if (file_) std::fclose(file_);
}

bool MboxReader::read_line(std::string_view& line) {
  for (;;) {
    size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      line = std::string_view(buffer_).substr(pos_, nl + 1 - pos_);
      pos_ = nl + 1;
      return true;
    }
    if (buffer_.size() - pos_ >= kMaxPiece || (eof_ && pos_ < buffer_.size())) {
      line = std::string_view(buffer_).substr(pos_);
      pos_ = buffer_.size();
      return true;
    }
    if (eof_) return false;
    buffer_offset_ += pos_;
    buffer_.erase(0, pos_);
    pos_ = 0;
    size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    size_t got = std::fread(buffer_.data() + old, 1, kChunk, file_);
    buffer_.resize(old + got);
    if (got == 0) {
      if (std::ferror(file_)) error_ = "read error";
      eof_ = true;
    }
  }
}

bool MboxReader::next(MboxEntry& out) {
  if (!file_) return false;
  out = MboxEntry();
  std::string_view line;
  bool at_line_start = true;
  bool previous_blank = true;
  if (!have_pending_) {
    // Find the first "From " line; anything before it is not part of a message.
    for (;;) {
      std::uint64_t offset = buffer_offset_ + pos_;
      if (!read_line(line)) return false;
      if (at_line_start && starts_with_from(line)) {
        pending_envelope_ = std::string(line);
        pending_start_ = offset;
        have_pending_ = true;
        break;
      }
      skipped_ += line.size();
      at_line_start = line.back() == '\n';
    }
  }
  out.envelope = pending_envelope_;
  out.start = pending_start_;
  out.delivered_at = envelope_date(out.envelope);
  have_pending_ = false;
  at_line_start = true;
  previous_blank = false;
  for (;;) {
    std::uint64_t offset = buffer_offset_ + pos_;
    if (!read_line(line)) break;
    bool whole = line.back() == '\n';
    if (at_line_start && starts_with_from(line) &&
        (previous_blank || (whole && envelope_date(line)))) {
      pending_envelope_ = std::string(line);
      pending_start_ = offset;
      have_pending_ = true;
      out.end = offset;
      break;
    }
    std::string_view text = line;
    if (at_line_start && !text.empty() && text.front() == '>') {
      size_t gt = text.find_first_not_of('>');
      bool escaped = gt != std::string_view::npos && text.substr(gt).rfind("From ", 0) == 0 &&
                     (format_ == MboxFormat::kMboxrd || gt == 1);
      if (escaped) text.remove_prefix(1);
    }
    if (out.raw.size() + text.size() <= max_bytes_) {
      if (out.raw.capacity() < out.raw.size() + text.size()) {
        // Grown by doubling, but never past the cap: a message near it must not hold twice it.
        out.raw.reserve(static_cast<size_t>(std::min<std::uint64_t>(
            max_bytes_, std::max<std::uint64_t>(out.raw.capacity() * 2,
                                                out.raw.size() + text.size()))));
      }
      out.raw.append(text);
    } else {
      out.truncated = true;
    }
    previous_blank = at_line_start && (line == "\n" || line == "\r\n");
    at_line_start = whole;
  }
  if (!have_pending_) out.end = buffer_offset_ + pos_;
  // The blank line before the next "From " separates; it is not part of the message.
  if (out.raw.size() >= 2 && out.raw.ends_with("\n\n")) out.raw.pop_back();
  return true;
}

Result<Batch> MboxSource::poll(const std::string& cursor) {
  std::uint64_t offset = 0;
  std::uint64_t known_hash = 0;
  if (!cursor.empty()) {
    std::istringstream in(cursor);
    in >> offset >> std::hex >> known_hash;
    if (!in) offset = known_hash = 0;
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return make_error(ErrorCode::kIo, std::string("cannot read the mbox: ") + std::strerror(errno),
                      path_, "is [[mailbox]] path the mbox file?", Retry::kYes);
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  // One handle for the checks of the stored place and the fingerprint of the new one.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path_.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) {
    return make_error(ErrorCode::kIo, std::string("cannot read the mbox: ") + std::strerror(errno),
                      path_, "", Retry::kYes);
  }
  std::FILE* f = file.get();
  Batch batch;
  if (offset > 0) {
    std::string why;
    if (size < offset) {
      why = "is shorter than when it was last read (truncated)";
    } else if (head_hash(f, offset) != known_hash) {
      why = "begins differently than when it was last read (replaced)";
    } else if (size > offset) {
      char from[5] = {};
      std::fseek(f, static_cast<long>(offset), SEEK_SET);
      if (std::fread(from, 1, 5, f) != 5 || std::memcmp(from, "From ", 5) != 0) {
        why = "has no message where the last read ended (rewritten by a mail program)";
      }
    }
    if (!why.empty()) {
      batch.warnings.push_back("the file " + why + "; it is read again from the start");
      offset = 0;
    }
  }

  MboxReader reader(path_, offset, format_, static_cast<std::uint64_t>(max_message_bytes_));
  if (!reader.ok()) {
    return make_error(ErrorCode::kIo, "cannot read the mbox: " + reader.error(), path_, "",
                      Retry::kYes);
  }
  std::uint64_t end = offset;
  MboxEntry entry;
  int taken = 0;
  while (taken < batch_size_ && reader.next(entry)) {
    ++taken;
    Message m = parse_mail(entry.raw, entry.delivered_at.value_or(st.st_mtime));
    m.source_ref = "offset " + std::to_string(entry.start);
    m.outgoing = sent_;
    if (entry.truncated) {
      m.warnings.push_back("larger than " + std::to_string(max_message_bytes_) +
                           " bytes; only the beginning was read");
    }
    for (const auto& w : m.warnings) batch.warnings.push_back(m.source_ref + ": " + w);
    batch.messages.push_back(std::move(m));
    end = entry.end;
  }
  if (!reader.error().empty()) {
    return make_error(ErrorCode::kIo, "cannot read the mbox: " + reader.error(), path_, "",
                      Retry::kYes);
  }
  if (offset == 0 && reader.skipped_bytes() > 0) {
    batch.warnings.push_back(std::to_string(reader.skipped_bytes()) +
                             " bytes before the first \"From \" line are not a message");
  }
  if (taken == 0) end = std::max(offset, end);
  batch.more = taken == batch_size_ && end < size;
  batch.progress = {static_cast<std::int64_t>(batch.more ? end : size),
                    static_cast<std::int64_t>(size), Progress::Unit::kBytes};
  // The fingerprint covers the first bytes only: unchanged once both places are past them.
  std::uint64_t hash =
      offset >= kHeadBytes && end >= kHeadBytes ? known_hash : head_hash(f, end).value_or(0);
  std::ostringstream c;
  c << end << ' ' << std::hex << hash;
  batch.cursor = c.str();
  return batch;
}

}  // namespace rapport::ingest
