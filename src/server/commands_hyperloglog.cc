// hyperloglog commands (being written).
#include "server/command.h"

namespace cachet::server {
namespace {

const CommandSpec kCommands[] = {
    {.name = "hyperloglog-placeholder", .arity = 1},
};

}  // namespace

CommandFamily hyperloglog_commands() { return {"hyperloglog", std::span(kCommands).first(0)}; }

}  // namespace cachet::server
