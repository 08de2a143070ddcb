#include "ingest/inbound/inbound.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "ingest/inbound/csv_reader.h"
#include "ingest/inbound/import_source.h"
#include "tests/support/temp_dir.h"

namespace rapport::ingest {
namespace {

using testing::TempDir;

std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::istringstream in(text);
  CsvReader csv(in);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> f;
  while (csv.next(f)) rows.push_back(f);
  return rows;
}

TEST(CsvReader, ReadsQuotesEmbeddedNewlinesCrlfAndABom) {
  auto rows = read_csv(
      "\xEF\xBB\xBFname,text\r\n\"Okafor, Marcus\",\"He said \"\"hi\"\"\nthen left\"\r\n,empty "
      "name\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"name", "text"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"Okafor, Marcus", "He said \"hi\"\nthen left"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"", "empty name"}));
}

TEST(CsvReader, ReportsLineNumbersAndAnUnclosedQuote) {
  std::istringstream in("a,b\n1,\"two\nlines\"\n3,4\n5,\"never closed\n");
  CsvReader csv(in);
  std::vector<std::string> f;
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(csv.line(), 1);
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(csv.line(), 2);
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(csv.line(), 4);
  ASSERT_TRUE(csv.next(f));
  EXPECT_EQ(csv.line(), 5);
  EXPECT_NE(csv.error().find("not closed"), std::string::npos);
  EXPECT_FALSE(csv.next(f));
}

Inbox generic() { return Inbox{"site", InboxKind::kGeneric, {}}; }

Message ok(const Converted& c) {
  if (auto* e = std::get_if<FieldError>(&c)) {
    ADD_FAILURE() << e->field << ": " << e->problem;
  }
  return std::get<Message>(c);
}

FieldError refused(const Converted& c) {
  if (std::holds_alternative<Message>(c)) {
    ADD_FAILURE() << "accepted";
    return {};
  }
  return std::get<FieldError>(c);
}

TEST(Inbound, ReadsTheGenericJson) {
  auto c = message_from_json(R"({"name": "Amélie", "email": "Amelie@Orange.fr", "text": "Bonjour !",
      "episode": 9, "received_at": "2026-11-20T08:00:00+01:00", "source": "site",
      "handle": {"platform": "instagram", "value": "@amelie.jardine"}, "idempotency_key": "k-1"})",
                             generic(), 0);
  Message m = ok(c);
  EXPECT_EQ(m.kind, MessageKind::kMessage);
  EXPECT_EQ(m.from.name, "Amélie");
  EXPECT_EQ(m.from.address, "Amelie@Orange.fr");
  EXPECT_EQ(m.text, "Bonjour !");
  EXPECT_EQ(m.episode_ref, "9");
  EXPECT_EQ(m.received_at, 1795158000);  // 08:00 at +01:00
  EXPECT_EQ(m.claimed.kind, "handle");
  EXPECT_EQ(m.claimed.value, "instagram:amelie.jardine");
  EXPECT_EQ(m.natural_key, "inbox:site:id:k-1");
}

TEST(Inbound, RefusesBadPayloadsNamingTheField) {
  EXPECT_EQ(refused(message_from_json("{\"text\": ", generic(), 0)).field, "(body)");
  EXPECT_EQ(refused(message_from_json("[1, 2]", generic(), 0)).field, "(body)");
  EXPECT_EQ(refused(message_from_json(R"({"email": "a@b.example"})", generic(), 0)).field, "text");
  FieldError typed = refused(message_from_json(R"({"email": 42, "text": "hi"})", generic(), 0));
  EXPECT_EQ(typed.field, "email");
  EXPECT_EQ(typed.problem, "must be a string");
  EXPECT_EQ(refused(message_from_json(R"({"email": "nope", "text": "hi"})", generic(), 0)).problem,
            "is not an email address");
  EXPECT_EQ(refused(message_from_json(R"({"name": "Anon", "text": "hi"})", generic(), 0)).field,
            "email");
  EXPECT_EQ(
      refused(message_from_json(R"({"email": "a@b.example", "text": "hi", "received_at": "soon"})",
                                generic(), 0))
          .field,
      "received_at");
  EXPECT_EQ(
      refused(message_from_json(R"({"handle": {"value": "x"}, "text": "hi"})", generic(), 0)).field,
      "handle.platform");
}

