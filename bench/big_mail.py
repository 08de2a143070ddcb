#!/usr/bin/env python3
"""Writes the memory benchmark's mailboxes into DIR (not a test):

  attachments.mbox  1 GB: 75 replies each with a 10 MB photo attached (base64), 1,500 plain
                    replies between them;
  one-huge.mbox     one 200 MB message (a 150 MB recording, base64) and a short one after it.

The attachments are random bytes, so nothing compresses or repeats. Seeded: the same files
every time."""
import base64
import random
import sys
from pathlib import Path


def header(i, subject):
    return (f"From listener{i}@example.org Mon Nov 23 10:00:00 2026\n"
            f"From: Listener {i} <listener{i}@example.org>\n"
            "To: Sam <sam@slowgarden.example>\n"
            f"Subject: {subject}\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n"
            f"Message-ID: <big-{i}@example.org>\nMIME-Version: 1.0\n")


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    text = "Here are the photos of the tomatoes I promised. Would you talk about seed saving?\n"
    photo = base64.encodebytes(rng.randbytes(10 * 1024 * 1024)).decode()
    with open(out / "attachments.mbox", "w") as f:
        for i in range(75):
            f.write(header(i, f"Re: Ep. {i % 60}: photos from my garden") +
                    'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
                    "Content-Type: text/plain; charset=utf-8\n\n" + text + "\n--b1\n"
                    'Content-Type: image/jpeg; name="garden.jpg"\n'
                    "Content-Transfer-Encoding: base64\n"
                    'Content-Disposition: attachment; filename="garden.jpg"\n\n' + photo +
                    "--b1--\n\n")
            for j in range(20):
                n = 100000 + 1000 * i + j
                f.write(header(n, f"Re: Ep. {n % 60}") +
                        "Content-Type: text/plain; charset=utf-8\n\n" + text + "\n")
    recording = base64.encodebytes(rng.randbytes(150 * 1024 * 1024)).decode()
    with open(out / "one-huge.mbox", "w") as f:
        f.write(header(1, "the whole recording of my question") +
                'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
                "Content-Type: text/plain\n\nHere is the raw recording of my question.\n--b1\n"
                "Content-Type: audio/wav\nContent-Transfer-Encoding: base64\n\n" + recording +
                "--b1--\n\n")
        f.write(header(2, "after the huge one") + "Content-Type: text/plain\n\n"
                "Still read after it.\n\n")


if __name__ == "__main__":
    main()
