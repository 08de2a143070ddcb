#!/usr/bin/env python3
"""The baseline for the mail benchmark: Python's own mailbox + email modules reading an mbox
into SQLite, the way a small script would (not part of the tests).

    mailbox_bench.py MBOX DB

For each message: the sender, subject, date, Message-ID and In-Reply-To headers decoded, the
text/plain part (or the HTML one) decoded to text, one row per message, one transaction.
Prints the message count and the seconds taken."""
import email.policy
import email.utils
import mailbox
import sqlite3
import sys
import time


def body_text(msg):
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        return ""


def main():
    path, db_path = sys.argv[1], sys.argv[2]
    start = time.monotonic()
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE IF NOT EXISTS messages (message_id TEXT PRIMARY KEY, sender TEXT,"
               " name TEXT, subject TEXT, sent_at TEXT, in_reply_to TEXT, body TEXT)")
    box = mailbox.mbox(path, factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default), create=False)
    count = 0
    with db:
        for msg in box:
            name, address = email.utils.parseaddr(str(msg.get("From", "")))
            db.execute("INSERT OR IGNORE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (str(msg.get("Message-ID", "")) or None, address, name,
                        str(msg.get("Subject", "")), str(msg.get("Date", "")),
                        str(msg.get("In-Reply-To", "")), body_text(msg)))
            count += 1
    seconds = time.monotonic() - start
    print(f"python mailbox+email: {count} messages in {seconds:.2f} s "
          f"({count / seconds:.0f} messages/s)")


if __name__ == "__main__":
    main()