TEST(Inbound, TheSamePayloadHasTheSameKeyWithoutAnIdempotencyKey) {
  const char* body = R"({"email": "a@b.example", "text": "hi", "received_at": 1795500000})";
  std::string k1 = ok(message_from_json(body, generic(), 1)).natural_key;
  std::string k2 = ok(message_from_json(body, generic(), 2)).natural_key;
  EXPECT_EQ(k1, k2);
  EXPECT_EQ(k1.rfind("inbox:site:sha256:", 0), 0u);
  EXPECT_NE(
      ok(message_from_json(R"({"email": "a@b.example", "text": "hi!", "received_at": 1795500000})",
                           generic(), 1))
          .natural_key,
      k1);
}

TEST(Inbound, MapsAVoicemailWebhook) {
  Inbox vm{"voicemail", InboxKind::kVoicemail, {}};
  Message m = ok(message_from_json(R"({"id": "vm-77", "caller_name": "Ravi Shah",
      "caller_number": "+44 (0)7700 900123", "recording_url": "https://vm.example/r/77.mp3",
      "duration_seconds": 42, "transcript": "Hi Sam, quick question about leeks."})",
                                   vm, 1795500000));
  EXPECT_EQ(m.kind, MessageKind::kVoicemail);
  EXPECT_EQ(m.text, "Hi Sam, quick question about leeks.");
  EXPECT_EQ(m.claimed.kind, "phone");
  EXPECT_EQ(m.claimed.value, "+44 (0)7700 900123");
  EXPECT_EQ(m.details, "voicemail, 0:42");
  EXPECT_EQ(m.url, "https://vm.example/r/77.mp3");  // a link to the recording in the digest
  EXPECT_EQ(m.received_at, 1795500000);
}

TEST(Inbound, TwoVoicemailsWithTheSameWordsAreTwoMessagesByTheirId) {
  // The adapter ignored the documented `id`: the second "call me back" was lost as a duplicate.
  Inbox vm{"voicemail", InboxKind::kVoicemail, {}};
  std::string body = R"({"caller_number": "+14155550100", "transcript": "Call me back?",
      "duration_seconds": 12, "id": "ID"})";
  auto first = ok(message_from_json(std::string(body).replace(body.find("ID"), 2, "rec-1"), vm, 0));
  auto second =
      ok(message_from_json(std::string(body).replace(body.find("ID"), 2, "rec-2"), vm, 0));
  EXPECT_EQ(first.natural_key, "inbox:voicemail:id:rec-1");
  EXPECT_EQ(second.natural_key, "inbox:voicemail:id:rec-2");
  EXPECT_EQ(first.source_ref, "rec-1");
}

TEST(Inbound, AVoicemailOfTenToTheThreeHundredSecondsIsRefusedNotStoredAsGarbage) {
  // 1e300 seconds was stored as "voicemail, -35791394:0-8".
  Inbox vm{"voicemail", InboxKind::kVoicemail, {}};
  auto r = message_from_json(
      R"({"caller_number": "+14155550100", "transcript": "hi", "duration_seconds": 1e300})", vm, 0);
  auto* e = std::get_if<FieldError>(&r);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->field, "duration_seconds");
  EXPECT_EQ(e->problem, "is larger than 86400 (more than can be meant)");
  Inbox boost{"boosts", InboxKind::kBoostagram, {}};
  auto b = message_from_json(R"({"sender_name": "x", "reply_address": "x@getalby.com",
      "value_sat": 1e300, "message": "hi"})",
                             boost, 0);
  ASSERT_NE(std::get_if<FieldError>(&b), nullptr);
  EXPECT_EQ(std::get_if<FieldError>(&b)->field, "value_sat");
}

