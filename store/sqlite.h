// The embedded backend of store/db.h: an SQLite file, or a private in-memory database.
#pragma once

#include <string>

#include "core/result.h"
#include "store/db.h"

namespace rapport::sqlite {

// Opens (creating when missing) the database at path; ":memory:" for a private in-memory
// one. Sets a busy timeout, turns on foreign keys and, for files, WAL journaling.
// Fails with kDatabase when the file cannot be opened or is not a database.
Result<db::Database> open(const std::string& path);

}  // namespace rapport::sqlite
