// ReportAddress; see reports.h.
#include "control/cmdmon/reports.h"

#include <arpa/inet.h>

namespace chronon::ctl {

std::string ReportAddress::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (family) {
    case Family::kInet4: return inet_ntop(AF_INET, bytes, buf, sizeof buf) ? buf : "?";
    case Family::kInet6: return inet_ntop(AF_INET6, bytes, buf, sizeof buf) ? buf : "?";
    case Family::kId: {
      std::string s;
      for (int i = 3; i >= 0; --i) {
        const char c = static_cast<char>((id >> (8 * i)) & 0xff);
        if (c >= 32 && c < 127) s += c;
      }
      return s;
    }
    case Family::kUnspec: break;
  }
  return "[UNSPEC]";
}

}  // namespace chronon::ctl