TEST(Inbound, ANulInTheTextNoLongerCutsItThere) {
  // SQLite's text functions stop at a NUL: everything after "before" was lost from view.
  Inbox generic{"hooks", InboxKind::kGeneric, {}};
  Message m = ok(message_from_json(
      R"({"email": "ana@example.org", "text": "before\u0000after\u001b[31m the rest", "subject": "a\nb"})",
      generic, 0));
  EXPECT_EQ(m.text,
            "before\xEF\xBF\xBD"
            "after\xEF\xBF\xBD[31m the rest");
  EXPECT_EQ(m.subject, "a b");
  auto r = message_from_json(R"({"email": "ana@example.org\u0000x", "text": "hi"})", generic, 0);
  ASSERT_NE(std::get_if<FieldError>(&r), nullptr);
  EXPECT_EQ(std::get_if<FieldError>(&r)->problem, "holds a control character");
}

TEST(Inbound, MapsABoostagram) {
  Inbox boost{"boosts", InboxKind::kBoostagram, {}};
  Message m = ok(message_from_json(R"({"action": "boost", "sender_name": "gardenfan",
      "app_name": "Fountain", "value_sat": 2100, "message": "For the meadow episode!",
      "episode_guid": "slowgarden-ep-010", "reply_address": "gardenfan@getalby.com",
      "ts": 1795500000})",
                                   boost, 0));
  EXPECT_EQ(m.kind, MessageKind::kBoostagram);
  EXPECT_EQ(m.from.name, "gardenfan");
  EXPECT_EQ(m.claimed.kind, "boostagram");
  EXPECT_EQ(m.claimed.value, "gardenfan@getalby.com");
  EXPECT_EQ(m.details, "boost of 2,100 sats via Fountain");
  EXPECT_EQ(m.amount_sats, 2100);
  EXPECT_EQ(m.episode_ref, "slowgarden-ep-010");
  EXPECT_EQ(m.received_at, 1795500000);
}

TEST(Inbound, UsesConfiguredFieldNamesForForms) {
  Inbox form{"site",
             InboxKind::kForm,
             {{"name", "your-name"}, {"email", "your-email"}, {"text", "message"}}};
  Message m = ok(message_from_record(
      {{"your-name", "Kwame"}, {"your-email", "kwame@example.org"}, {"message", "Hello!"}}, form,
      5));
  EXPECT_EQ(m.kind, MessageKind::kForm);
  EXPECT_EQ(m.from.name, "Kwame");
  EXPECT_EQ(m.received_at, 5);
  EXPECT_EQ(refused(message_from_record({{"your-email", "kwame@example.org"}}, form, 5)).field,
            "message");
}

TEST(ImportFile, ImportsGoodRowsAndReportsBadOnesWithLineNumbers) {
  Inbox forms{"google-form",
              InboxKind::kCsv,
              {{"email", "Email address"},
               {"name", "Your name"},
               {"text", "Your message"},
               {"episode", "Episode number"},
               {"handle", "Instagram"},
               {"received_at", "Timestamp"}}};
  auto file =
      import_file(std::string(RAPPORT_TEST_DATA) + "/csv/google_forms_export.csv", forms, 7);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  EXPECT_EQ(file->rows, 5);
  ASSERT_EQ(file->messages.size(), 2u) << (file->problems.empty() ? "" : file->problems[0]);
  EXPECT_EQ(file->messages[0].from.name, "June Park");
  EXPECT_NE(
      file->messages[0].text.find("1. Do you ever grow squash vertically?\n2. Where do you get "
                                  "your \"ugly\" tomato seed?"),
      std::string::npos);
  EXPECT_EQ(file->messages[1].from.name, "Zoë Brandt");
  EXPECT_EQ(file->messages[1].text, "Ich höre jede Folge, danke! 🌻");
  ASSERT_EQ(file->problems.size(), 3u);
  EXPECT_EQ(file->problems[0], "line 5: handle_platform: is needed with a handle");
  EXPECT_EQ(file->problems[1], "line 6: Email address: is not an email address");
  EXPECT_EQ(file->problems[2], "line 7: Your message: is missing or empty");
}

