#include "pipeline/run_once.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <map>
#include <set>
#include <stdexcept>

#include "core/process.h"
#include "ingest/inbound/import_source.h"
#include "notify/digest_render.h"
#include "pipeline/digest_reply.h"
#include "store/sql_store.h"
#include "tests/support/temp_dir.h"

namespace rapport::pipeline {
namespace {

// A Source that returns what the test gives it, and remembers the cursors it was asked with.
class FakeSource final : public ingest::Source {
 public:
  FakeSource(std::string kind, std::string name) : kind_(std::move(kind)), name_(std::move(name)) {}
  std::string_view kind() const override { return kind_; }
  const std::string& name() const override { return name_; }
  const std::string& location() const override { return location_; }
  Result<Batch> poll(const std::string& cursor) override {
    cursors.push_back(cursor);
    if (on_poll) on_poll();
    if (throws) throw std::runtime_error("library exploded");
    if (fail) return *fail;
    return next;
  }

  Batch next;
  std::optional<Error> fail;
  bool throws = false;
  std::vector<std::string> cursors;
  std::function<void()> on_poll;

 private:
  std::string kind_;
  std::string name_;
  std::string location_ = "fake://";
};

// A Mailer that fails the first `failures` sends.
class FlakyMailer final : public notify::Mailer {
 public:
  explicit FlakyMailer(int failures) : failures_(failures) {}
  Result<std::string> send(const notify::Envelope& e, const std::string& data) override {
    if (failures_-- > 0)
      return make_error(ErrorCode::kNetwork, "connection refused", "smtp://x", "", Retry::kYes);
    sent.push_back(data);
    return "fake " + e.to;
  }
  std::vector<std::string> sent;

 private:
  int failures_;
};

Message email(const std::string& id, const std::string& from, const std::string& subject,
              const std::string& text, UnixTime at) {
  Message m;
  m.natural_key = "mid:" + id;
  m.message_id = id;
  m.from = {"", from};
  m.subject = subject;
  m.text = text;
  m.received_at = at;
  return m;
}

TEST(RunOnce, ProcessesMessagesAndLinksThemToEpisodesOfFeedsReadFirst) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  mail->next.messages.push_back(email("1@x", "Ana Lopez <ana@example.org>", "Re: Ep. 3: Tomatoes",
                                      "Great!\n\nOn Tue, Sam wrote:\n> old", 1795500000));
  mail->next.messages[0].from = {"Ana Lopez", "Ana@Example.org"};
  mail->next.messages.push_back(
      email("2@x", "away@example.org", "Out of Office: Ep. 3", "Away", 1795500001));
  mail->next.cursor = "mail-cursor";
  auto feed = std::make_unique<FakeSource>("feed", "podcast");
  feed->next.episodes.push_back(
      Episode{0, "e3", "Ep. 3: Tomatoes", "", 1795000000, "", 3, 1, 0, "", {}, ""});
  feed->next.cursor = "feed-cursor";
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(mail));  // configured first, polled second
  sources.push_back(std::move(feed));

  auto outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].name, "podcast");
  EXPECT_FALSE(outcomes[1].error.has_value());
  EXPECT_EQ(outcomes[1].stored.human_added, 1);
  EXPECT_EQ(outcomes[1].stored.automatic_added, 1);

  auto candidates = (*store)->digest_candidates();
  ASSERT_EQ(candidates->size(), 1u);
  EXPECT_EQ(candidates->front().display_name, "Ana Lopez");
  EXPECT_EQ(candidates->front().address, "Ana@Example.org");  // answered as they wrote it
  EXPECT_EQ(candidates->front().identities,
            std::vector<std::string>{"Ana@Example.org"});  // shown as written
  EXPECT_EQ(candidates->front().identity_value, "ana@example.org");  // matched by its normal form
  EXPECT_EQ(candidates->front().reply_text, "Great!");
  EXPECT_EQ(candidates->front().episode_title, "Ep. 3: Tomatoes");

  // The next pass starts from the stored cursors.
  poll_sources(**store, sources, clock, {});
  auto* m = static_cast<FakeSource*>(sources[0].get());
  EXPECT_EQ(m->cursors, (std::vector<std::string>{"", "mail-cursor"}));
}

