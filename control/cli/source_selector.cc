// parse_selector; see source_selector.h.
#include "control/cli/source_selector.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>

namespace chronon::ctl {

bool parse_selector(const std::string& text, candm::SourceSelector* out) {
  auto parse_ip = [](const std::string& t, ReportAddress* a) {
    *a = ReportAddress{};
    if (inet_pton(AF_INET, t.c_str(), a->bytes) == 1) {
      a->family = ReportAddress::Family::kInet4;
    } else if (inet_pton(AF_INET6, t.c_str(), a->bytes) == 1) {
      a->family = ReportAddress::Family::kInet6;
    } else {
      return false;
    }
    return true;
  };
  auto full_mask = [](ReportAddress::Family f, int bits, ReportAddress* m) {
    *m = ReportAddress{};
    m->family = f;
    for (int i = 0; i < 16; ++i) {
      const int b = std::clamp(bits - 8 * i, 0, 8);
      m->bytes[i] = static_cast<uint8_t>(0xff00 >> b);
    }
  };
  *out = candm::SourceSelector{};
  if (text.empty()) return true;
  const size_t slash = text.find('/');
  if (slash == std::string::npos) {
    if (!parse_ip(text, &out->address)) return false;
    full_mask(out->address.family, 128, &out->mask);
    return true;
  }
  const std::string left = text.substr(0, slash), right = text.substr(slash + 1);
  ReportAddress first;
  if (!parse_ip(left, &first)) return false;
  if (parse_ip(right, &out->address)) {  // MASK/ADDRESS
    out->mask = first;
    return out->mask.family == out->address.family;
  }
  char* end = nullptr;
  const long bits = std::strtol(right.c_str(), &end, 10);
  const int max = first.family == ReportAddress::Family::kInet4 ? 32 : 128;
  if (right.empty() || *end != '\0' || bits < 0 || bits > max) return false;
  out->address = first;
  full_mask(first.family, static_cast<int>(bits), &out->mask);
  return true;
}

}  // namespace chronon::ctl