TEST(ImportFile, ReadsJsonLines) {
  Inbox lines{"site", InboxKind::kJsonLines, {}};
  auto file = import_file(std::string(RAPPORT_TEST_DATA) + "/csv/messages.jsonl", lines, 9);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->rows, 5);
  ASSERT_EQ(file->messages.size(), 3u);
  EXPECT_EQ(file->messages[0].natural_key, file->messages[2].natural_key);  // the same key twice
  EXPECT_EQ(file->messages[1].claimed.value, "+44 7700 900123");
  ASSERT_EQ(file->problems.size(), 2u);
  EXPECT_EQ(file->problems[0], "line 3: email: must be a string");
  EXPECT_EQ(file->problems[1].rfind("line 4: (body): is not valid JSON", 0), 0u);
}

TEST(ImportFile, RefusesAFileWithoutTheConfiguredColumns) {
  TempDir dir;
  auto path = dir.write("export.csv", "Name,Comment\nA,B\n");
  Inbox forms{"f", InboxKind::kCsv, {{"text", "Message"}}};
  auto file = import_file(path, forms, 0);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().what.find("no column \"Message\""), std::string::npos);
  EXPECT_NE(file.error().hint.find("Name, Comment"), std::string::npos);
}

// Polls a source the way the pipeline does: batch after batch while it has more, each
// "committed" (after_commit) before the next; the next is read first, as poll_local reads ahead.
std::vector<Batch> poll_all(Source& source, std::string cursor = "") {
  std::vector<Batch> batches;
  auto batch = source.poll(cursor);
  while (batch.ok()) {
    bool more = batch->more && batch->cursor != cursor;
    cursor = batch->cursor;
    Result<Batch> next = more ? source.poll(cursor) : Result<Batch>(Batch{});
    source.after_commit(*batch);
    batches.push_back(std::move(*batch));
    if (!more) break;
    batch = std::move(next);
  }
  return batches;
}

TEST(DropFolder, MovesFilesOnlyAfterCommitToDoneOrFailedWithAReport) {
  TempDir dir;
  dir.write("drop/good.csv", "email,text\na@example.org,Hello\nb@example.org,Hi there\n");
  dir.write("drop/mixed.csv", "email,text\nc@example.org,Fine\nbad,Broken row\n");
  dir.write("drop/notes.txt", "not an export");
  FixedClock clock(1795600000);
  DropFolderSource source({"drop", InboxKind::kCsv, {}}, (dir.path() / "drop").string(), clock);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->messages.size(), 2u);  // good.csv
  // Nothing moves before the batch is committed.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "drop/good.csv"));
  auto rest = poll_all(source, first->cursor);
  source.after_commit(*first);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "drop/done/good.csv"));
  size_t messages = 0;
  std::vector<std::string> warnings;
  for (const auto& b : rest) {
    messages += b.messages.size();
    warnings.insert(warnings.end(), b.warnings.begin(), b.warnings.end());
  }
  EXPECT_EQ(messages, 1u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "mixed.csv: line 3: email: is not an email address");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "drop/failed/mixed.csv"));
  std::string report = testing::read_file(dir.path() / "drop/failed/mixed.csv.error");
  EXPECT_NE(report.find("line 3: email: is not an email address"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "drop/notes.txt"));  // not an export: left alone
  auto again = poll_all(source);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].messages.empty());
  EXPECT_TRUE(again[0].cursor.empty());
}

std::string rows_csv(int n, int bad_every) {
  std::string csv = "email,text\n";
  for (int i = 1; i <= n; ++i) {
    csv += (i % bad_every == 0 ? std::string("nobody") : "p" + std::to_string(i) + "@example.org") +
           ",\"Row " + std::to_string(i) + "\nsecond line\"\n";
  }
  return csv;
}