TEST(RunOnce, RepliesToSentNewslettersLinkToTheirEpisodeOrIssueAndAnswerNoOne) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto feed = std::make_unique<FakeSource>("feed", "podcast");
  feed->next.episodes.push_back(
      Episode{0, "e3", "Ep. 3: Tomatoes", "", 1795000000, "", 3, 1, 0, "", {}, ""});
  auto sent = std::make_unique<FakeSource>("sent folder", "sent");
  // The episode's newsletter, to the list in Bcc, and an issue no feed knows.
  Message ep3 = email("ep3.news@slowgarden.example", "Sam <sam@slowgarden.example>",
                      "Ep. 3: Tomatoes", "This week: tomatoes.", 1795100000);
  ep3.from = {"Sam", "sam@slowgarden.example"};
  ep3.to = {{"", "sam@slowgarden.example"}};
  ep3.outgoing = true;
  Message letter = email("letter-7@slowgarden.example", "", "Letters from the plot #7",
                         "A short one this week.", 1795200000);
  letter.from = {"Sam", "sam@slowgarden.example"};
  letter.to = {{"Slow Garden readers", "readers@lists.slowgarden.example"}};
  letter.headers = {{"List-Unsubscribe", "<mailto:leave@lists.slowgarden.example>"}};
  letter.outgoing = true;
  sent->next.messages = {ep3, letter};
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  Message a = email("a@gmail.com", "", "Re: this week", "Loved it!", 1795300000);
  a.from = {"Ana", "ana@example.org"};
  a.in_reply_to = "ep3.news@slowgarden.example";
  Message b = email("b@gmail.com", "", "Re: Letters from the plot #7", "Me too.", 1795300100);
  b.from = {"Ben", "ben@example.org"};
  b.references = {"letter-7@slowgarden.example"};
  mail->next.messages = {a, b};
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(mail));  // listed first, polled after the Sent folder
  sources.push_back(std::move(sent));
  sources.push_back(std::move(feed));

  auto out = poll_sources(**store, sources, clock, {});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].name, "sent");
  EXPECT_EQ(out[1].stored.episodes_added, 1);  // the issue
  EXPECT_EQ(out[1].stored.answers_added, 0);   // a newsletter answers no one
  EXPECT_EQ(out[2].stored.messages_added, 2);
  auto episodes = (*store)->episodes();
  ASSERT_TRUE(episodes.ok());
  ASSERT_EQ(episodes->size(), 2u);
  std::map<std::string, const Episode*> by_title;
  for (const auto& e : *episodes) by_title[e.title] = &e;
  ASSERT_TRUE(by_title.count("Letters from the plot #7"));
  EXPECT_EQ(by_title["Letters from the plot #7"]->guid, "newsletter:letter-7@slowgarden.example");
  EXPECT_EQ(by_title["Ep. 3: Tomatoes"]->newsletter_ids,
            std::vector<std::string>{"ep3.news@slowgarden.example"});
  CandidateFilter filter;
  filter.now = clock.now();
  auto waiting = (*store)->digest_candidates(filter);
  ASSERT_TRUE(waiting.ok());
  ASSERT_EQ(waiting->size(), 2u);  // both still wait for an answer
  std::set<std::string> answered_episodes;
  for (const auto& c : *waiting) answered_episodes.insert(c.episode_title);
  EXPECT_EQ(answered_episodes,
            (std::set<std::string>{"Ep. 3: Tomatoes", "Letters from the plot #7"}));
}

TEST(RunOnce, AFailingOrThrowingSourceNeverStopsTheOthers) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto broken = std::make_unique<FakeSource>("feed", "broken");
  broken->fail =
      make_error(ErrorCode::kNetwork, "HTTP 500", "https://x.example/feed", "", Retry::kYes);
  auto throwing = std::make_unique<FakeSource>("maildir", "throwing");
  throwing->throws = true;
  auto good = std::make_unique<FakeSource>("maildir", "good");
  good->next.messages.push_back(email("g@x", "ben@example.org", "Hi", "Hello", 1795500000));
  sources.push_back(std::move(broken));
  sources.push_back(std::move(throwing));
  sources.push_back(std::move(good));

  auto outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].error.has_value());
  ASSERT_TRUE(outcomes[1].error.has_value());
  EXPECT_NE(outcomes[1].error->what.find("library exploded"), std::string::npos);
  EXPECT_FALSE(outcomes[2].error.has_value());
  EXPECT_EQ(outcomes[2].stored.messages_added, 1);
  auto states = (*store)->sources();
  ASSERT_EQ(states->size(), 3u);
  EXPECT_EQ((*states)[0].name, "broken");
  EXPECT_EQ((*states)[0].consecutive_failures, 1);
  EXPECT_EQ((*states)[0].last_error, "https://x.example/feed: HTTP 500");
  EXPECT_EQ((*states)[1].name, "good");
  EXPECT_EQ((*states)[1].consecutive_failures, 0);
  EXPECT_EQ((*states)[2].name, "throwing");
  EXPECT_EQ((*states)[2].consecutive_failures, 1);
  EXPECT_NE((*states)[2].last_error.find("library exploded"), std::string::npos);
}

