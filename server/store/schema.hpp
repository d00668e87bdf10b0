#pragma once

#include "server/store/sqlite.hpp"

namespace liveroom::store {

// The store's schema version (PRAGMA user_version). Older stores migrate
// forward on open; a newer one is refused.
inline constexpr int schema_version = 1;

// Creates the schema in an empty database, migrates an older one forward,
// and refuses (store_error) a file that is not a liveroom store or was
// written by a newer schema.
void prepare_schema(db& d);

}  // namespace liveroom::store
