// list commands (being written).
#include "server/command.h"

namespace cachet::server {
namespace {

const CommandSpec kCommands[] = {
    {.name = "list-placeholder", .arity = 1},
};

}  // namespace

CommandFamily list_commands() { return {"list", std::span(kCommands).first(0)}; }

}  // namespace cachet::server
