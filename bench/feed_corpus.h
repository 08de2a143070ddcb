// Feed corpus for benchmarks: realistic podcast feeds, written to files.
#pragma once

#include <string>

namespace rapport::bench {

// One podcast feed of `items` episodes with itunes and podcast tags, HTML show notes
// (description and content:encoded) and enclosures, like a long-running show's feed.
std::string podcast_feed(int items, int seed);

}  // namespace rapport::bench
