// libFuzzer target: arbitrary text through the chrony.conf-dialect parser. It must either
// return a configuration or throw ConfigError with a "FILE:LINE: " prefix; nothing else.
#include <cstdint>
#include <string>
#include <string_view>

#include "control/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  // include/confdir read the file system, which is not what this target explores.
  std::string low = text;
  for (char& c : low) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (low.find("include") != std::string::npos || low.find("confdir") != std::string::npos)
    return 0;
  try {
    const chronon::ctl::Config c = chronon::ctl::parse_config_text(text, "fuzz.conf");
    if (c.local.enabled && (c.local.stratum < 1 || c.local.stratum > 15)) __builtin_trap();
  } catch (const chronon::ctl::ConfigError& e) {
    if (std::string_view(e.what()).rfind("fuzz.conf:", 0) != 0) __builtin_trap();
  }
  return 0;
}
