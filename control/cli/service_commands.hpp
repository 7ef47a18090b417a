#pragma once
// The rtpx subcommands that reach plugin services (rtpxd's plugins.call): `service SERVICE
// [JSON]`, `gateway status [NAME]` (sip.gateways), `registrations` (sip.registrations) and
// `dialplan test CONTEXT NUMBER [var=val ...]` (dialplan.route, dry run). `service --plugin` and
// `dialplan test --conf` run the plugin inside the CLI instead, no daemon needed.

#include <CLI/CLI.hpp>

#include "control/cli/invocation.hpp"

namespace rtpx::cli {

void add_service_commands(CLI::App& app, Invocation& inv);

}  // namespace rtpx::cli
