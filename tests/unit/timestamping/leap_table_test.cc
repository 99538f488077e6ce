// Tests for the leap second table: TZif v1/v2/v4 and leap-seconds.list built here, the real
// tzdata files when installed, and a clear "NAME: problem" error for each malformed input.
#include "timestamping/leap_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "timestamping/ntp_time.h"

namespace chronon::ts {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Bytes = std::vector<uint8_t>;

constexpr char kRightUtc[] = "/usr/share/zoneinfo/right/UTC";
constexpr char kLeapList[] = "/usr/share/zoneinfo/leap-seconds.list";

// Unix times of UTC midnights used below.
constexpr int64_t k1972Jun30 = 78710400;
constexpr int64_t k1972Jul01 = 78796800;
constexpr int64_t k2012Jun30 = 1341014400;
constexpr int64_t k2016Dec31 = 1483142400;
constexpr int64_t k2017Jan01 = 1483228800;
constexpr int64_t k2030Jun30 = 1909008000;
constexpr int64_t k2030Jul01 = 1909094400;
constexpr int64_t kNoon = 43200;

sys_seconds at(int64_t unix_s) { return sys_seconds(seconds(unix_s)); }
LeapInfo info(LeapStatus s, int64_t tai_s) { return {s, seconds(tai_s)}; }

struct LeapRecord {
  int64_t occurrence;  // RFC 8536 leap time: counts earlier leap seconds
  int32_t correction;
};

void put(Bytes& b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

struct Counts {
  uint32_t isut = 0, isstd = 0, typecnt = 1, charcnt = 4;
};

// One RFC 8536 header and data block: no transitions, one "UTC" type, the given leaps.
void put_block(Bytes& b, char version, int time_size, const std::vector<LeapRecord>& leaps,
               Counts c = {}) {
  b.insert(b.end(), {'T', 'Z', 'i', 'f', static_cast<uint8_t>(version)});
  b.insert(b.end(), 15, 0);
  for (uint32_t n :
       {c.isut, c.isstd, static_cast<uint32_t>(leaps.size()), 0u, c.typecnt, c.charcnt})
    put(b, n, 4);
  for (uint32_t i = 0; i < c.typecnt; ++i) put(b, 0, 6);  // utoff 0, isdst 0, desigidx 0
  for (uint32_t i = 0; i < c.charcnt; ++i) b.push_back(i < 3 ? "UTC"[i] : 0);
  for (const LeapRecord& r : leaps) {
    put(b, static_cast<uint64_t>(r.occurrence), time_size);
    put(b, static_cast<uint32_t>(r.correction), 4);
  }
  b.insert(b.end(), c.isstd + c.isut, 0);
}

Bytes tzif_v1(const std::vector<LeapRecord>& leaps, Counts c = {}) {
  Bytes b;
  put_block(b, 0, 4, leaps, c);
  return b;
}

// A v2+ file whose 32-bit block has no leaps, so only a reader of the 64-bit block sees them.
Bytes tzif_v2(const std::vector<LeapRecord>& leaps, char version = '2', Counts c = {}) {
  Bytes b;
  put_block(b, version, 4, {});
  put_block(b, version, 8, leaps, c);
  for (char ch : std::string("\nUTC0\n")) b.push_back(static_cast<uint8_t>(ch));
  return b;
}

// 1972-06-30 insert, 2016-12-31 insert (made-up second leap), 2030-06-30 made-up delete.
const std::vector<LeapRecord> kLeaps = {
    {k1972Jul01, 1}, {k2017Jan01 + 1, 2}, {k2030Jul01 - 1 + 2, 1}};

LeapTableResult parse(const Bytes& b) { return parse_tzif(b, "test.tzif"); }
std::string tzif_error(const Bytes& b) {
  const LeapTableResult r = parse(b);
  return r.table ? "(no error)" : r.error;
}

void expect_crafted_leaps(const LeapTable& t) {
  EXPECT_EQ(t.lookup(at(k1972Jun30 - 86400 + kNoon)), info(LeapStatus::kNone, 10));
  EXPECT_EQ(t.lookup(at(k1972Jun30)), info(LeapStatus::kInsert, 10));
  EXPECT_EQ(t.lookup(at(k1972Jul01 - 1)), info(LeapStatus::kInsert, 10));
  EXPECT_EQ(t.lookup(at(k1972Jul01)), info(LeapStatus::kNone, 11));
  EXPECT_EQ(t.lookup(at(k2016Dec31 + kNoon)), info(LeapStatus::kInsert, 11));
  EXPECT_EQ(t.lookup(at(k2017Jan01 + kNoon)), info(LeapStatus::kNone, 12));
  EXPECT_EQ(t.lookup(at(k2030Jun30)), info(LeapStatus::kDelete, 12));
  EXPECT_EQ(t.lookup(at(k2030Jul01)), info(LeapStatus::kNone, 11));
  EXPECT_EQ(t.lookup(at(-1000000000)), info(LeapStatus::kNone, 10));
}

TEST(LeapTableTzif, Version1LeapRecords) {
  const LeapTableResult r = parse(tzif_v1(kLeaps));
  ASSERT_TRUE(r.table) << r.error;
  EXPECT_TRUE(r.error.empty());
  ASSERT_EQ(r.table->changes().size(), 3u);
  EXPECT_EQ(r.table->changes()[1], (LeapTable::Change{at(k2017Jan01), seconds(12)}));
  expect_crafted_leaps(*r.table);
  EXPECT_FALSE(r.table->expiry());
}

TEST(LeapTableTzif, Version2UsesThe64BitBlock) {
  for (char version : {'2', '3'}) {
    const LeapTableResult r = parse(tzif_v2(kLeaps, version));
    ASSERT_TRUE(r.table) << r.error;
    ASSERT_EQ(r.table->changes().size(), 3u) << version;
    expect_crafted_leaps(*r.table);
  }
}

TEST(LeapTableTzif, TimespecQueryIgnoresNanoseconds) {
  const LeapTableResult r = parse(tzif_v1(kLeaps));
  ASSERT_TRUE(r.table);
  EXPECT_EQ(r.table->lookup(timespec{k2017Jan01 - 1, 999999999}), info(LeapStatus::kInsert, 11));
  EXPECT_EQ(r.table->lookup(timespec{k2017Jan01, 0}), info(LeapStatus::kNone, 12));
}

TEST(LeapTableTzif, Version4ExpiryRecord) {
  std::vector<LeapRecord> leaps = kLeaps;
  leaps.push_back({k2030Jul01 + 180 * 86400 + 1, 1});  // same correction: expires then
  const LeapTableResult r = parse(tzif_v2(leaps, '4'));
  ASSERT_TRUE(r.table) << r.error;
  EXPECT_EQ(r.table->changes().size(), 3u);
  EXPECT_EQ(r.table->expiry(), at(k2030Jul01 + 180 * 86400));
  EXPECT_FALSE(r.table->is_expired(at(k2030Jul01)));
  EXPECT_TRUE(r.table->is_expired(at(k2030Jul01 + 365 * 86400)));
  // Before version 4 a repeated correction is an error.
  EXPECT_THAT(tzif_error(tzif_v2(leaps, '3')), HasSubstr("does not differ by one"));
}

TEST(LeapTableTzif, Version4TruncatedStart) {
  // Truncated at 2016-12-01: the first record carries the 26 s accumulated so far.
  const LeapTableResult r = parse(tzif_v2({{1480550400 + 26, 26}, {k2017Jan01 + 26, 27}}, '4'));
  ASSERT_TRUE(r.table) << r.error;
  EXPECT_EQ(r.table->lookup(at(k2016Dec31)), info(LeapStatus::kInsert, 36));
  EXPECT_EQ(r.table->lookup(at(k2017Jan01)), info(LeapStatus::kNone, 37));
}

TEST(LeapTableTzif, NoLeapRecordsIsAnEmptyTable) {
  const LeapTableResult r = parse(tzif_v2({}));
  ASSERT_TRUE(r.table) << r.error;
  EXPECT_EQ(r.table->lookup(at(k2016Dec31)), info(LeapStatus::kNone, 10));
  EXPECT_FALSE(r.table->matches_known_2012_leap());
}

TEST(LeapTableTzif, MalformedHeaders) {
  EXPECT_EQ(tzif_error({}), "test.tzif: truncated TZif header (0 bytes, need 44)");
  Bytes b = tzif_v1(kLeaps);
  EXPECT_THAT(tzif_error(Bytes(b.begin(), b.begin() + 43)), HasSubstr("truncated TZif header"));
  b[2] = 'x';
  EXPECT_EQ(tzif_error(b), "test.tzif: bad magic (not a TZif file)");
  b = tzif_v1(kLeaps);
  b[4] = '1';
  EXPECT_EQ(tzif_error(b), "test.tzif: unsupported TZif version byte 0x31");
  b = tzif_v1(kLeaps);
  for (int i = 28; i < 32; ++i) b[i] = 0xff;  // leapcnt = 2^32 - 1
  EXPECT_THAT(tzif_error(b), HasSubstr("version 1 data block needs 34359738370 bytes but only"));
  EXPECT_THAT(tzif_error(b), HasSubstr("leapcnt 4294967295"));
}

TEST(LeapTableTzif, MalformedSecondHeaderAndBlock) {
  const Bytes b = tzif_v2(kLeaps);
  const size_t second = 44 + 6 + 4;  // first header + one type + "UTC\0"
  EXPECT_THAT(tzif_error(Bytes(b.begin(), b.begin() + second + 10)),
              HasSubstr("truncated second TZif header (10 bytes, need 44)"));
  Bytes bad = b;
  bad[second] = 'X';
  EXPECT_EQ(tzif_error(bad), "test.tzif: bad magic in second TZif header");
  EXPECT_THAT(tzif_error(Bytes(b.begin(), b.end() - 10)),
              HasSubstr("64-bit data block needs 46 bytes but only 42 remain"));
}

TEST(LeapTableTzif, EveryTruncationIsAnErrorUntilTheFooter) {
  const Bytes b = tzif_v2(kLeaps);
  const size_t footer = 6;
  for (size_t n = 0; n < b.size(); ++n) {
    const LeapTableResult r = parse(Bytes(b.begin(), b.begin() + static_cast<long>(n)));
    EXPECT_EQ(r.table.has_value(), n >= b.size() - footer) << n;
    if (!r.table) {
      EXPECT_THAT(r.error, StartsWith("test.tzif: ")) << n;
    }
  }
}

TEST(LeapTableTzif, MalformedCounts) {
  EXPECT_EQ(tzif_error(tzif_v1(kLeaps, {.typecnt = 0})), "test.tzif: typecnt is 0");
  EXPECT_EQ(tzif_error(tzif_v1(kLeaps, {.charcnt = 0})), "test.tzif: charcnt is 0");
  EXPECT_EQ(tzif_error(tzif_v2(kLeaps, '2', {.isstd = 2})),
            "test.tzif: isstdcnt is neither 0 nor typecnt");
  EXPECT_EQ(tzif_error(tzif_v2(kLeaps, '2', {.isut = 3})),
            "test.tzif: isutcnt is neither 0 nor typecnt");
  EXPECT_TRUE(parse(tzif_v2(kLeaps, '2', {.isut = 1, .isstd = 1})).table);
}

TEST(LeapTableTzif, MalformedLeapRecords) {
  EXPECT_EQ(tzif_error(tzif_v1({{k1972Jul01, 1}, {k1972Jul01, 2}})),
            "test.tzif: leap record 2 of 2: occurrence 78796800 is not after the previous one "
            "(78796800)");
  EXPECT_THAT(tzif_error(tzif_v2({{k2017Jan01, 1}, {k1972Jul01 + 1, 2}})),
              HasSubstr("leap record 2 of 2: occurrence 78796801 is not after the previous one"));
  EXPECT_THAT(tzif_error(tzif_v1({{k1972Jul01, 1}, {k1972Jul01 + 86400 + 1, 2}})),
              HasSubstr("less than 28 days after the previous one"));
  EXPECT_EQ(tzif_error(tzif_v2({{k1972Jul01, 2}})),
            "test.tzif: leap record 1 of 1: first correction is 2 (must be +1 or -1)");
  EXPECT_EQ(tzif_error(tzif_v2({{k1972Jul01, 1}, {k2017Jan01 + 1, 3}})),
            "test.tzif: leap record 2 of 2: correction 3 does not differ by one from the "
            "previous one (1)");
  EXPECT_EQ(tzif_error(tzif_v2({{k1972Jul01 + 5, 1}})),
            "test.tzif: leap record 1 of 1: occurrence 78796805 is not at the end of a UTC day");
  EXPECT_THAT(tzif_error(tzif_v2({{-86400, 1}})), HasSubstr("occurrence -86400 is out of range"));
  EXPECT_THAT(tzif_error(tzif_v2({{int64_t{1} << 50, 1}})), HasSubstr("is out of range"));
}

// ---- leap-seconds.list ----

constexpr char kList[] =
    "#\tmade-up list: the 2017 and 2030 entries are not IERS data\n"
    "#$\t3676924800\n"
    "#@\t4133894400\n"
    "\n"
    "2272060800\t10\t# 1 Jan 1972\n"
    "2287785600\t11\t# 1 Jul 1972\n"
    "3692217600 12 # 1 Jan 2017\r\n"
    "   4118083200   11\n"
    "#h\tdeadbeef deadbeef deadbeef deadbeef deadbeef\n";

std::string list_error(const std::string& text) {
  const LeapTableResult r = parse_leap_seconds_list(text, "test.list");
  return r.table ? "(no error)" : r.error;
}

TEST(LeapTableList, ParsesEntriesAndSpecialComments) {
  const LeapTableResult r = parse_leap_seconds_list(kList, "test.list");
  ASSERT_TRUE(r.table) << r.error;
  const LeapTable& t = *r.table;
  EXPECT_EQ(t.base_tai_offset(), seconds(10));
  ASSERT_EQ(t.changes().size(), 3u);  // the 1972-01-01 entry only sets the start
  EXPECT_EQ(t.updated(), at(3676924800 - kNtpUnixOffsetS));
  EXPECT_EQ(t.expiry(), at(4133894400 - kNtpUnixOffsetS));
  EXPECT_EQ(t.lookup(at(63072000 - 86400)), info(LeapStatus::kNone, 10));  // 1971-12-31
  expect_crafted_leaps(t);
}

TEST(LeapTableList, TzifAndListGiveTheSameTable) {
  const LeapTableResult list = parse_leap_seconds_list(kList, "test.list");
  const LeapTableResult tzif = parse(tzif_v2(kLeaps));
  ASSERT_TRUE(list.table && tzif.table);
  EXPECT_TRUE(std::ranges::equal(list.table->changes(), tzif.table->changes()));
}

TEST(LeapTableList, MalformedLines) {
  const std::string head = "#$ 3676924800\n#@ 4133894400\n2272060800 10\n";
  EXPECT_EQ(list_error(head + "2287785600\n"),
            "test.list:4: expected 'NTP_SECONDS TAI_OFFSET [# comment]', got '2287785600'");
  for (const char* bad : {"abc 10", "2287785600 11 junk", "-2287785600 11", "2287785600 x",
                          "2287785600,11", "99999999999999999999 11", "2287785600 99999999999"})
    EXPECT_THAT(list_error(head + bad + "\n"), HasSubstr("test.list:4: expected 'NTP_SECONDS"))
        << bad;
  EXPECT_THAT(list_error(head + std::string("22877\0 11\n", 10)), HasSubstr("got '22877\\x00 11'"));
  EXPECT_EQ(list_error(head + "2287785601 11\n"),
            "test.list:4: time 2287785601 is not a UTC midnight");
  EXPECT_EQ(list_error(head + "2272060800 11\n"),
            "test.list:4: time 2272060800 is not after the previous entry's");
  EXPECT_EQ(list_error(head + "2287785600 11\n2272060800 12\n"),
            "test.list:5: time 2272060800 is not after the previous entry's");
  EXPECT_EQ(list_error(head + "2287785600 13\n"),
            "test.list:4: TAI offset goes from 10 to 13 (a leap is one second)");
  EXPECT_EQ(list_error(head + "2287785600 10\n"),
            "test.list:4: TAI offset goes from 10 to 10 (a leap is one second)");
  EXPECT_THAT(list_error("#@ soon\n"), HasSubstr("test.list:1: '#@' (expiry) is not followed by"));
  EXPECT_THAT(list_error("#$\n"), HasSubstr("test.list:1: '#$' (last update) is not followed by"));
  EXPECT_THAT(list_error(std::string(200, 'x')), HasSubstr("xxx...'"));
}

TEST(LeapTableList, MissingPieces) {
  EXPECT_EQ(list_error(""), "test.list: no leap second entries");
  EXPECT_EQ(list_error("# nothing\n\n"), "test.list: no leap second entries");
  EXPECT_EQ(list_error("#$ 3676924800\n2272060800 10\n"), "test.list: no '#@' expiry line");
  EXPECT_EQ(list_error("#@ 4133894400\n2272060800 10\n"), "test.list: no '#$' last update line");
}

// ---- files ----

class LeapTableFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/leap_table_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& data) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
  std::string dir_;
};