TEST(FileImport, ALargeExportIsReadInBatchesThatResumeWhereTheyStopped) {
  // A whole export was held in memory at once: 16 MB of rows took 988 MB.
  TempDir dir;
  auto path = dir.write("export.csv", rows_csv(5000, 1000));
  FixedClock clock(1795600000);
  Inbox inbox{"export", InboxKind::kCsv, {}};
  FileImportSource source(inbox, path.string(), clock);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->messages.size() + first->warnings.size(), kImportBatchRows);
  // A new process resumes from the stored cursor: nothing read twice, line numbers go on.
  FileImportSource later(inbox, path.string(), clock);
  auto rest = poll_all(later, first->cursor);
  size_t messages = first->messages.size();
  std::vector<std::string> warnings = first->warnings;
  for (const auto& b : rest) {
    messages += b.messages.size();
    warnings.insert(warnings.end(), b.warnings.begin(), b.warnings.end());
  }
  EXPECT_EQ(messages, 4995u);
  ASSERT_EQ(warnings.size(), 5u);
  // Row 3000 starts on line 2 + 2 * 2999 = 6000 (each row is two lines).
  EXPECT_EQ(warnings[2], "line 6000: email: is not an email address");
  EXPECT_EQ(rest.back().cursor.find(' ', rest.back().cursor.find(' ') + 1), std::string::npos)
      << "read to the end: the cursor is the file's size and time only";
  EXPECT_EQ(rest.back().messages.back().text, "Row 4999\nsecond line");
  auto again = later.poll(rest.back().cursor);
  EXPECT_TRUE(again->messages.empty());
}

TEST(FileImport, JsonLinesResumeAtTheirOffsetToo) {
  TempDir dir;
  std::string text;
  for (int i = 1; i <= 4500; ++i) {
    text += "{\"email\": \"p" + std::to_string(i) + "@example.org\", \"text\": \"Line " +
            std::to_string(i) + "\"}\n";
  }
  auto path = dir.write("export.jsonl", text);
  FixedClock clock(1795600000);
  FileImportSource source({"lines", InboxKind::kJsonLines, {}}, path.string(), clock);
  auto batches = poll_all(source);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[1].messages.front().text, "Line 2001");
  EXPECT_EQ(batches[2].messages.back().text, "Line 4500");
  EXPECT_EQ(batches[2].messages.size(), 500u);
}

// Timestamps as spreadsheets write them. 1794960000 is 2026-11-18T00:00:00Z (the suite's TZ
// is UTC: a time without a zone is local time).
constexpr UnixTime kNov18 = 1794960000;
constexpr UnixTime kDay = 86400;

Inbox sheet_inbox(DateOrder order = DateOrder::kUnset) {
  Inbox in{"listener-form",
           InboxKind::kCsv,
           {{"email", "Email Address"}, {"text", "Your message"}, {"received_at", "Timestamp"}}};
  in.date_order = order;
  return in;
}

TEST(ImportDates, AGoogleSheetsExportIsReadMonthFirstByItsOwnDates) {
  // Google Sheets (English, US) writes M/D/YYYY H:MM:SS. The first rows could be read either
  // way; the row of the 25th decides for the whole file.
  TempDir dir;
  auto path = dir.write("Listener form (Responses) - Form Responses 1.csv",
                        "Timestamp,Email Address,Your message\r\n"
                        "11/3/2026 9:14:03,june.park@gmail.com,Loved the squash episode\r\n"
                        "11/12/2026 18:02:44,tariq@example.org,\"Thank you,\r\nfrom a nurse\"\r\n"
                        "11/25/2026 14:03:12,lucia.fernandez@gmail.com,¿Puedo usar posos de café?\r\n");
  auto file = import_file(path, sheet_inbox(), 7);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_TRUE(file->problems.empty()) << file->problems[0];
  ASSERT_EQ(file->messages.size(), 3u);
  EXPECT_EQ(file->messages[0].received_at, kNov18 - 15 * kDay + 9 * 3600 + 14 * 60 + 3);
  EXPECT_EQ(file->messages[1].received_at, kNov18 - 6 * kDay + 18 * 3600 + 2 * 60 + 44);
  EXPECT_EQ(file->messages[2].received_at, kNov18 + 7 * kDay + 14 * 3600 + 3 * 60 + 12);
  EXPECT_EQ(file->messages[1].text, "Thank you,\nfrom a nurse");
}

