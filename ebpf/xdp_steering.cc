// Loader for the XDP steering program; see xdp_steering.h.
#include "ebpf/xdp_steering.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>

#include "ebpf/ntp_steer.skel.h"
#include "ebpf/ntp_steer_rxts.skel.h"

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)  // kernel 6.3 uapi; Debian 12's headers are 6.1
#endif

namespace chronon::ebpf {

namespace {

constexpr char kProgramName[] = "ntp_steer";  // the program's name in the kernel (bpftool)

// libbpf's warnings go to stderr (which chronond logs), its debug chatter nowhere.
int print_libbpf(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  std::fprintf(stderr, "chronon-dataplane: ");  // libbpf's messages start with "libbpf: "
  return std::vfprintf(stderr, fmt, args);
}

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

struct ProgInfo {
  uint32_t id = 0;
  std::string name;
};

ProgInfo prog_info_by_id(uint32_t id) {
  ProgInfo p{id, "?"};
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return p;
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) p.name = info.name;
  close(fd);
  return p;
}

uint32_t prog_id_of_fd(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

// Whatever XDP programs the interface has now, by attach mode.
struct Attached {
  ProgInfo drv, skb, hw;
};

Attached query(int ifindex, const std::string& iface) {
  bpf_xdp_query_opts q{};
  q.sz = sizeof q;
  const int r = bpf_xdp_query(ifindex, 0, &q);
  if (r != 0) throw std::runtime_error("cannot query the XDP programs of " + iface + ": " + errno_text(r));
  Attached a;
  if (q.drv_prog_id) a.drv = prog_info_by_id(q.drv_prog_id);
  if (q.skb_prog_id) a.skb = prog_info_by_id(q.skb_prog_id);
  if (q.hw_prog_id) a.hw = prog_info_by_id(q.hw_prog_id);
  return a;
}

// True while a bpf_link attaches an XDP program to `ifindex`.
bool xdp_link_on(int ifindex) {
  uint32_t id = 0;
  while (bpf_link_get_next_id(id, &id) == 0) {
    const int fd = bpf_link_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_link_info info{};
    uint32_t len = sizeof info;
    const bool match = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
                       info.type == BPF_LINK_TYPE_XDP &&
                       static_cast<int>(info.xdp.ifindex) == ifindex;
    close(fd);
    if (match) return true;
  }
  return false;
}

}  // namespace

// One loaded variant, type-erased: both skeletons have the same maps and program.
struct XdpSteering::Loaded {
  std::function<void()> destroy;
  int prog_fd = -1, xsks_fd = -1, v4_fd = -1, v6_fd = -1, counters_fd = -1;
  ~Loaded() {
    if (destroy) destroy();
  }
};

namespace {

// Opens, configures and loads one variant. Returns nullptr with `error` set on failure.
template <class Skel>
std::unique_ptr<XdpSteering::Loaded> load_variant(Skel* (*open)(const bpf_object_open_opts*),
                                                  int (*load)(Skel*), void (*destroy)(Skel*),
                                                  uint16_t port, int bound_ifindex,
                                                  std::string* error) {
  Skel* skel = open(nullptr);
  if (!skel) {
    *error = "cannot open the BPF object: " + errno_text(errno);
    return nullptr;
  }
  auto loaded = std::make_unique<XdpSteering::Loaded>();
  loaded->destroy = [skel, destroy] { destroy(skel); };
  skel->rodata->ntp_port = port;
  if (bound_ifindex > 0) {
    bpf_program__set_ifindex(skel->progs.ntp_steer, static_cast<uint32_t>(bound_ifindex));
    bpf_program__set_flags(skel->progs.ntp_steer,
                           bpf_program__flags(skel->progs.ntp_steer) | BPF_F_XDP_DEV_BOUND_ONLY);
  }
  if (const int r = load(skel); r != 0) {
    *error = "the kernel refused the BPF program: " + errno_text(r);
    return nullptr;
  }
  loaded->prog_fd = bpf_program__fd(skel->progs.ntp_steer);
  loaded->xsks_fd = bpf_map__fd(skel->maps.xsks);
  loaded->v4_fd = bpf_map__fd(skel->maps.local_v4);
  loaded->v6_fd = bpf_map__fd(skel->maps.local_v6);
  loaded->counters_fd = bpf_map__fd(skel->maps.counters);
  return loaded;
}

// A C-linkage-free adapter: the skeleton's functions are static inline with defaulted args.
ntp_steer* open_plain(const bpf_object_open_opts* o) { return ntp_steer__open_opts(o); }
int load_plain(ntp_steer* s) { return ntp_steer__load(s); }
void destroy_plain(ntp_steer* s) { ntp_steer__destroy(s); }
ntp_steer_rxts* open_rxts(const bpf_object_open_opts* o) { return ntp_steer_rxts__open_opts(o); }
int load_rxts(ntp_steer_rxts* s) { return ntp_steer_rxts__load(s); }
void destroy_rxts(ntp_steer_rxts* s) { ntp_steer_rxts__destroy(s); }

}  // namespace

XdpSteering::XdpSteering(const XdpSteeringOptions& opts, std::vector<std::string>* notes) {
  static const bool print_set = (libbpf_set_print(print_libbpf), true);
  (void)print_set;
  const std::string& iface = opts.iface;
  ifindex_ = static_cast<int>(if_nametoindex(iface.c_str()));
  if (ifindex_ == 0) throw std::runtime_error("no interface '" + iface + "'");

  // What is there already: a chronon program left attached the old way (netlink, which
  // outlives its process) is replaced; anything else is someone else's and stays.
  const Attached before = query(ifindex_, iface);
  for (const ProgInfo* p : {&before.drv, &before.skb, &before.hw}) {
    if (p->id == 0) continue;
    if (p->name != kProgramName) {
      throw std::runtime_error(iface + " already has XDP program '" + p->name + "' (id " +
                               std::to_string(p->id) +
                               "); chronon does not replace other programs (detach it with "
                               "'ip link set dev " + iface + " xdp off')");
    }
  }
  if (before.drv.id != 0 || before.skb.id != 0) {
    const uint32_t id = before.drv.id ? before.drv.id : before.skb.id;
    // A program held by a bpf_link belongs to a running dataplane (a link dies with its
    // process, and chronon does not pin links); give one that is exiting a moment.
    for (int tries = 0; tries < 40 && xdp_link_on(ifindex_); ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (xdp_link_on(ifindex_)) {
      throw std::runtime_error(iface + " is served by another chronon-dataplane (XDP program " +
                               std::string(kProgramName) + " id " + std::to_string(id) +
                               " is attached through a live link)");
    }
    const Attached now = query(ifindex_, iface);
    if (now.drv.id) bpf_xdp_detach(ifindex_, XDP_FLAGS_DRV_MODE, nullptr);
    if (now.skb.id) bpf_xdp_detach(ifindex_, XDP_FLAGS_SKB_MODE, nullptr);
    const Attached after = query(ifindex_, iface);
    if (after.drv.id != 0 || after.skb.id != 0) {
      throw std::runtime_error("cannot detach the stale " + std::string(kProgramName) +
                               " XDP program (id " + std::to_string(id) + ") from " + iface);
    }
    if (now.drv.id != 0 || now.skb.id != 0) {
      notes->push_back("replaced a stale " + std::string(kProgramName) + " XDP program (id " +
                       std::to_string(now.drv.id ? now.drv.id : now.skb.id) + ") left on " +
                       iface + " by an earlier run");
    }
  }

  // Native mode, with the device-bound RX-timestamp variant when asked; generic otherwise.
  std::string error;
  auto attach = [&](Loaded& l, uint32_t flags) {
    bpf_link_create_opts lo{};
    lo.sz = sizeof lo;
    lo.flags = flags;
    const int fd = bpf_link_create(l.prog_fd, ifindex_, BPF_XDP, &lo);
    if (fd < 0) error = errno_text(fd);
    return fd;
  };
  if (opts.mode != XdpMode::kGeneric) {
    if (opts.rx_timestamps) {
      loaded_ = load_variant(open_rxts, load_rxts, destroy_rxts, opts.port, ifindex_, &error);
      if (loaded_) {
        link_fd_ = attach(*loaded_, XDP_FLAGS_DRV_MODE);
        if (link_fd_ >= 0) rx_timestamps_ = true;
      }
      if (link_fd_ < 0) {
        notes->push_back("no hardware RX timestamps through XDP on " + iface + " (" + error +
                         "; needs kernel 6.3+ and driver support): using the time of each batch");
        loaded_.reset();
      }
    }
    if (link_fd_ < 0) {
      loaded_ = load_variant(open_plain, load_plain, destroy_plain, opts.port, 0, &error);
      if (!loaded_) throw std::runtime_error("cannot load the XDP program for " + iface + ": " + error);
      link_fd_ = attach(*loaded_, XDP_FLAGS_DRV_MODE);
    }
    if (link_fd_ >= 0) {
      native_ = true;
    } else if (opts.mode == XdpMode::kNative) {
      throw std::runtime_error("cannot attach the XDP program to " + iface +
                               " in native mode: " + error);
    } else {
      notes->push_back("native XDP is not available on " + iface + " (" + error +
                       "): using generic mode, which is much slower");
    }
  }
  if (link_fd_ < 0) {
    if (!loaded_) {
      loaded_ = load_variant(open_plain, load_plain, destroy_plain, opts.port, 0, &error);
      if (!loaded_) throw std::runtime_error("cannot load the XDP program for " + iface + ": " + error);
    }
    link_fd_ = attach(*loaded_, XDP_FLAGS_SKB_MODE);
    if (link_fd_ < 0) {
      throw std::runtime_error("cannot attach the XDP program to " + iface + ": " + error);
    }
  }
  prog_id_ = prog_id_of_fd(loaded_->prog_fd);
}

XdpSteering::~XdpSteering() {
  if (link_fd_ >= 0) close(link_fd_);  // detaches: the link is the only reference
}

int XdpSteering::program_fd() const { return loaded_->prog_fd; }

void XdpSteering::set_socket(uint32_t queue, int xsk_fd) {
  if (queue >= CHRONON_XDP_MAX_QUEUES) {
    throw std::runtime_error("queue " + std::to_string(queue) + " is beyond the " +
                             std::to_string(CHRONON_XDP_MAX_QUEUES) + " the XDP program supports");
  }
  const uint32_t value = static_cast<uint32_t>(xsk_fd);
  if (const int r = bpf_map_update_elem(loaded_->xsks_fd, &queue, &value, BPF_ANY); r != 0) {
    throw std::runtime_error("cannot register the AF_XDP socket of queue " + std::to_string(queue) +
                             ": " + errno_text(r));
  }
}

namespace {

// Makes the hash map at `fd` (key_size-byte keys, one-byte values) hold exactly `want`.
bool sync_set(int fd, const std::set<std::string>& want, size_t key_size) {
  bool ok = true;
  std::string key(key_size, '\0'), next(key_size, '\0');
  std::vector<std::string> stale;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, next.data()) == 0) {
    if (!want.count(next)) stale.push_back(next);
    key = next;
    prev = key.data();
  }
  for (const auto& k : stale) bpf_map_delete_elem(fd, k.data());
  const uint8_t one = 1;
  for (const auto& k : want) {
    if (bpf_map_update_elem(fd, k.data(), &one, BPF_ANY) != 0) ok = false;
  }
  return ok;
}

}  // namespace

bool XdpSteering::set_local_addresses(const std::vector<dp::IpAddress>& addresses) {
  std::set<std::string> v4, v6;
  for (const auto& a : addresses) {
    if (a.is_v4()) {
      const uint32_t be = htonl(a.v4());
      v4.insert(std::string(reinterpret_cast<const char*>(&be), 4));
    } else {
      v6.insert(std::string(reinterpret_cast<const char*>(a.bytes.data()), 16));
    }
  }
  const bool a = sync_set(loaded_->v4_fd, v4, 4);
  const bool b = sync_set(loaded_->v6_fd, v6, 16);
  return a && b;
}

XdpCounters XdpSteering::read_counters() const {
  XdpCounters out;
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return out;
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  for (uint32_t k = 0; k < CHRONON_XDP_COUNTER_COUNT; ++k) {
    if (bpf_map_lookup_elem(loaded_->counters_fd, &k, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) out.value[k] += v;
  }
  return out;
}

}  // namespace chronon::ebpf