TEST_F(LeapTableFiles, LoadsFilesAndNamesThemInErrors) {
  const Bytes v2 = tzif_v2(kLeaps);
  const LeapTableResult tz = load_tzif(write("UTC", std::string(v2.begin(), v2.end())));
  ASSERT_TRUE(tz.table) << tz.error;
  expect_crafted_leaps(*tz.table);
  const LeapTableResult list = load_leap_seconds_list(write("leap.list", kList));
  ASSERT_TRUE(list.table) << list.error;

  EXPECT_EQ(load_tzif(dir_ + "/missing").error,
            dir_ + "/missing: cannot open: No such file or directory");
  EXPECT_EQ(load_leap_seconds_list(dir_).error, dir_ + ": cannot read: Is a directory");
  EXPECT_EQ(load_tzif(write("big", std::string(2 << 20, 'x'))).error,
            dir_ + "/big: larger than 1 MiB, not leap second data");
  EXPECT_EQ(load_tzif(write("text", kList)).error, dir_ + "/text: bad magic (not a TZif file)");
}

TEST(LeapTableZoneinfo, ResolvesNamesLikeLibc) {
  EXPECT_EQ(zoneinfo_path("right/UTC"), "/usr/share/zoneinfo/right/UTC");
  EXPECT_EQ(zoneinfo_path("right/UTC", "/opt/tz"), "/opt/tz/right/UTC");
  EXPECT_EQ(zoneinfo_path("/etc/leap/UTC"), "/etc/leap/UTC");
}

