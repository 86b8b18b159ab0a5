// Random identifiers: 40 hex digits from 20 bytes of the system's random source, as Redis's
// run_id and replication ids.
//
// Thread: any.
#pragma once

#include <string>

namespace redoubt::common {

std::string RandomHexId();

}  // namespace redoubt::common
