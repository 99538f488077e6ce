// The chronon CLI's commands: each chronyc command it knows, as the requests it sends to
// chronond's command socket and the text it prints (chronyc_format.h), plus `dataplane`,
// which reads the shared segment.
#pragma once

#include <string>
#include <vector>

#include "control/cli/cmdmon_client.h"

namespace chronon::ctl {

struct CliOptions {
  bool csv = false, source_names = false;
  std::string socket;
  std::string segment;
};

// Runs one command line (`args[0]` is the command). Returns 0 on success, 1 when chronond
// failed it or could not be reached (the error is on stderr), 2 for a usage error.
int run_command(const std::vector<std::string>& args, const CliOptions& o, CmdmonClient& client);

}  // namespace chronon::ctl