// ---- real tzdata (Debian's tzdata package), skipped when not installed ----

void expect_real_history(const LeapTable& t) {
  EXPECT_EQ(t.lookup(at(k1972Jun30 + kNoon)), info(LeapStatus::kInsert, 10));
  EXPECT_EQ(t.lookup(at(k1972Jul01 + kNoon)), info(LeapStatus::kNone, 11));
  EXPECT_EQ(t.lookup(at(k2012Jun30)), info(LeapStatus::kInsert, 34));
  EXPECT_EQ(t.lookup(at(k2016Dec31 + kNoon)), info(LeapStatus::kInsert, 36));
  EXPECT_EQ(t.lookup(at(k2017Jan01 + kNoon)), info(LeapStatus::kNone, 37));
  EXPECT_EQ(t.lookup(at(k2017Jan01 + 365 * 86400)), info(LeapStatus::kNone, 37));
  EXPECT_TRUE(t.matches_known_2012_leap());
  EXPECT_GE(t.changes().size(), 27u);
}

TEST(LeapTableReal, RightUtc) {
  if (access(kRightUtc, R_OK) != 0) GTEST_SKIP() << kRightUtc << " not installed (tzdata)";
  const LeapTableResult r = load_tzif(zoneinfo_path("right/UTC"));
  ASSERT_TRUE(r.table) << r.error;
  expect_real_history(*r.table);
}

TEST(LeapTableReal, LeapSecondsList) {
  if (access(kLeapList, R_OK) != 0) GTEST_SKIP() << kLeapList << " not installed (tzdata)";
  const LeapTableResult r = load_leap_seconds_list(kLeapList);
  ASSERT_TRUE(r.table) << r.error;
  expect_real_history(*r.table);
  ASSERT_TRUE(r.table->expiry() && r.table->updated());
  EXPECT_GT(*r.table->expiry(), at(k2017Jan01));
  EXPECT_LT(*r.table->updated(), *r.table->expiry());
}

TEST(LeapTableReal, BothSourcesAgree) {
  if (access(kRightUtc, R_OK) != 0 || access(kLeapList, R_OK) != 0) GTEST_SKIP();
  const LeapTableResult tz = load_tzif(kRightUtc);
  const LeapTableResult list = load_leap_seconds_list(kLeapList);
  ASSERT_TRUE(tz.table && list.table);
  EXPECT_TRUE(std::ranges::equal(tz.table->changes(), list.table->changes()));
}

}  // namespace
}  // namespace chronon::ts