// A source read in pages (cursor "0", "1", …): records what the read-ahead promises — its
// after_commit() never runs during a poll, runs once per committed page in order, and reading
// never runs more than a few pages ahead of what is committed.
class PagedSource final : public ingest::Source {
 public:
  explicit PagedSource(int pages) : pages_(pages) {}
  std::string_view kind() const override { return "maildir"; }
  const std::string& name() const override { return name_; }
  const std::string& location() const override { return name_; }
  Result<Batch> poll(const std::string& cursor) override {
    if (inside_.exchange(true)) overlapped = true;
    int page = cursor.empty() ? 0 : std::stoi(cursor) + 1;
    max_ahead = std::max(max_ahead, page - static_cast<int>(finished.size()));
    Batch b;
    for (int i = 0; i < 3; ++i) {
      std::string id = std::to_string(page) + "." + std::to_string(i) + "@x";
      b.messages.push_back(email(id, "reader" + std::to_string(i) + "@example.org",
                                 "Re: page " + std::to_string(page), "Thanks!", 1795500000 + page));
    }
    b.cursor = std::to_string(page);
    b.more = page + 1 < pages_;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    inside_ = false;
    return b;
  }
  void after_commit(const Batch& batch) override {
    if (inside_.exchange(true)) overlapped = true;
    finished.push_back(batch.cursor);
    inside_ = false;
  }

  std::vector<std::string> finished;  // the cursors after_commit() saw, in order
  bool overlapped = false;
  int max_ahead = 0;  // the most pages polled beyond those finished

 private:
  int pages_;
  std::string name_ = "paged";
  std::atomic<bool> inside_{false};
};

TEST(RunOnce, PagesAreReadAheadWhileEarlierOnesCommitWithoutTheSourceSeeingBothAtOnce) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  PagedSource source(40);
  std::vector<ingest::Source*> sources{&source};
  auto outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].stored.messages_added, 120);
  ASSERT_EQ(source.finished.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(source.finished[i], std::to_string(i));
  EXPECT_FALSE(source.overlapped);
  // One page committing, one waiting, one being read, and after_commit() catching up on the
  // reading thread: never more than three pages read beyond those finished.
  EXPECT_LE(source.max_ahead, 3);
  EXPECT_EQ((*store)->sources()->at(0).cursor, "39");
}

TEST(RunOnce, ASourceAnotherProcessIsReadingIsLeftToItUntilItsLeaseRunsOut) {
  // Two processes of one show — a daemon whose connection was lost and the standby that took
  // over, say — never read one source at once: the one reading holds a lease on the read.
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto inbox = std::make_unique<FakeSource>("maildir", "inbox");
  inbox->next.messages.push_back(email("i@x", "ana@example.org", "Hi", "Hello", 1795500000));
  FakeSource* inbox_raw = inbox.get();
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(inbox));
  auto state = (*store)->source("maildir", "inbox", "fake://", clock.now());
  ASSERT_TRUE(state.ok());
  // Another machine's daemon began reading it a minute ago.
  auto held = (*store)->database().prepare(
      "UPDATE sources SET reading_since = ?2, lease_holder = 'studio-3 pid 4242', "
      "lease_until = ?3 WHERE id = ?1");
  ASSERT_TRUE(held.ok());
  held->bind(1, state->id).bind(2, clock.now() - 60).bind(3, clock.now() - 60 + Store::kReadLeaseSeconds);
  ASSERT_TRUE(held->run().ok());

  auto outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].error.has_value()) << "not a failure: someone else is at it";
  EXPECT_NE(outcomes[0].skipped.find("being read by studio-3 pid 4242, its lease running to "),
            std::string::npos)
      << outcomes[0].skipped;
  EXPECT_TRUE(inbox_raw->cursors.empty()) << "not read here meanwhile";
  EXPECT_EQ((*store)->sources()->at(0).consecutive_failures, 0);
  EXPECT_EQ((*store)->sources()->at(0).lease_holder, "studio-3 pid 4242") << "its lease kept";

  // That machine died: its lease runs out, and the read is taken as one that never finished
  // (a failure, retried after the backoff), then read here.
  clock.set(clock.now() + Store::kReadLeaseSeconds);
  outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_NE(outcomes[0].error->what.find("never finished"), std::string::npos);
  EXPECT_EQ((*store)->sources()->at(0).lease_holder, "");
  outcomes = poll_sources(**store, sources, clock, {});
  EXPECT_FALSE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].stored.messages_added, 1);
  EXPECT_EQ((*store)->sources()->at(0).lease_holder, "") << "let go after the read";
}

