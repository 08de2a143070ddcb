#include "ingest/mail/imap_source.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <functional>
#include <sstream>

#include "core/text.h"
#include "ingest/decode/date_parse.h"
#include "ingest/mail/mail_parser.h"

namespace rapport::ingest {

// One untagged response with its literals. Each literal's place in `text` is marked by '\x01'.
struct ImapResponse {
  std::string text;
  std::vector<std::string> literals;
};

namespace {

using Untagged = ImapResponse;

// "{123}" or "{123+}" at the end of a line: the size of the literal that follows.
std::optional<std::uint64_t> literal_size(const std::string& line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  size_t open = line.rfind('{');
  if (open == std::string::npos) return std::nullopt;
  std::string_view digits(line.data() + open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return n;
}

// Reads the FETCH items of one response: "UID 7 RFC822.SIZE 120 BODY[]<0> \x01 ...".
struct FetchItems {
  std::optional<std::uint32_t> uid;
  std::optional<std::uint64_t> size;
  std::optional<UnixTime> internal_date;
  const std::string* body = nullptr;
  std::string quoted_body;  // a body sent as a quoted string instead of a literal
};

class FetchReader {
 public:
  FetchReader(const Untagged& u) : u_(u), s_(u.text) {}

  FetchItems read() {
    FetchItems items;
    size_t open = s_.find('(');
    if (open == std::string_view::npos) return items;
    pos_ = open + 1;
    while (pos_ < s_.size() && s_[pos_] != ')') {
      skip_spaces();
      std::string name = ascii_upper(atom());
      skip_spaces();
      if (name.empty()) break;
      if (name == "UID") {
        auto v = number();
        if (v && *v <= 0xffffffffu) items.uid = static_cast<std::uint32_t>(*v);
      } else if (name == "RFC822.SIZE") {
        items.size = number();
      } else if (name == "INTERNALDATE") {
        if (auto q = quoted()) items.internal_date = parse_date(*q);
      } else if (name.rfind("BODY[", 0) == 0) {
        if (pos_ < s_.size() && s_[pos_] == '\x01') {
          if (literal_ < u_.literals.size()) items.body = &u_.literals[literal_];
          ++literal_;
          ++pos_;
        } else if (auto q = quoted()) {
          items.quoted_body = *q;
          items.body = &items.quoted_body;
        } else {
          atom();  // NIL
        }
      } else {
        skip_value();
      }
    }
    return items;
  }

 private:
  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  // An item name; a section "[...]" and a partial "<...>" are part of it.
  std::string atom() {
    size_t start = pos_;
    int bracket = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '[') ++bracket;
      if (c == ']') --bracket;
      if (bracket <= 0 && (c == ' ' || c == ')' || c == '(' || c == '\x01')) break;
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  std::optional<std::uint64_t> number() {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), n);
    if (ec != std::errc()) return std::nullopt;
    pos_ = static_cast<size_t>(end - s_.data());
    return n;
  }
  std::optional<std::string> quoted() {
    if (pos_ >= s_.size() || s_[pos_] != '"') return std::nullopt;
    std::string out;
    for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
      if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
      out += s_[pos_];
    }
    ++pos_;
    return out;
  }
  void skip_value() {
    if (pos_ >= s_.size()) return;
    if (s_[pos_] == '"') {
      quoted();
    } else if (s_[pos_] == '\x01') {
      ++literal_;
      ++pos_;
    } else if (s_[pos_] == '(') {
      int depth = 0;
      for (; pos_ < s_.size(); ++pos_) {
        if (s_[pos_] == '\x01') ++literal_;
        if (s_[pos_] == '"') {
          quoted();
          --pos_;
        } else if (s_[pos_] == '(') {
          ++depth;
        } else if (s_[pos_] == ')' && --depth == 0) {
          ++pos_;
          break;
        }
      }
    } else {
      atom();
    }
  }

  const Untagged& u_;
  std::string_view s_;
  size_t pos_ = 0;
  size_t literal_ = 0;
};

