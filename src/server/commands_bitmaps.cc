// bitmap commands (being written).
#include "server/command.h"

namespace cachet::server {
namespace {

const CommandSpec kCommands[] = {
    {.name = "bitmap-placeholder", .arity = 1},
};

}  // namespace

CommandFamily bitmap_commands() { return {"bitmap", std::span(kCommands).first(0)}; }

}  // namespace cachet::server