TEST(RunOnce, ALeaseLeftByAProcessOfThisMachineThatIsGoneNeedNotRunOut) {
  // A laptop's run killed mid-read: the next run need not wait out the lease — the process
  // named in it is known to be gone.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);
  std::string label = process_label();
  std::string gone = label.substr(0, label.rfind(" pid ")) + " pid " + std::to_string(child);
  ASSERT_TRUE(process_label_gone(gone));
  EXPECT_FALSE(process_label_gone(label));
  EXPECT_FALSE(process_label_gone("studio-3 pid " + std::to_string(child))) << "another machine";

  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto inbox = std::make_unique<FakeSource>("maildir", "inbox");
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(inbox));
  auto state = (*store)->source("maildir", "inbox", "fake://", clock.now());
  ASSERT_TRUE(state.ok());
  auto held = (*store)->database().prepare(
      "UPDATE sources SET reading_since = ?2, lease_holder = ?3, lease_until = ?4 WHERE id = ?1");
  ASSERT_TRUE(held.ok());
  held->bind(1, state->id).bind(2, clock.now() - 60).bind(3, gone).bind(4, clock.now() + 600);
  ASSERT_TRUE(held->run().ok());
  auto outcomes = poll_sources(**store, sources, clock, {});
  ASSERT_TRUE(outcomes[0].error.has_value()) << outcomes[0].skipped;
  EXPECT_NE(outcomes[0].error->what.find("never finished"), std::string::npos);
  EXPECT_EQ((*store)->sources()->at(0).lease_holder, "");
}

TEST(RunOnce, ASourceWhoseLastReadNeverFinishedIsAFailureRetriedLaterNotACrashEveryPass) {
  // A parser that crashed the process once crashed every later run too: no digest ever again.
  // The read is marked in the database before it starts; a mark left behind is a failure.
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto crashing = std::make_unique<FakeSource>("maildir", "crashing");
  crashing->next.messages.push_back(email("c@x", "ana@example.org", "Hi", "Hello", 1795500000));
  auto good = std::make_unique<FakeSource>("maildir", "good");
  good->next.messages.push_back(email("g@x", "ben@example.org", "Hi", "Hello", 1795500000));
  FakeSource* crashing_raw = crashing.get();
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(crashing));
  sources.push_back(std::move(good));
  PollOptions options;
  options.only_due = true;
  options.policies["crashing"] = PollPolicy{300, 3600, 0};
  options.policies["good"] = PollPolicy{300, 3600, 0};

  // The process died while reading "crashing": its mark stayed.
  auto state = (*store)->source("maildir", "crashing", "fake://", clock.now());
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE((*store)->begin_read(state->id, clock.now() - 60).ok());

  auto outcomes = poll_sources(**store, sources, clock, options);
  ASSERT_EQ(outcomes.size(), 2u);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_NE(outcomes[0].error->what.find("never finished"), std::string::npos);
  EXPECT_TRUE(crashing_raw->cursors.empty()) << "not read again straight away";
  EXPECT_EQ(outcomes[1].stored.messages_added, 1) << "the other sources go on";
  auto states = (*store)->sources();
  ASSERT_TRUE(states.ok());
  const SourceState& after = (*states)[0];
  EXPECT_EQ(after.name, "crashing");
  EXPECT_EQ(after.consecutive_failures, 1);
  EXPECT_FALSE(after.reading_since.has_value());
  ASSERT_TRUE(after.next_poll_at.has_value());
  EXPECT_GT(*after.next_poll_at, clock.now()) << "retried after a backoff";
  // A digest is still built.
  auto digest = build_digest(**store, DigestSettings{}, clock.now() + 86400);
  ASSERT_TRUE(digest.ok());

  // After the backoff it is read, and the mark is set while it reads and cleared after.
  clock.set(*after.next_poll_at);
  std::optional<UnixTime> seen_mark;
  crashing_raw->on_poll = [&] {
    auto now_states = (*store)->sources();
    for (const auto& s : *now_states) {
      if (s.name == "crashing") seen_mark = s.reading_since;
    }
  };
  outcomes = poll_sources(**store, sources, clock, options);
  EXPECT_FALSE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].stored.messages_added, 1);
  EXPECT_EQ(seen_mark, clock.now());
  auto final_states = (*store)->sources();
  for (const auto& s : *final_states) {
    EXPECT_FALSE(s.reading_since.has_value()) << s.name;
    EXPECT_EQ(s.consecutive_failures, 0) << s.name;
  }
}

