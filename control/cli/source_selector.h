// chronyc's source selector argument (online, offline, burst): none (every source), ADDRESS,
// ADDRESS/BITS or MASK/ADDRESS, parsed into the command protocol's mask and address.
#pragma once

#include <string>

#include "control/cmdmon/candm_wire.h"

namespace chronon::ctl {

// False when `text` is none of the forms (host names are not looked up).
bool parse_selector(const std::string& text, candm::SourceSelector* out);

}  // namespace chronon::ctl
