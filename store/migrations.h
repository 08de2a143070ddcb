// The schema, as an append-only list of migrations. The database's PRAGMA user_version is
// the number of migrations applied; a migration, once released, is never edited.
#pragma once

#include <span>
#include <string_view>

#include "core/result.h"
#include "store/sqlite.h"

namespace rapport {

// Every migration, oldest first. Migration i (0-based) brings user_version from i to i+1.
std::span<const std::string_view> migrations();

// Applies the missing migrations, each in its own transaction with its user_version bump.
// Returns the resulting version. Fails with kDatabase when the database is newer than this
// program knows (it is never downgraded) or a migration fails (it is rolled back).
Result<int> migrate(db::Database& db);

// Applies migrations up to `version` only; for tests that need an older schema.
Result<int> migrate_to(db::Database& db, int version);

}  // namespace rapport
