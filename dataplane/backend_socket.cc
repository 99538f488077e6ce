// Runs the socket backend: N SocketWorker threads sharing the port through SO_REUSEPORT.
#include <cstdio>
#include <memory>
#include <thread>

#include "dataplane/dataplane_options.h"
#include "dataplane/socket/socket_worker.h"

namespace chronon::dp {

void run_socket_backend(const DataplaneOptions& o, Segment* seg, const std::atomic<bool>& stop) {
  int threads = o.threads;
  if (threads == 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
    if (threads < 1) threads = 1;
    if (threads > kMaxWorkers) threads = kMaxWorkers;
  }
  std::vector<std::string> hw_warnings;
  HwTimestamps hw(o.hw_requests, &hw_warnings);
  for (const auto& w : hw_warnings) std::fprintf(stderr, "chronon-dataplane: %s\n", w.c_str());
  std::vector<std::unique_ptr<SocketWorker>> workers;
  for (int i = 0; i < threads; ++i) {
    SocketWorkerConfig wc;
    wc.port = o.port;
    wc.bind_addresses = o.binds;
    wc.index = i;
    wc.hw = &hw;
    wc.client_table_bytes = static_cast<size_t>(o.clientlog_bytes / static_cast<uint64_t>(threads));
    workers.push_back(std::make_unique<SocketWorker>(wc, seg));
  }
  workers.front()->steer_by_source_address(threads);
  o.before_serving();
  hw.start();
  mark_dataplane_ready(seg, "socket", threads);
  std::vector<std::thread> running;
  for (auto& w : workers) running.emplace_back([&w, &stop] { w->run(stop); });
  for (auto& t : running) t.join();
}

}  // namespace chronon::dp
