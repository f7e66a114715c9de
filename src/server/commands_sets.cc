// set commands (being written).
#include "server/command.h"

namespace cachet::server {
namespace {

const CommandSpec kCommands[] = {
    {.name = "set-placeholder", .arity = 1},
};

}  // namespace

CommandFamily set_commands() { return {"set", std::span(kCommands).first(0)}; }

}  // namespace cachet::server
