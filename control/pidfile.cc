// Pid file handling; see pidfile.h.
#include "control/pidfile.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace chronon::ctl {

void make_parent_dirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error("cannot create directory " + dir + ": " + std::strerror(errno));
  }
}

PidFile::PidFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  make_parent_dirs(path_);
  {
    std::ifstream in(path_);
    long old = 0;
    if (in >> old && old > 0 && old != getpid() && kill(static_cast<pid_t>(old), 0) == 0) {
      // /proc/PID/stat: "PID (comm) STATE ...": a chronond that has exited but not yet been
      // reaped (a zombie, state Z) is not running.
      std::ifstream stat("/proc/" + std::to_string(old) + "/stat");
      std::string line;
      std::getline(stat, line);
      const size_t open = line.find('('), close = line.rfind(')');
      const std::string name =
          open != std::string::npos && close > open ? line.substr(open + 1, close - open - 1) : "";
      const char state = close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
      if (name == "chronond" && state != 'Z')
        throw std::runtime_error("another chronond is running (pid " + std::to_string(old) +
                                 ", " + path_ + ")");
    }
  }
  std::ofstream out(path_, std::ios::trunc);
  if (!(out << getpid() << '\n'))
    throw std::runtime_error("cannot write pid file " + path_ + ": " + std::strerror(errno));
}

PidFile::~PidFile() {
  if (!path_.empty()) unlink(path_.c_str());
}

}  // namespace chronon::ctl
