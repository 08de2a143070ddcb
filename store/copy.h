// Moving a database from one backend to the other: everything a store holds, from an SQLite
// file into PostgreSQL when a creator's show grows into a network, or back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/db.h"

namespace rapport {

struct CopyReport {
  struct Table {
    std::string name;
    std::int64_t rows = 0;
  };
  std::vector<Table> tables;  // in the order they were copied
  // SHA-256 of the natural keys (messages, identities, episodes, sources, digests), in id
  // order, read back from each database after the copy: equal on both, or the copy fails.
  std::string checksum;
};

// Copies every row of every table of `from` into `to`, in one transaction of `to`: all or
// nothing. Both are at the same schema version (each migrated by its SqlStore first), and
// `to` holds nothing yet (kUsage otherwise). Ids are kept — every reference stays right — and
// PostgreSQL's id sequences are moved past them. The search index is left to be rebuilt
// (the store does that on the first search). Verified after: each table's count and the
// checksum read back from `to` must equal `from`'s (kDatabase otherwise, and nothing stays).
Result<CopyReport> copy_store(db::Database& from, db::Database& to);

}  // namespace rapport