TEST(RunOnce, AMessageReadWhileTheFeedWasFailingIsLinkedWhenItsEpisodeArrives) {
  // It was never linked later: the digest's "replied to Ep. 9" and the per-episode counts
  // missed it for good.
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  auto feed = std::make_unique<FakeSource>("feed", "show");
  feed->fail = make_error(ErrorCode::kNetwork, "HTTP 503", "https://x.example/feed", "",
                          Retry::kYes);
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  mail->next.messages.push_back(email("1@x", "ana@example.org",
                                      "Re: Ep. 9: Saving Seed for Beginners", "Thanks!",
                                      1795500000));
  Message form;
  form.natural_key = "form:1";
  form.kind = MessageKind::kForm;
  form.from = {"Ben", "ben@example.org"};
  form.text = "About the leeks";
  form.episode_ref = "slowgarden-ep-009";
  form.received_at = 1795500000;
  mail->next.messages.push_back(form);
  FakeSource* feed_raw = feed.get();
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::move(feed));
  sources.push_back(std::move(mail));
  poll_sources(**store, sources, clock, {});
  auto linked = [&] {
    auto db = (*store)->database().prepare(
        "SELECT COUNT(*) FROM messages WHERE episode_id IS NOT NULL");
    EXPECT_TRUE(db->step().ok());
    return db->int64(0);
  };
  EXPECT_EQ(linked(), 0);
  // The feed is back, with the episode.
  feed_raw->fail.reset();
  Episode ep;
  ep.guid = "slowgarden-ep-009";
  ep.title = "Ep. 9: Saving Seed for Beginners";
  ep.number = 9;
  feed_raw->next.episodes = {ep};
  feed_raw->next.cursor = "etag 2";
  clock.advance(3600);
  poll_sources(**store, sources, clock, {});
  EXPECT_EQ(linked(), 2) << "the reply by its subject, the form by the episode it names";
}

TEST(RunOnce, AnExportsRefusedRowsAreThoseOfItsWholeReadAndStayInView) {
  // Read in three batches, each with a refused row: status and the digest showed the last
  // batch's only, and the next run, finding the file unchanged, forgot them.
  testing::TempDir dir;
  std::string csv = "email,text\n";
  for (int i = 1; i <= 5000; ++i) {
    csv += (i % 2000 == 7 ? std::string("nobody") : "p" + std::to_string(i) + "@example.org") +
           ",Row " + std::to_string(i) + "\n";
  }
  auto path = dir.write("export.csv", csv);
  auto store = SqlStore::open((dir.path() / "rapport.db").string());
  ASSERT_TRUE(store.ok());
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  sources.push_back(std::make_unique<ingest::FileImportSource>(
      ingest::Inbox{"signups", ingest::InboxKind::kCsv, {}}, path.string(), clock));
  auto refused = [&] {
    auto all = (*store)->sources();
    return all->at(0).last_warnings;
  };
  poll_sources(**store, sources, clock, {});
  EXPECT_EQ(refused(),
            "line 8: email: is not an email address\n"
            "line 2008: email: is not an email address\n"
            "line 4008: email: is not an email address");
  clock.advance(3600);
  poll_sources(**store, sources, clock, {});  // unchanged: nothing read
  EXPECT_EQ(refused().substr(0, 6), "line 8");
  auto digest = build_digest(**store, DigestSettings{}, clock.now());
  ASSERT_TRUE(digest.ok());
  ASSERT_EQ(digest->needs_attention.size(), 1u);
  EXPECT_EQ(digest->needs_attention[0].name, "signups");
  std::string text = notify::render_text(*digest, {"Mara", 280});
  EXPECT_NE(text.find("signups (import): 3 rows refused in its last read, like line 8: email: is "
                      "not an email address (rapport status shows more)"),
            std::string::npos)
      << text;
  // Fixed, the file is read again and nothing is refused.
  for (size_t at = csv.find("nobody"); at != std::string::npos; at = csv.find("nobody")) {
    csv.replace(at, 6, "fixed@example.org");
  }
  dir.write("export.csv", csv);
  clock.advance(3600);
  poll_sources(**store, sources, clock, {});
  EXPECT_EQ(refused(), "");
  EXPECT_TRUE(build_digest(**store, DigestSettings{}, clock.now())->needs_attention.empty());
}