TEST(ImportDates, AUkSheetIsReadDayFirst) {
  TempDir dir;
  auto path = dir.write("responses.csv",
                        "Timestamp,Email Address,Your message\n"
                        "03/11/2026 09:14,june@example.co.uk,Cheers for the compost tips\n"
                        "25/11/2026 14:03,ana@example.co.uk,What about leaf mould?\n");
  auto file = import_file(path, sheet_inbox(), 7);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_EQ(file->messages.size(), 2u) << (file->problems.empty() ? "" : file->problems[0]);
  EXPECT_EQ(file->messages[0].received_at, kNov18 - 15 * kDay + 9 * 3600 + 14 * 60);
  EXPECT_EQ(file->messages[1].received_at, kNov18 + 7 * kDay + 14 * 3600 + 3 * 60);
}

TEST(ImportDates, AFileWhoseDatesAllReadTwoWaysIsRefusedOnceWithTheHint) {
  TempDir dir;
  std::string csv = "Timestamp,Email Address,Your message\n";
  for (int i = 1; i <= 4000; ++i) {
    csv += "03/04/2026 10:" + std::to_string(10 + i % 50) + ",p" + std::to_string(i) +
           "@example.org,Hello\n";
  }
  auto path = dir.write("ambiguous.csv", csv);
  auto file = import_file(path, sheet_inbox(), 7);
  ASSERT_FALSE(file.ok()) << "4,000 rows each refused, or each read in a guessed order";
  EXPECT_EQ(file.error().code, ErrorCode::kParse);
  EXPECT_EQ(file.error().where, path.string() + ":2");
  EXPECT_NE(file.error().what.find("\"03/04/2026 10:11\" on line 2"), std::string::npos)
      << file.error().what;
  EXPECT_NE(file.error().what.find("March 4"), std::string::npos) << file.error().what;
  EXPECT_NE(file.error().what.find("3 April"), std::string::npos) << file.error().what;
  EXPECT_EQ(file.error().hint,
            "set date_order = \"mdy\" or \"dmy\" in [[inbox]] \"listener-form\"");

  // The source says it once, as its failure, and keeps its cursor.
  FixedClock clock(1795600000);
  FileImportSource source(sheet_inbox(), path.string(), clock);
  auto polled = source.poll("");
  ASSERT_FALSE(polled.ok());
  EXPECT_NE(polled.error().hint.find("date_order"), std::string::npos);

  // Said in the config, the same file is read.
  auto dmy = import_file(path, sheet_inbox(DateOrder::kDmy), 7);
  ASSERT_TRUE(dmy.ok());
  EXPECT_EQ(dmy->messages.size(), 4000u);
  EXPECT_EQ(dmy->messages[0].received_at, 1775174400 + 10 * 3600 + 11 * 60);  // 3 April
  auto mdy = import_file(path, sheet_inbox(DateOrder::kMdy), 7);
  ASSERT_TRUE(mdy.ok());
  EXPECT_EQ(mdy->messages[0].received_at, 1772582400 + 10 * 3600 + 11 * 60);  // 4 March
}

