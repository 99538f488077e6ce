// Tests for `clients`: a real client table in this process, found through a segment the way
// chronond finds the dataplane's (process_vm_readv on our own pid), merged across workers,
// paged as chronyc asks, filtered by hits, reset, and refused with noclientlog.
#include "control/cmdmon/client_log_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>

#include "control/cmdmon/cmdmon_server.h"
#include "dataplane/core/client_table.h"
#include "tests/unit/control/cmdmon/cmdmon_rig.h"

namespace chronon::ctl {
namespace {

constexpr uint32_t kNtpEpochOffset = 2208988800u;
const timespec kNow{1800000000, 0};
const timespec kLater{1800000002, 0};  // past the one second a snapshot is reused
// chrony's client time (1/16 s) of kNow minus `ago` seconds.
uint32_t client_time(uint32_t ago) {
  return (static_cast<uint32_t>(kNow.tv_sec) + kNtpEpochOffset - ago) << dp::kTsFracBits;
}

dp::IpAddress v4(uint32_t a) { return dp::IpAddress::from_v4(a); }

struct Tables {
  std::unique_ptr<dp::Segment> seg = std::make_unique<dp::Segment>();
  dp::ClientTable w0{64 * 1024, dp::random_sip_key()};
  dp::ClientTable w1{64 * 1024, dp::random_sip_key()};
  Tables() {
    seg->header.dataplane_pid = getpid();
    seg->header.worker_count = 2;
    publish(0, w0);
    publish(1, w1);
  }
  void publish(int w, const dp::ClientTable& t) {
    seg->workers[w].client_table_addr = reinterpret_cast<uintptr_t>(t.records());
    seg->workers[w].client_table_records = t.capacity();
    seg->workers[w].active = 1;
  }
  static void hit(dp::ClientTable& t, dp::IpAddress a, uint32_t hits, uint16_t drops,
                  uint32_t ago) {
    dp::LimiterState fresh{};
    dp::ClientRecord& r = t.find_or_insert(a, fresh, client_time(ago));
    r.hits += hits;
    r.drops = static_cast<uint16_t>(r.drops + drops);
    r.limiter.last_hit = client_time(ago);
    r.limiter.rate = dp::kInvalidRate;
    r.limiter.timeout_rate = dp::kInvalidRate;
  }
};

TEST(ClientLogReader, ReadsEveryWorkerAndMergesAnAddressSeenByTwo) {
  Tables t;
  Tables::hit(t.w0, v4(0x0A000001), 3, 1, 10);
  Tables::hit(t.w1, v4(0x0A000001), 4, 0, 2);   // same client, other worker, more recent
  Tables::hit(t.w1, v4(0x0A000002), 1, 0, 500);
  ClientLogReader reader(*t.seg);
  ClientAccessPage page;
  ASSERT_EQ(reader.page(0, 8, 0, false, kNow, &page), "");
  EXPECT_EQ(page.n_indices, 2u);
  EXPECT_EQ(page.next_index, 2u);
  ASSERT_EQ(page.clients.size(), 2u);
  EXPECT_EQ(page.clients[0].ip.text(), "10.0.0.1");
  EXPECT_EQ(page.clients[0].ntp_hits, 7u);
  EXPECT_EQ(page.clients[0].ntp_drops, 1u);
  EXPECT_EQ(page.clients[0].last_ntp_hit_ago, 2u);
  EXPECT_EQ(page.clients[0].ntp_interval, 127);  // no rate known yet: chronyc's "-"
  EXPECT_EQ(page.clients[1].ip.text(), "10.0.0.2");
  EXPECT_EQ(page.clients[1].last_ntp_hit_ago, 500u);
}

TEST(ClientLogReader, PagesOfEightFromOneSnapshot) {
  Tables t;
  for (uint32_t i = 1; i <= 20; ++i) Tables::hit(t.w0, v4(0x0A000000 + i), i, 0, 1);
  ClientLogReader reader(*t.seg);
  ClientAccessPage page;
  ASSERT_EQ(reader.page(0, 8, 0, false, kNow, &page), "");
  EXPECT_EQ(page.clients.size(), 8u);
  EXPECT_EQ(page.next_index, 8u);
  // A client that arrives mid-listing does not shift the pages already given.
  Tables::hit(t.w0, v4(0x09000001), 1, 0, 1);
  ASSERT_EQ(reader.page(8, 8, 0, false, kNow, &page), "");
  EXPECT_EQ(page.clients.front().ip.text(), "10.0.0.9");
  ASSERT_EQ(reader.page(16, 8, 0, false, kNow, &page), "");
  EXPECT_EQ(page.clients.size(), 4u);
  EXPECT_EQ(page.next_index, 20u);
  // A new listing within the second reuses the snapshot (a client looping on the request
  // cannot keep chronond copying tables); a later one sees the new client.
  ASSERT_EQ(reader.page(0, 8, 0, false, kNow, &page), "");
  EXPECT_EQ(page.n_indices, 20u);
  ASSERT_EQ(reader.page(0, 8, 0, false, kLater, &page), "");
  EXPECT_EQ(page.n_indices, 21u);
  EXPECT_EQ(page.clients.front().ip.text(), "9.0.0.1");
}

TEST(ClientLogReader, MinimumHitsAndReset) {
  Tables t;
  Tables::hit(t.w0, v4(0x0A000001), 10, 2, 1);
  Tables::hit(t.w0, v4(0x0A000002), 2, 0, 1);
  ClientLogReader reader(*t.seg);
  ClientAccessPage page;
  ASSERT_EQ(reader.page(0, 8, 5, true, kNow, &page), "");
  ASSERT_EQ(page.clients.size(), 1u);
  EXPECT_EQ(page.clients[0].ntp_hits, 10u);
  // After the reset only what came since counts; the other client was not reset.
  Tables::hit(t.w0, v4(0x0A000001), 3, 0, 0);
  ASSERT_EQ(reader.page(0, 8, 0, false, kLater, &page), "");
  ASSERT_EQ(page.clients.size(), 2u);
  EXPECT_EQ(page.clients[0].ntp_hits, 3u);
  EXPECT_EQ(page.clients[0].ntp_drops, 0u);
  EXPECT_EQ(page.clients[1].ntp_hits, 2u);
}

TEST(ClientLogReader, NoDataplaneIsAClearError) {
  Tables t;
  t.seg->header.dataplane_pid = 0;
  ClientLogReader reader(*t.seg);
  ClientAccessPage page;
  EXPECT_EQ(reader.page(0, 8, 0, false, kNow, &page), "the dataplane is not running");
  t.seg->header.dataplane_pid = 999999999;  // no such process
  EXPECT_NE(reader.page(0, 8, 0, false, kNow, &page).find("is not running"), std::string::npos);
}

TEST(ClientLogReader, ServerAnswersPagesAndNoclientlogIsInactive) {
  Tables t;
  Tables::hit(t.w0, v4(0x0A000001), 3, 0, 1);
  CmdmonRig rig;
  const ReportBuilder reports{rig.keeper, rig.state, rig.clock, *t.seg};
  CmdmonServer server{testing::TempDir() + "/client_log_reader_test.sock"};
  const auto req = candm::make_request(candm::kClientAccessesByIndex3, 7,
                                       candm::client_accesses_fields({0, 8, 0, false}));
  ASSERT_EQ(req.size(), candm::reply_length(candm::kRpyClientAccessesByIndex3));
  auto rep = server.handle(req.data(), req.size(), reports, 0, CmdmonServer::Origin::kUnixSocket);
  candm::ReplyHeader h;
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.status, candm::kInactive);  // noclientlog: no reader set
  ClientLogReader reader(*t.seg);
  server.set_client_log(&reader);
  rep = server.handle(req.data(), req.size(), reports, 0, CmdmonServer::Origin::kUnixSocket);
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  ASSERT_EQ(h.status, candm::kSuccess);
  const ClientAccessPage page = candm::decode_client_accesses(rep.data());
  ASSERT_EQ(page.clients.size(), 1u);
  EXPECT_EQ(page.clients[0].ip.text(), "10.0.0.1");
  EXPECT_EQ(page.clients[0].ntp_hits, 3u);
  // Reading is for everyone on the socket; resetting only for those who may change state.
  const auto reset = candm::make_request(candm::kClientAccessesByIndex3, 8,
                                         candm::client_accesses_fields({0, 8, 0, true}));
  rep = server.handle(reset.data(), reset.size(), reports, 0, CmdmonServer::Origin::kUnixReadOnly);
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.status, candm::kUnauth);
  rep = server.handle(req.data(), req.size(), reports, 0, CmdmonServer::Origin::kUnixReadOnly);
  ASSERT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  EXPECT_EQ(h.status, candm::kSuccess);
}

}  // namespace
}  // namespace chronon::ctl