TEST(RunOnce, ADigestIsMarkedDeliveredOnlyAfterTheMailerSucceeded) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  mail->next.messages.push_back(
      email("1@x", "ana@example.org", "Re: Hi", "Is it working?", 1795500000));
  sources.push_back(std::move(mail));
  poll_sources(**store, sources, clock, {});

  DigestSettings settings;
  settings.creator_name = "Sam Rivera";
  settings.creator_email = "sam@slowgarden.example";
  settings.show = "The Slow Garden";
  settings.to = "sam@slowgarden.example";
  auto digest = build_digest(**store, settings, clock.now());
  ASSERT_TRUE(digest.ok());
  ASSERT_EQ(digest->items.size(), 1u);
  FlakyMailer mailer(1);
  auto failed = deliver_digest(**store, *digest, settings, mailer, clock.now());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().retry, Retry::kYes);
  auto& db = (*store)->database();
  auto q = db.prepare("SELECT COUNT(*), SUM(delivered_at IS NULL) FROM digests");
  ASSERT_TRUE(q->step().value());
  EXPECT_EQ(q->int64(0), 1);
  EXPECT_EQ(q->int64(1), 1);

  auto sent = deliver_digest(**store, *digest, settings, mailer, clock.now());
  ASSERT_TRUE(sent.ok()) << sent.error().to_string();
  EXPECT_EQ(mailer.sent.size(), 1u);
  auto q2 = db.prepare("SELECT COUNT(*), delivery, message_id FROM digests");
  ASSERT_TRUE(q2->step().value());
  EXPECT_EQ(q2->int64(0), 1);  // one digest for the slot, not two
  EXPECT_EQ(q2->text(1), "fake sam@slowgarden.example");
  EXPECT_EQ(q2->text(2).rfind("rapport-digest-2026-11-25.", 0), 0u);
}

TEST(RunOnce, TheDayAfterAListWasSentTheDigestSaysWhoStillWaitsAndWhenTheyReturn) {
  // The digest said "Nobody is waiting" while status counted six.
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  for (int i = 0; i < 6; ++i) {
    mail->next.messages.push_back(email(std::to_string(i) + "@x",
                                        "listener" + std::to_string(i) + "@example.org",
                                        "Re: Ep. 9", "Seeds?", 1795400000 + i));
  }
  sources.push_back(std::move(mail));
  poll_sources(**store, sources, clock, {});
  DigestSettings settings;
  settings.creator_email = "sam@slowgarden.example";
  settings.to = "sam@slowgarden.example";
  FlakyMailer mailer(0);
  auto first = build_digest(**store, settings, clock.now());
  ASSERT_EQ(first->items.size(), 6u);
  EXPECT_EQ(first->set_aside.total(), 0);
  ASSERT_TRUE(deliver_digest(**store, *first, settings, mailer, clock.now()).ok());
  auto who = (*store)->digest_candidates();
  ASSERT_TRUE((*store)->snooze(who->at(0).contact_id, clock.now() + 5 * 86400).ok());

  auto next = build_digest(**store, settings, clock.now() + 86400);
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->items.empty());
  EXPECT_EQ(next->counts.unanswered_contacts, 6);
  EXPECT_EQ(next->set_aside.total(), 6) << "everyone status counts is accounted for";
  EXPECT_EQ(next->set_aside.listed.people, 5);
  EXPECT_EQ(next->set_aside.listed.first_back, clock.now() + settings.relist_after_seconds);
  EXPECT_EQ(next->set_aside.snoozed.people, 1);
  EXPECT_EQ(next->set_aside.snoozed.first_back, clock.now() + 5 * 86400);
  std::string text = notify::render_text(*next, {"Sam", 280});
  EXPECT_NE(text.find("6 people still wait for an answer: 5 were in an earlier digest"),
            std::string::npos)
      << text;
  // Three days on they are listed again, the snoozed one still aside.
  auto later = build_digest(**store, settings, clock.now() + 3 * 86400);
  EXPECT_EQ(later->items.size(), 5u);
  EXPECT_EQ(later->set_aside.snoozed.people, 1);
  EXPECT_EQ(later->set_aside.listed.people, 0);
}