TEST(ImportDates, AFileThatWritesDatesBothWaysIsRefusedNamingBothRows) {
  TempDir dir;
  auto path = dir.write("merged.csv",
                        "Timestamp,Email Address,Your message\n"
                        "25/11/2026 14:03,ana@example.co.uk,From the UK sheet\n"
                        "11/26/2026 09:00,bo@example.com,From the US sheet\n");
  auto file = import_file(path, sheet_inbox(), 7);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().what.find("\"25/11/2026 14:03\" on line 2 has the day first"),
            std::string::npos)
      << file.error().what;
  EXPECT_NE(file.error().what.find("\"11/26/2026 09:00\" on line 3 the month first"),
            std::string::npos);
  // With an order set, the row written the other way is refused alone.
  auto dmy = import_file(path, sheet_inbox(DateOrder::kDmy), 7);
  ASSERT_TRUE(dmy.ok());
  EXPECT_EQ(dmy->messages.size(), 1u);
  ASSERT_EQ(dmy->problems.size(), 1u);
  EXPECT_EQ(dmy->problems[0],
            "line 3: Timestamp: is not a date (write it in the inbox's date_order = \"dmy\")");
}

TEST(ImportDates, TheOrderAFileDecidedTravelsInTheCursorOfABatchedRead) {
  // Only the last row decides; rows of later batches, read by a new process from the stored
  // cursor, are read in the order the whole file decided.
  TempDir dir;
  std::string csv = "Timestamp,Email Address,Your message\n";
  for (int i = 1; i < 4500; ++i) {
    csv += "11/03/2026 10:00," + std::string("p") + std::to_string(i) + "@example.org,Hi\n";
  }
  csv += "11/25/2026 10:00,last@example.org,The deciding row\n";
  auto path = dir.write("big.csv", csv);
  FixedClock clock(1795600000);
  FileImportSource source(sheet_inbox(), path.string(), clock);
  auto first = source.poll("");
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_TRUE(first->more);
  EXPECT_TRUE(first->cursor.ends_with(" mdy")) << first->cursor;
  EXPECT_EQ(first->progress.unit, Progress::Unit::kBytes);
  EXPECT_GT(first->progress.done, 0);
  EXPECT_EQ(first->progress.total, static_cast<std::int64_t>(csv.size()));
  FileImportSource later(sheet_inbox(), path.string(), clock);
  auto rest = poll_all(later, first->cursor);
  size_t messages = first->messages.size();
  for (const auto& b : rest) {
    messages += b.messages.size();
    EXPECT_TRUE(b.warnings.empty()) << b.warnings[0];
  }
  EXPECT_EQ(messages, 4500u);
  EXPECT_EQ(rest.front().messages.front().received_at, kNov18 - 15 * kDay + 10 * 3600);
  EXPECT_EQ(rest.back().progress.done, rest.back().progress.total);
}

TEST(ImportDates, JsonLinesDecideTheirOrderToo) {
  TempDir dir;
  auto path = dir.write("voicemail.jsonl",
                        "{\"email\":\"a@example.org\",\"text\":\"Hi\",\"received_at\":\"02/11/2026\"}\n"
                        "{\"email\":\"b@example.org\",\"text\":\"Yo\",\"received_at\":\"25/11/2026\"}\n");
  auto file = import_file(path, {"lines", InboxKind::kJsonLines, {}}, 7);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  ASSERT_EQ(file->messages.size(), 2u);
  EXPECT_EQ(file->messages[0].received_at, kNov18 - 16 * kDay);  // 2 November
}

TEST(Inbound, AWebhookDateThatReadsTwoWaysIsRefusedWithTheHint) {
  Inbox hook{"hook", InboxKind::kGeneric, {}};
  auto refused = std::get<FieldError>(message_from_json(
      R"({"email":"a@example.org","text":"Hi","received_at":"03/04/2026"})", hook, 5));
  EXPECT_EQ(refused.field, "received_at");
  EXPECT_NE(refused.problem.find("set date_order"), std::string::npos);
  hook.date_order = DateOrder::kMdy;
  auto read = std::get<Message>(message_from_json(
      R"({"email":"a@example.org","text":"Hi","received_at":"03/04/2026"})", hook, 5));
  EXPECT_EQ(read.received_at, 1772582400);
}

}  // namespace
}  // namespace rapport::ingest
