#!/usr/bin/python3
"""Python feedparser on the same files as rapport_feed_bench parse, for comparison.

Prints the same "metric value unit" lines. Run by bench/run_feed_bench.sh.
"""
import pathlib
import sys
import time

import feedparser


def rate(docs, min_seconds):
    total = 0
    rounds = 0
    start = time.perf_counter()
    while True:
        for d in docs:
            total += len(feedparser.parse(d).entries)
        rounds += 1
        if time.perf_counter() - start >= min_seconds and rounds >= 1:
            break
    return total / (time.perf_counter() - start), total // rounds


def main():
    root = pathlib.Path(sys.argv[1])
    large = [(root / "large.xml").read_bytes()]
    small = [p.read_bytes() for p in sorted((root / "small").glob("*.xml"))]
    r, n = rate(large, 2.0)
    print(f"feedparser large-feed {r:.0f} items/s ({n} items per pass)")
    r, n = rate(small, 2.0)
    print(f"feedparser small-feeds {r:.0f} items/s ({len(small)} feeds, {n} items per pass)")


main()
