// ClientLogReader; see client_log_reader.h.
#include "control/cmdmon/client_log_reader.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dataplane/core/rate_limiter.h"

namespace chronon::ctl {

namespace {

constexpr size_t kChunkRecords = 4096;   // read 192 KiB at a time
constexpr time_t kSnapshotMaxAge = 60;   // a listing that takes longer starts over
constexpr uint32_t kNtpEpochOffset = 2208988800u;

bool empty_slot(const dp::ClientRecord& r) { return r.addr == dp::IpAddress{}; }

std::string read_error(int pid, int e) {
  if (e == ESRCH) return "the dataplane (pid " + std::to_string(pid) + ") is not running";
  std::string why = std::strerror(e);
  if (e == EPERM) why += "; chronond needs CAP_SYS_PTRACE or to be the dataplane's parent";
  return "cannot read the dataplane's client tables (pid " + std::to_string(pid) + "): " + why;
}

// Copies `n` records at `addr` of process `pid` into `out`; "" or the error.
std::string copy_records(int pid, uint64_t addr, size_t n, dp::ClientRecord* out) {
  const size_t bytes = n * sizeof(dp::ClientRecord);
  iovec local{out, bytes};
  iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(addr)), bytes};
  const ssize_t got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (got < 0) return read_error(pid, errno);
  if (static_cast<size_t>(got) != bytes) return read_error(pid, EFAULT);
  return "";
}

ReportAddress report_address(const dp::IpAddress& a) {
  ReportAddress r;
  if (a.is_v4()) {
    r.family = ReportAddress::Family::kInet4;
    const uint32_t v = a.v4();
    r.bytes[0] = static_cast<uint8_t>(v >> 24);
    r.bytes[1] = static_cast<uint8_t>(v >> 16);
    r.bytes[2] = static_cast<uint8_t>(v >> 8);
    r.bytes[3] = static_cast<uint8_t>(v);
  } else {
    r.family = ReportAddress::Family::kInet6;
    std::memcpy(r.bytes, a.bytes.data(), 16);
  }
  return r;
}

uint32_t saturating_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

std::string key_of(const ReportAddress& a) {
  return std::string(reinterpret_cast<const char*>(a.bytes), 16) +
         static_cast<char>(a.family);
}

}  // namespace

std::string read_client_table(int pid, uint64_t addr, uint64_t records,
                              std::vector<dp::ClientRecord>* out) {
  std::vector<dp::ClientRecord> first(kChunkRecords), second(kChunkRecords);
  for (uint64_t done = 0; done < records;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkRecords, records - done));
    const uint64_t at = addr + done * sizeof(dp::ClientRecord);
    if (auto e = copy_records(pid, at, n, first.data()); !e.empty()) return e;
    if (auto e = copy_records(pid, at, n, second.data()); !e.empty()) return e;
    for (size_t i = 0; i < n; ++i) {
      if (empty_slot(second[i]) || !(first[i].addr == second[i].addr)) continue;
      out->push_back(second[i]);
    }
    done += n;
  }
  return "";
}

