// Tests for the command server's request handling: replies never longer than requests,
// wrong versions, unknown commands, sources out of range, garbage.
#include "control/cmdmon/cmdmon_server.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "tests/unit/control/cmdmon/cmdmon_rig.h"

namespace chronon::ctl {
namespace {

struct Rig : CmdmonRig {
  std::string dir = testing::TempDir();
  CmdmonServer server{dir + "/cmdmon_test.sock"};
  Rig() { add("10.0.0.1", 0x0A000001); }
  std::vector<uint8_t> ask(const std::vector<uint8_t>& req) {
    return server.handle(req.data(), req.size(), reports, 0, CmdmonServer::Origin::kUnixSocket);
  }
};

uint16_t status_of(const std::vector<uint8_t>& rep) {
  candm::ReplyHeader h;
  EXPECT_EQ(candm::parse_reply(rep.data(), rep.size(), &h), "");
  return h.status;
}

TEST(CmdmonServer, AnswersTrackingWithTheLocalReference) {
  Rig r;
  const auto rep = r.ask(candm::make_request(candm::kTracking, 9));
  ASSERT_EQ(rep.size(), candm::reply_length(candm::kRpyTracking));
  EXPECT_EQ(status_of(rep), candm::kSuccess);
  const TrackingReport t = candm::decode_tracking(rep.data());
  EXPECT_EQ(t.stratum, 8);
  EXPECT_EQ(t.ref_id, 0x7F7F0101u);
  EXPECT_EQ(t.ip.family, ReportAddress::Family::kUnspec);  // as chronyd: "7F7F0101 ()"
  EXPECT_EQ(t.leap_status, 0);
}

TEST(CmdmonServer, SourcesByIndexAndOutOfRange) {
  Rig r;
  auto rep = r.ask(candm::make_request(candm::kNSources, 1));
  EXPECT_EQ(candm::decode_n_sources(rep.data()), 1u);
  rep = r.ask(candm::make_request(candm::kSourceData, 2, candm::index_field(0)));
  ASSERT_EQ(status_of(rep), candm::kSuccess);
  const SourceReport s = candm::decode_source_data(rep.data());
  EXPECT_EQ(s.ip.text(), "10.0.0.1");
  EXPECT_EQ(s.state, SourceReport::State::kNonselectable);
  EXPECT_EQ(s.since_sample_s, 0xFFFFFFFFu);
  EXPECT_EQ(status_of(r.ask(candm::make_request(candm::kSourceData, 3, candm::index_field(1)))),
            candm::kNoSuchSource);
  EXPECT_EQ(status_of(r.ask(candm::make_request(candm::kSourceStats, 4, candm::index_field(-1)))),
            candm::kNoSuchSource);
}

TEST(CmdmonServer, ReferenceClocksAreReportedByRefidAsChronydDoes) {
  Rig r;
  SourceConfig c;
  c.address = "PHC0";
  r.keeper.add_source(c, "PHC0", 0x50484330).set_refclock();
  auto rep = r.ask(candm::make_request(candm::kSourceData, 2, candm::index_field(1)));
  ASSERT_EQ(status_of(rep), candm::kSuccess);
  const SourceReport s = candm::decode_source_data(rep.data());
  EXPECT_EQ(s.mode, SourceReport::Mode::kRefclock);
  EXPECT_EQ(s.ip.family, ReportAddress::Family::kInet4);  // the refid, as an IPv4 address
  EXPECT_EQ(s.ip.text(), "80.72.67.48");
  rep = r.ask(candm::make_request(candm::kSourceStats, 3, candm::index_field(1)));
  const SourceStatsReport st = candm::decode_sourcestats(rep.data());
  EXPECT_EQ(st.ip.family, ReportAddress::Family::kUnspec);  // no address: by ref_id
  EXPECT_EQ(st.ref_id, 0x50484330u);
}

TEST(CmdmonServer, SelectDataOfASourceWithoutSamples) {
  Rig r;
  r.add("10.0.0.9").set_refclock();
  auto rep = r.ask(candm::make_request(candm::kSelectData, 4, candm::index_field(0)));
  ASSERT_EQ(status_of(rep), candm::kSuccess);
  const SelectDataReport d = candm::decode_select_data(rep.data());
  EXPECT_EQ(d.state, 's');  // as chronyd: a source starts unsynchronised
  EXPECT_EQ(d.leap, 3);
  EXPECT_EQ(d.ip.text(), "10.0.0.1");
  EXPECT_EQ(d.last_sample_ago_s, 0u);
  EXPECT_EQ(d.score, 1.0);
  rep = r.ask(candm::make_request(candm::kSelectData, 5, candm::index_field(1)));
  EXPECT_EQ(candm::decode_select_data(rep.data()).ip.family, ReportAddress::Family::kUnspec);
  rep = r.ask(candm::make_request(candm::kSelectData, 6, candm::index_field(2)));
  EXPECT_EQ(status_of(rep), candm::kNoSuchSource);
}

TEST(CmdmonServer, RetiredSourcesLeaveReportsAndTheirOptionsLeaveSelection) {
  Rig r;
  SourceConfig required;
  required.address = "10.0.0.2";
  required.require = true;
  r.keeper.add_source(required, "10.0.0.2", 0x0A000002);
  r.add("10.0.0.3");
  ASSERT_EQ(r.reports.n_sources(), 3u);
  r.keeper.source(1).retire();
  EXPECT_EQ(r.reports.n_sources(), 2u);
  EXPECT_EQ(r.reports.source(1)->ip.text(), "10.0.0.3");  // report index 1 is the third
  EXPECT_FALSE(r.reports.source(2));
  EXPECT_FALSE(r.keeper.selection_inputs()[1].require);  // cannot block selection
  EXPECT_FALSE(r.keeper.selection_inputs()[1].usable);
  EXPECT_FALSE(r.keeper.source(1).polling());
  auto rep = r.ask(candm::make_request(candm::kNSources, 9));
  EXPECT_EQ(candm::decode_n_sources(rep.data()), 2u);
}

TEST(CmdmonServer, SourceNamesAsConfigured) {
  Rig r;
  ReportAddress a;
  a.family = ReportAddress::Family::kInet4;
  a.bytes[0] = 10;
  a.bytes[3] = 1;
  auto rep = r.ask(candm::make_request(candm::kNtpSourceName, 5, candm::address_field(a)));
  ASSERT_EQ(status_of(rep), candm::kSuccess);
  EXPECT_EQ(candm::decode_ntp_source_name(rep.data()), "10.0.0.1");
  a.bytes[3] = 2;
  rep = r.ask(candm::make_request(candm::kNtpSourceName, 6, candm::address_field(a)));
  EXPECT_EQ(status_of(rep), candm::kNoSuchSource);
}

TEST(CmdmonServer, UnknownCommandsAndVersionsGetAnErrorStatus) {
  Rig r;
  auto req = candm::make_request(candm::kMakeStep, 1);
  req.resize(64);
  EXPECT_EQ(status_of(r.ask(req)), candm::kInvalid);
  req = candm::make_request(candm::kTracking, 1);
  req[0] = 5;
  EXPECT_EQ(status_of(r.ask(req)), candm::kBadPktVersion);
}

TEST(CmdmonServer, NeverRepliesWithMoreBytesThanTheRequest) {
  Rig r;
  auto req = candm::make_request(candm::kTracking, 1);
  req.resize(40);  // unpadded: shorter than the 104-byte reply
  const auto rep = r.ask(req);
  ASSERT_LE(rep.size(), req.size());
  EXPECT_EQ(status_of(rep), candm::kBadPktLength);
  req.resize(24);  // shorter than even an error reply: no answer at all
  EXPECT_TRUE(r.ask(req).empty());
}

TEST(CmdmonServer, OversizedRequestsGetAShortErrorReply) {
  Rig r;
  auto req = candm::make_request(candm::kTracking, 1);
  req.resize(candm::kMaxRequestLen + 1);  // what the socket gives for anything longer
  const auto rep = r.ask(req);
  ASSERT_EQ(rep.size(), candm::kReplyHeaderLen);
  EXPECT_EQ(status_of(rep), candm::kBadPktLength);
  EXPECT_EQ(r.server.drops(), 1u);
  EXPECT_EQ(r.server.hits(), 0u);
}

TEST(CmdmonServer, RandomGarbageNeverCrashesOrAmplifies) {
  Rig r;
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> p(rng() % 600);
    for (auto& b : p) b = static_cast<uint8_t>(rng());
    if (p.size() > 1 && (i & 1)) {
      p[0] = candm::kProtoVersion;
      p[1] = candm::kPktRequest;
    }
    const auto rep = r.ask(p);
    ASSERT_LE(rep.size(), p.size());
  }
  EXPECT_GT(r.server.hits(), 0u);
}

}  // namespace
}  // namespace chronon::ctl
