// Segment file creation and attachment.
#include "dataplane/shared/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>
#include <stdexcept>

namespace chronon::dp {

namespace {
[[noreturn]] void fail(const std::string& path, const char* what) {
  throw std::runtime_error("segment " + path + ": " + what + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};
}  // namespace

SegmentMapping SegmentMapping::create(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640));
  if (fd.get() < 0) fail(path, "cannot open");
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) fail(path, "cannot stat");
  bool reuse = false;
  std::string replaced;
  SegmentHeader h{};
  if (st.st_size >= static_cast<off_t>(sizeof h) &&
      pread(fd.get(), &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h) && h.magic == kSegmentMagic) {
    reuse = h.version == kSegmentVersion && h.size == sizeof(Segment) &&
            static_cast<size_t>(st.st_size) == sizeof(Segment);
    if (!reuse) replaced = "layout version " + std::to_string(h.version);
  } else if (st.st_size != 0) {
    replaced = "not a chronon segment";
  }
  if (!reuse && st.st_size != 0) {
    // Another layout (an upgrade while the old dataplane still runs) or a foreign file: a new
    // file in its place, so that whatever still maps the old one keeps reading what it was
    // written for instead of zeroes or a layout it does not know.
    if (unlink(path.c_str()) != 0) fail(path, "cannot replace");
    fd.reset(open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fd.get() < 0) fail(path, "cannot create");
  }
  if (!reuse && ftruncate(fd.get(), sizeof(Segment)) != 0) fail(path, "cannot size");
  void* p = mmap(nullptr, sizeof(Segment), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) fail(path, "cannot map");
  auto* seg = static_cast<Segment*>(p);
  if (!reuse) {
    // Fresh zeroed file: placement-new gives the atomics their lifetime; then stamp the header
    // last so a reader never sees a valid magic over an unfinished layout.
    new (seg) Segment();
    seg->header.size = sizeof(Segment);
    seg->header.version = kSegmentVersion;
    std::atomic_thread_fence(std::memory_order_release);
    seg->header.magic = kSegmentMagic;
  }
  return SegmentMapping(seg, reuse, replaced);
}

SegmentMapping SegmentMapping::attach(const std::string& path, bool writable) {
  Fd fd(open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) fail(path, "cannot open");
  SegmentHeader h{};
  if (pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
    throw std::runtime_error("segment " + path + ": too short to be a chronon segment");
  if (h.magic != kSegmentMagic)
    throw std::runtime_error("segment " + path + ": not a chronon segment (bad magic)");
  if (h.version != kSegmentVersion || h.size != sizeof(Segment))
    throw std::runtime_error("segment " + path + ": has layout version " +
                             std::to_string(h.version) + ", this program expects " +
                             std::to_string(kSegmentVersion) +
                             " (restart both chronond and its dataplane after an upgrade)");
  void* p = mmap(nullptr, sizeof(Segment), writable ? PROT_READ | PROT_WRITE : PROT_READ,
                 MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) fail(path, "cannot map");
  return SegmentMapping(static_cast<Segment*>(p), true);
}

SegmentMapping::SegmentMapping(SegmentMapping&& o) noexcept
    : seg_(o.seg_), reattached_(o.reattached_), replaced_(std::move(o.replaced_)) {
  o.seg_ = nullptr;
}

SegmentMapping& SegmentMapping::operator=(SegmentMapping&& o) noexcept {
  if (this != &o) {
    if (seg_) munmap(seg_, sizeof(Segment));
    seg_ = o.seg_;
    reattached_ = o.reattached_;
    replaced_ = std::move(o.replaced_);
    o.seg_ = nullptr;
  }
  return *this;
}

SegmentMapping::~SegmentMapping() {
  if (seg_) munmap(seg_, sizeof(Segment));
}

void mark_dataplane_ready(Segment* seg, const char* backend, int workers) {
  std::strncpy(seg->header.backend, backend, sizeof seg->header.backend - 1);
  seg->header.backend[sizeof seg->header.backend - 1] = '\0';
  seg->header.worker_count.store(static_cast<uint32_t>(workers));
  seg->header.dataplane_pid.store(getpid());  // last: chronond waits for it
}

}  // namespace chronon::dp