std::vector<ClientAccessReport> merge_client_records(const std::vector<dp::ClientRecord>& records,
                                                     uint32_t now) {
  std::unordered_map<std::string, size_t> index;
  std::vector<ClientAccessReport> out;
  std::vector<uint32_t> last_hit;  // per report: the latest hit's client time (0: none)
  for (const dp::ClientRecord& rec : records) {
    const ReportAddress ip = report_address(rec.addr);
    const auto [it, inserted] = index.emplace(key_of(ip), out.size());
    if (inserted) {
      out.emplace_back();
      out.back().ip = ip;
      last_hit.push_back(0);
    }
    ClientAccessReport& r = out[it->second];
    r.ntp_hits = saturating_add(r.ntp_hits, rec.hits);
    r.ntp_drops = saturating_add(r.ntp_drops, rec.drops);
    const uint32_t hit = rec.limiter.last_hit;
    // The most recent hit (client times wrap: compare by difference) decides the intervals.
    if (hit != 0 && (last_hit[it->second] == 0 ||
                     static_cast<int32_t>(hit - last_hit[it->second]) > 0)) {
      last_hit[it->second] = hit;
      r.ntp_interval = static_cast<int8_t>(dp::rate_to_interval_log2(rec.limiter.rate));
      r.ntp_timeout_interval =
          static_cast<int8_t>(dp::rate_to_interval_log2(rec.limiter.timeout_rate));
      const int32_t ago = static_cast<int32_t>(now - hit);
      r.last_ntp_hit_ago = ago < 0 ? 0 : static_cast<uint32_t>(ago) >> dp::kTsFracBits;
    }
  }
  std::sort(out.begin(), out.end(), [](const ClientAccessReport& a, const ClientAccessReport& b) {
    if (a.ip.family != b.ip.family) return a.ip.family < b.ip.family;
    return std::memcmp(a.ip.bytes, b.ip.bytes, 16) < 0;
  });
  return out;
}

std::string ClientLogReader::take_snapshot(const timespec& now) {
  const int pid = seg_.header.dataplane_pid.load();
  if (pid <= 0) return "the dataplane is not running";
  std::vector<dp::ClientRecord> records;
  const uint32_t workers = std::min<uint32_t>(seg_.header.worker_count.load(), dp::kMaxWorkers);
  for (uint32_t w = 0; w < workers; ++w) {
    const dp::WorkerCounters& slot = seg_.workers[w];
    if (slot.active.load(std::memory_order_acquire) != 1) continue;
    const uint64_t addr = slot.client_table_addr.load(std::memory_order_relaxed);
    const uint64_t n = slot.client_table_records.load(std::memory_order_relaxed);
    if (addr == 0 || n == 0) continue;
    if (auto e = read_client_table(pid, addr, n, &records); !e.empty()) return e;
  }
  const uint32_t ntp_seconds = static_cast<uint32_t>(now.tv_sec) + kNtpEpochOffset;
  const uint32_t client_now =
      (ntp_seconds << dp::kTsFracBits) |
      static_cast<uint32_t>((now.tv_nsec << dp::kTsFracBits) / 1000000000L);
  snapshot_ = merge_client_records(records, client_now);
  snapshot_time_ = now.tv_sec;
  return "";
}

std::string ClientLogReader::page(uint32_t first, uint32_t max, uint32_t min_hits, bool reset,
                                  const timespec& now, ClientAccessPage* out) {
  // A listing starts at 0 (a snapshot at most a second old is reused, so that a client
  // looping on the request cannot keep chronond copying tables); a slow one starts over.
  const time_t age = now.tv_sec - snapshot_time_;
  if ((first == 0 && age >= 1) || age > kSnapshotMaxAge || age < 0 || snapshot_time_ == 0) {
    if (auto e = take_snapshot(now); !e.empty()) return e;
  }
  max = std::min(max, ClientAccessPage::kMaxClients);
  out->n_indices = static_cast<uint32_t>(snapshot_.size());
  out->clients.clear();
  uint32_t i = first;
  for (; i < snapshot_.size() && out->clients.size() < max; ++i) {
    ClientAccessReport r = snapshot_[i];
    const std::string key = key_of(r.ip);
    if (const auto b = baselines_.find(key); b != baselines_.end()) {
      // Fewer than at the reset: the record was replaced since; count from its new start.
      if (r.ntp_hits < b->second.hits || r.ntp_drops < b->second.drops) {
        baselines_.erase(b);
      } else {
        r.ntp_hits -= b->second.hits;
        r.ntp_drops -= b->second.drops;
      }
    }
    if (r.ntp_hits < min_hits) continue;
    out->clients.push_back(r);
    if (reset) baselines_[key] = Baseline{snapshot_[i].ntp_hits, snapshot_[i].ntp_drops};
  }
  out->next_index = i;
  return "";
}

}  // namespace chronon::ctl