TEST(RunOnce, AMessageFromAMalformedAddressIsStoredAndListedAsAnUnknownSender) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  Message broken = email("x1@broken", "ola@@broken", "Re: Ep. 9", "Hei! What seeds?", 1795400000);
  broken.from.name = "Ola Nordmann";
  mail->next.messages = {broken};
  sources.push_back(std::move(mail));
  auto out = poll_sources(**store, sources, clock, {});
  EXPECT_EQ(out[0].stored.messages_added, 1);
  EXPECT_EQ(out[0].stored.contacts_added, 1);
  auto digest = build_digest(**store, DigestSettings{}, clock.now());
  ASSERT_EQ(digest->items.size(), 1u);
  const DigestItem& item = digest->items[0];
  EXPECT_EQ(item.who.display_name, "Ola Nordmann");
  EXPECT_EQ(item.who.address, "ola@@broken");
  EXPECT_NE(std::find(item.reasons.begin(), item.reasons.end(),
                      "unknown sender: no address to answer"),
            item.reasons.end());
  EXPECT_EQ(notify::reply_link(item.who), "") << "no mailto: to an address that is not one";
  std::string text = notify::render_text(*digest, {"Sam", 280});
  EXPECT_NE(text.find("1. Ola Nordmann <ola@@broken>\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\xE2\x80\x9CWhat seeds?\xE2\x80\x9D"), std::string::npos) << text;  // past "Hei!"
  EXPECT_NE(text.find("No address to answer: the sender's could not be read"), std::string::npos);
}

TEST(DigestReply, ParsesDoneAndSnoozeLinesOnly) {
  auto commands = parse_digest_commands(
      "Done 3\nsnooze 2 7d\nanswered 10\nsnooze 4\nI will do the rest tomorrow, thanks!\n"
      "snooze 1 soon\ndone lucia.fernandez@gmail.com\nsnooze Ana López 2w\n"
      "done with the garden plans, they look great and I will write more soon\n");
  ASSERT_EQ(commands.size(), 6u);
  EXPECT_EQ(commands[0].verb, DigestCommand::Verb::kDone);
  EXPECT_EQ(commands[0].position, 3);
  EXPECT_EQ(commands[0].line, "Done 3");
  EXPECT_EQ(commands[1].verb, DigestCommand::Verb::kSnooze);
  EXPECT_EQ(commands[1].snooze_seconds, 7 * 86400);
  EXPECT_EQ(commands[2].position, 10);
  EXPECT_EQ(commands[3].snooze_seconds, 7 * 86400);  // snooze without a length: a week
  // A person named instead of numbered, as every command names them.
  EXPECT_EQ(commands[4].who, "lucia.fernandez@gmail.com");
  EXPECT_EQ(commands[4].position, 0);
  EXPECT_EQ(commands[5].who, "Ana López");
  EXPECT_EQ(commands[5].snooze_seconds, 14 * 86400);
}

TEST(DigestReply, ALineNamingSomeoneIsCarriedOutForThemOrReportedBack) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  Message lucia = email("1@x", "lucia.fernandez@gmail.com", "Re: Ep. 9", "Seeds?", 1795400000);
  lucia.from.name = "Lucía Fernández";
  Message ana = email("2@x", "ana@example.org", "Re: Ep. 9", "Hi", 1795300000);
  ana.from.name = "Ana López";
  Message other = email("3@x", "ana.lopez@work.example", "Re: Ep. 9", "Hi", 1795300000);
  other.from.name = "Ana Lopez";
  mail->next.messages = {lucia, ana, other};
  auto* inbox = mail.get();
  sources.push_back(std::move(mail));
  PollOptions options;
  options.creator_addresses = {"sam@slowgarden.example"};
  poll_sources(**store, sources, clock, options);
  DigestSettings settings;
  settings.creator_email = "sam@slowgarden.example";
  settings.to = "sam@slowgarden.example";
  FlakyMailer mailer(0);
  ASSERT_TRUE(deliver_digest(**store, *build_digest(**store, settings, clock.now()), settings,
                             mailer, clock.now())
                  .ok());
  auto id = (*store)->database().prepare("SELECT message_id FROM digests");
  ASSERT_TRUE(id->step().value());
  clock.advance(3600);
  Message reply = email("reply@x", "sam@slowgarden.example", "Re: Rapport",
                        "done Lucia.Fernandez@gmail.com\nsnooze Ana 2d\n", clock.now());
  reply.in_reply_to = id->text(0);
  inbox->next.messages = {reply};
  inbox->next.cursor = "after reply";
  poll_sources(**store, sources, clock, options);
  auto next = build_digest(**store, settings, clock.now() + 86400);
  ASSERT_EQ(next->from_your_reply.size(), 2u);
  EXPECT_EQ(next->from_your_reply[0],
            "answered: Lucía Fernández <lucia.fernandez@gmail.com>");
  EXPECT_EQ(next->from_your_reply[1].rfind("\u201Csnooze Ana 2d\u201D: 2 people match \"Ana\": #",
                                           0),
            0u)
      << next->from_your_reply[1];
}