// "* OK [UIDVALIDITY 3857529045] UIDs valid" → 3857529045.
std::optional<std::uint64_t> response_code_number(const std::string& text, std::string_view code) {
  std::string upper = ascii_upper(text);
  size_t at = upper.find("[" + std::string(code) + " ");
  if (at == std::string::npos) return std::nullopt;
  std::uint64_t n = 0;
  const char* begin = text.data() + at + code.size() + 2;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), n);
  if (ec != std::errc()) return std::nullopt;
  return n;
}

// "DD-Mon-YYYY" for SEARCH SINCE.
std::string imap_date(UnixTime t) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string ymd = format_rfc3339_utc(t).substr(0, 10);  // 2026-11-24
  int month = std::stoi(ymd.substr(5, 2));
  return std::to_string(std::stoi(ymd.substr(8, 2))) + "-" + kMonths[month - 1] + "-" +
         ymd.substr(0, 4);
}

// "1,5,7:9" for a sorted list of UIDs.
std::string uid_set(const std::vector<std::uint32_t>& uids) {
  std::string out;
  for (size_t i = 0; i < uids.size();) {
    size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ":" + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string imap_quoted_folder(const std::string& utf8) {
  static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  std::string out = "\"";
  std::u16string run;  // UTF-16 units waiting to be written in modified base64
  auto flush = [&] {
    if (run.empty()) return;
    out += '&';
    std::uint32_t bits = 0;
    int count = 0;
    for (char16_t unit : run) {
      for (int shift : {8, 0}) {
        bits = (bits << 8) | ((unit >> shift) & 0xff);
        count += 8;
        while (count >= 6) {
          count -= 6;
          out += kB64[(bits >> count) & 0x3f];
        }
      }
    }
    if (count > 0) out += kB64[(bits << (6 - count)) & 0x3f];
    out += '-';
    run.clear();
  };
  for (size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x20 && c < 0x7f) {
      flush();
      if (c == '&') {
        out += "&-";
      } else {
        if (c == '"' || c == '\\') out += '\\';
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (the config is valid UTF-8; anything else becomes U+FFFD).
    std::uint32_t cp = 0xfffd;
    int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (len > 1 && i + len <= utf8.size()) {
      cp = c & (0x7f >> len);
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (utf8[i + k] & 0x3f);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      run += static_cast<char16_t>(0xd800 + (cp >> 10));
      run += static_cast<char16_t>(0xdc00 + (cp & 0x3ff));
    } else {
      run += static_cast<char16_t>(cp);
    }
  }
  flush();
  return out + "\"";
}

ImapSource::ImapSource(ImapOptions options) : options_(std::move(options)) {
  location_ = std::string(options_.server.security == "tls" ? "imaps" : "imap") + "://" +
              options_.server.host + ":" + std::to_string(options_.server.port) + "/" +
              options_.folder;
}

ImapSource::~ImapSource() { disconnect(); }

void ImapSource::disconnect() {
  if (session_) {
    // A polite goodbye; the answer does not matter.
    (void)session_->send("R" + std::to_string(++tag_) + " LOGOUT\r\n");
  }
  session_.reset();
  pending_.clear();
  pending_after_.clear();
  in_flight_.clear();
  arrived_.clear();
}

Status ImapSource::connect() {
  auto session = MailSession::open(options_.server);
  if (!session) return session.error();
  session_ = std::move(*session);
  return {};
}

Result<Batch> ImapSource::poll(const std::string& cursor) {
  Result<Batch> batch = poll_connected(cursor);
  if (!batch || !batch->more) disconnect();
  return batch;
}

Result<std::string> ImapSource::send_command(const std::string& cmd) {
  std::string tag = "R" + std::to_string(++tag_);
  if (auto s = session_->send(tag + " " + cmd + "\r\n"); !s) return s.error();
  return tag;
}

Status ImapSource::read_until(const std::string& tag, const std::string& cmd,
                              const OnUntagged& on_untagged) {
  for (;;) {
    auto line = session_->read_line(64 << 20);
    if (!line) return line.error();
    if (line->rfind(tag + " ", 0) == 0) {
      std::string status = ascii_upper(line->substr(tag.size() + 1, 3));
      if (status == "OK ") return {};
      return make_error(ErrorCode::kNetwork,
                        "the server answered " + cmd.substr(0, cmd.find(' ')) +
                            " with: " + line->substr(tag.size() + 1),
                        location_, "", Retry::kYes);
    }
    if (line->rfind("* ", 0) != 0) continue;  // a continuation we did not ask for
    Untagged u;
    for (;;) {
      auto n = literal_size(*line);
      if (!n) {
        u.text += *line;
        break;
      }
      u.text.append(*line, 0, line->rfind('{'));
      u.text += '\x01';
      std::string literal;
      std::uint64_t keep = static_cast<std::uint64_t>(options_.max_message_bytes);
      literal.reserve(static_cast<size_t>(std::min<std::uint64_t>(*n, keep)));
      if (auto s = session_->read_exact(*n, literal, keep); !s) return s;
      u.literals.push_back(std::move(literal));
      line = session_->read_line(64 << 20);
      if (!line) return line.error();
    }
    on_untagged(u);
  }
}

Status ImapSource::send_fetches() {
  while (in_flight_.size() < std::max<size_t>(1, options_.fetches_in_flight) && !pending_.empty()) {
    Fetch f;
    while (!pending_.empty() && f.uids.size() < static_cast<size_t>(options_.batch_size)) {
      f.uids.push_back(pending_.front());
      pending_.pop_front();
    }
    auto tag = send_command("UID FETCH " + uid_set(f.uids) +
                            " (UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0." +
                            std::to_string(options_.max_message_bytes) + ">)");
    if (!tag) return tag.error();
    f.tag = std::move(*tag);
    in_flight_.push_back(std::move(f));
  }
  return {};
}

std::optional<std::pair<std::uint32_t, Message>> ImapSource::message_of(
    const Untagged& u, const std::function<bool(std::uint32_t)>& asked,
    std::vector<std::string>& warnings) {
  FetchItems items = FetchReader(u).read();
  if (!items.uid || !items.body) return std::nullopt;  // a flag update, not our message
  if (!asked(*items.uid)) return std::nullopt;          // not one of ours, or not now
  Message m = parse_mail(*items.body, items.internal_date.value_or(std::time(nullptr)));
  m.source_ref =
      options_.folder + "/" + std::to_string(validity_) + "/" + std::to_string(*items.uid);
  m.outgoing = options_.sent;
  if (items.size && *items.size > items.body->size()) {
    m.warnings.push_back("larger than " + std::to_string(options_.max_message_bytes) +
                         " bytes; only the beginning was read");
  }
  for (const auto& w : m.warnings)
    warnings.push_back("UID " + std::to_string(*items.uid) + ": " + w);
  return std::make_pair(*items.uid, std::move(m));
}

Result<Batch> ImapSource::poll_connected(const std::string& cursor) {
  std::uint64_t known_validity = 0;
  std::uint32_t last_uid = 0;
  if (!cursor.empty()) {
    std::istringstream in(cursor);
    in >> known_validity >> last_uid;
    if (!in) known_validity = last_uid = 0;
  }

  Batch batch;
  bool continuing = session_ && !pending_after_.empty() && cursor == pending_after_;
  if (!continuing) {
    disconnect();
    if (auto s = connect(); !s) return s.error();
    validity_ = 0;
    // EXAMINE and the SEARCH that follows it go out together (one round trip, not two); the
    // search assumes the folder is the one the cursor knows, and is made again from the start
    // when EXAMINE says it is not.
    const std::string examine = "EXAMINE " + imap_quoted_folder(options_.folder);
    auto search_for = [&](std::uint32_t after) {
      if (after == 0 && options_.since) return "UID SEARCH SINCE " + imap_date(*options_.since);
      return "UID SEARCH UID " + std::to_string(after + 1) + ":*";
    };
    std::string search = search_for(last_uid);
    auto tag = send_command(examine);
    if (!tag) return tag.error();
    auto searching = send_command(search);
    if (!searching) return searching.error();
    auto examined = read_until(*tag, examine, [&](const Untagged& u) {
      if (auto v = response_code_number(u.text, "UIDVALIDITY")) validity_ = *v;
    });
    if (!examined) {
      Error e = examined.error();
      if (e.what.find("answered EXAMINE") != std::string::npos) {
        e.code = ErrorCode::kConfig;
        e.retry = Retry::kNo;
        e.hint = "is the folder \"" + options_.folder + "\" spelled as the server lists it?";
      }
      return e;
    }
    std::vector<std::uint32_t> found;
    auto collect = [&](const Untagged& u) {
      if (ascii_upper(u.text.substr(0, 9)) != "* SEARCH ") return;
      std::string_view rest(u.text);
      rest.remove_prefix(9);
      while (!rest.empty()) {
        std::uint32_t uid = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), uid);
        if (ec != std::errc()) break;
        if (uid > last_uid) found.push_back(uid);
        rest.remove_prefix(static_cast<size_t>(end - rest.data()));
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      }
    };
    auto searched = read_until(*searching, search, collect);
    if (!searched) return searched.error();
    if (known_validity != 0 && validity_ != known_validity) {
      batch.warnings.push_back("UIDVALIDITY changed from " + std::to_string(known_validity) +
                               " to " + std::to_string(validity_) +
                               ": the folder is read again (nothing is stored twice)");
      if (last_uid != 0) {
        last_uid = 0;
        found.clear();
        search = search_for(0);
        searching = send_command(search);
        if (!searching) return searching.error();
        searched = read_until(*searching, search, collect);
        if (!searched) return searched.error();
      }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    pending_.assign(found.begin(), found.end());
    pass_total_ = static_cast<std::int64_t>(found.size());
  }

  // The next batches are asked for before this one is read, so they stream while it is
  // parsed here and committed by the caller.
  if (auto s = send_fetches(); !s) return s.error();
  std::uint32_t newest = last_uid;
  if (!in_flight_.empty()) {
    Fetch f = std::move(in_flight_.front());
    in_flight_.pop_front();
    newest = std::max(newest, f.uids.back());
    // A UID this batch or a later one in flight asked for (and has not been read yet).
    auto asked = [&](std::uint32_t uid) {
      auto in = [uid](const Fetch& x) {
        return std::binary_search(x.uids.begin(), x.uids.end(), uid);
      };
      return in(f) || std::any_of(in_flight_.begin(), in_flight_.end(), in);
    };
    auto fetched = read_until(f.tag, "UID FETCH", [&](const Untagged& u) {
      std::vector<std::string> warnings;
      auto read = message_of(u, asked, warnings);
      if (!read) return;
      arrived_.insert_or_assign(read->first,
                                std::make_pair(std::move(read->second), std::move(warnings)));
    });
    if (!fetched) return fetched.error();
    // The batches are slices of the sorted UIDs: what arrived between this one's first and
    // last UID is this batch's, whichever command's answers brought it.
    auto last = arrived_.upper_bound(f.uids.back());
    for (auto it = arrived_.lower_bound(f.uids.front()); it != last; it = arrived_.erase(it)) {
      batch.messages.push_back(std::move(it->second.first));
      for (auto& w : it->second.second) batch.warnings.push_back(std::move(w));
    }
    // Keep the server busy while the caller commits this batch.
    if (auto s = send_fetches(); !s) return s.error();
  }
  batch.cursor = std::to_string(validity_) + " " + std::to_string(newest);
  batch.more = !pending_.empty() || !in_flight_.empty();
  const auto waiting = static_cast<std::int64_t>(pending_.size()) + [&] {
    std::int64_t n = 0;
    for (const auto& f : in_flight_) n += static_cast<std::int64_t>(f.uids.size());
    return n;
  }();
  batch.progress = {pass_total_ - waiting, pass_total_, Progress::Unit::kMessages};
  pending_after_ = batch.more ? batch.cursor : std::string();
  return batch;
}

}  // namespace rapport::ingest
