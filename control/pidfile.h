// The pid file, as chronyd keeps one: refuses a second instance, removed at clean exit.
#pragma once

#include <string>

namespace chronon::ctl {

class PidFile {
 public:
  // Creates parent directories as needed and writes our pid. Throws std::runtime_error if
  // another live process holds it ("another chronond is running (pid N, PATH)").
  explicit PidFile(std::string path);
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

 private:
  std::string path_;
};

// mkdir -p for the directory part of `path`; throws with the path and errno text.
void make_parent_dirs(const std::string& path);

}  // namespace chronon::ctl