TEST(DigestReply, AReplyToTheDigestIsCarriedOutOnceAndConfirmedInTheNext) {
  auto store = SqlStore::open(":memory:");
  FixedClock clock(1795600000);
  std::vector<std::unique_ptr<ingest::Source>> sources;
  auto mail = std::make_unique<FakeSource>("maildir", "replies");
  mail->next.messages.push_back(
      email("1@x", "ana@example.org", "Re: Hi", "Is it working?", 1795400000));
  mail->next.messages.push_back(email("2@x", "ben@example.org", "Re: Hi", "Hello!", 1795300000));
  auto* inbox = mail.get();
  sources.push_back(std::move(mail));
  PollOptions options;
  options.creator_addresses = {"sam@slowgarden.example"};
  poll_sources(**store, sources, clock, options);
  DigestSettings settings;
  settings.creator_name = "Sam Rivera";
  settings.creator_email = "sam@slowgarden.example";
  settings.to = "sam@slowgarden.example";
  auto digest = build_digest(**store, settings, clock.now());
  ASSERT_EQ(digest->items.size(), 2u);
  FlakyMailer mailer(0);
  auto sent = deliver_digest(**store, *digest, settings, mailer, clock.now());
  ASSERT_TRUE(sent.ok());
  auto& db = (*store)->database();
  auto id = db.prepare("SELECT message_id FROM digests");
  ASSERT_TRUE(id->step().value());
  std::string digest_id = id->text(0);
  std::string first = digest->items[0].who.display_name.empty() ? digest->items[0].who.address
                                                                : digest->items[0].who.display_name;

  // Sam replies to the digest; the reply arrives in the same mailbox.
  clock.advance(3600);
  Message reply =
      email("reply@slowgarden.example", "sam@slowgarden.example", "Re: Rapport",
            "done 1\nsnooze 2 1w\nsnooze 9 1d\n\nOn Wed, Rapport wrote:\n> 1. Ana", clock.now());
  reply.from = {"Sam Rivera", "sam@slowgarden.example"};
  reply.in_reply_to = digest_id;
  inbox->next.messages = {reply};
  inbox->next.cursor = "after reply";
  poll_sources(**store, sources, clock, options);
  EXPECT_TRUE((*store)->digest_candidates({clock.now(), 0, 0, "next"})->empty());
  EXPECT_EQ((*store)->counts()->contacts, 2);  // Sam is not a listener

  clock.advance(86400);
  auto next = build_digest(**store, settings, clock.now());
  ASSERT_EQ(next->from_your_reply.size(), 3u);
  EXPECT_EQ(next->from_your_reply[0], "answered: " + first);
  EXPECT_EQ(next->from_your_reply[1].rfind("snoozed until 2026-12-02: ", 0), 0u)
      << next->from_your_reply[1];
  EXPECT_EQ(next->from_your_reply[2], "\u201Csnooze 9 1d\u201D: the digest had no number 9");
  auto delivered = deliver_digest(**store, *next, settings, mailer, clock.now());
  ASSERT_TRUE(delivered.ok());
  EXPECT_NE(delivered->text.find("Done from your reply:\n- answered: "), std::string::npos);
  // Confirmed once; reading the reply again changes nothing.
  inbox->next.cursor = "read again";
  poll_sources(**store, sources, clock, options);
  EXPECT_TRUE(build_digest(**store, settings, clock.now())->from_your_reply.empty());
}

}  // namespace
}  // namespace rapport::pipeline
