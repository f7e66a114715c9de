// Placeholder until the family lands (being written now).
#include "server/command.h"

namespace cachet::server {

CommandFamily geo_commands() { return {"geo", {}}; }

}  // namespace cachet::server
