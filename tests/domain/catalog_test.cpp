#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "domain/catalog.hpp"
#include "tests/support/temp_dir.hpp"

using namespace motcua;
using namespace motcua::domain;

namespace {

const char* kHeader = "ma_tthc,ten_tthc,linh_vuc,co_quan_thuc_hien,thoi_han_giai_quyet,phi_le_phi,ghi_chu,source\n";

std::vector<Procedure> load_sample() {
  auto table = read_csv_file(test::source_path("data/tthc-commune-sample.csv"));
  if (!table) throw std::runtime_error(table.error().message);
  auto procs = parse_catalog_csv(*table);
  if (!procs) throw std::runtime_error(procs.error().message);
  return *procs;
}

Result<std::vector<Procedure>> parse_text(const std::string& text) {
  auto table = parse_csv(text);
  REQUIRE(table);
  return parse_catalog_csv(*table);
}

constexpr auto P = ParseOutcome::kParsed;
constexpr auto V = ParseOutcome::kParsedWithVariants;
constexpr auto X = ParseOutcome::kText;
constexpr auto E = ParseOutcome::kEmpty;
constexpr auto NONE = LimitKind::kNone;
constexpr auto WH = LimitKind::kWorkingHours;
constexpr auto SD = LimitKind::kSameDay;
constexpr auto S15 = LimitKind::kSameDay15h;

struct Expected {
  const char* key;
  ParseOutcome outcome;
  LimitKind kind;
  int64_t hours;
  size_t variants;
};

// Read from the published text of each sample row, in file order. Days count 8 working hours.
const std::vector<Expected> kSample = {
    {"1.001193", P, S15, 0, 0},    // Ngay sau khi nhận đủ giấy tờ; tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo
    {"1.000894", V, SD, 0, 1},     // Ngay sau khi nhận đủ giấy tờ; cần xác minh: không quá 05 ngày làm việc
    {"1.000656", P, SD, 0, 0},     // Ngay sau khi nhận giấy tờ
    {"1.001022", V, WH, 24, 1},    // 03 ngày làm việc; cần xác minh: kéo dài thêm không quá 05 ngày làm việc
    {"1.000689", E, NONE, 0, 0},   // (empty)
    {"1.004837", P, WH, 24, 0},    // Giám hộ cử: 03 ngày làm việc
    {"1.004845", P, WH, 16, 0},    // 02 ngày làm việc
    {"1.004859", V, WH, 24, 2},    // Thay đổi/cải chính: 03 ngày (xác minh: thêm ≤ 03); bổ sung hộ tịch: ngay sau khi nhận đủ giấy tờ
    {"1.004873", E, NONE, 0, 0},
    {"2.000635", P, S15, 0, 0},    // Ngay sau khi nhận yêu cầu; tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo
    {"1.004884", E, NONE, 0, 0},
    {"1.004746", E, NONE, 0, 0},
    {"1.005461", E, NONE, 0, 0},
    {"1.003583", E, NONE, 0, 0},
    {"2.002516", E, NONE, 0, 0},
    {"2.000528", E, NONE, 0, 0},
    {"2.000806", V, WH, 40, 1},    // 05 ngày làm việc; cần xác minh: không quá 10 ngày làm việc
    {"2.000779", V, WH, 80, 0},    // 10 ngày làm việc (niêm yết/xác minh 05 ngày làm việc) — a note
    {"2.000986", E, NONE, 0, 0},
    {"3.000722", X, NONE, 0, 0},   // "kể từ khi các cơ quan nhận đủ hồ sơ", "(xác minh: không quá 05)", "trong 24 giờ"...
    {"2.000815", V, S15, 0, 1},    // Trong ngày; sau 15 giờ ...; hồ sơ nhiều/phức tạp: kéo dài không quá 02 ngày làm việc
    {"2.000884", P, S15, 0, 0},    // Trong ngày; sau 15 giờ thì ngày làm việc tiếp theo
    {"2.001008", V, S15, 0, 1},    // ...; có thể kéo dài theo thỏa thuận
    {"2.000908", P, S15, 0, 0},
    {"2.000942", P, S15, 0, 0},
    {"2.001035", V, WH, 16, 0},    // Không quá 02 ngày làm việc (có thể kéo dài theo thỏa thuận bằng văn bản) — a note
    {"2.001019", P, WH, 16, 0},    // Không quá 02 ngày làm việc
    {"2.001016", P, WH, 16, 0},
    {"2.001406", P, WH, 16, 0},
    {"2.000913", P, S15, 0, 0},
    {"2.000286", P, WH, 80, 0},    // Quy trình tại cấp xã: 10 ngày làm việc
    {"2.000282", X, NONE, 0, 0},   // Cơ sở TGXH hoàn thiện hồ sơ trong 10 ngày làm việc kể từ khi tiếp nhận đối tượng
    {"2.001661", P, WH, 24, 0},    // Quy trình tại cấp xã: 03 ngày làm việc
    {"1.004946", E, NONE, 0, 0},
    {"1.004944", E, NONE, 0, 0},
    {"1.004222", P, WH, 56, 0},    // 07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ
    {"1.004194", E, NONE, 0, 0},
    {"NB-e810fda0ee", V, WH, 64, 1},  // (no code) Không quá 08 ngày làm việc; xã miền núi, ...: không quá 18 ngày làm việc
    {"NB-aa7e955f4f", P, WH, 24, 0},  // (no code) Không quá 03 ngày làm việc
    {"3.000467", E, NONE, 0, 0},
    {"2.000424", E, NONE, 0, 0},
};

const Procedure& find(const std::vector<Procedure>& procs, const std::string& key) {
  for (const Procedure& p : procs) {
    if (p.key == key) return p;
  }
  throw std::runtime_error("no procedure " + key);
}

TimeLimit wh(int64_t h) { return TimeLimit{LimitKind::kWorkingHours, h}; }

}  // namespace

TEST_CASE("catalog: every sample row parses as read by hand", "[catalog]") {
  const std::vector<Procedure> procs = load_sample();
  REQUIRE(procs.size() == 41);
  REQUIRE(kSample.size() == 41);
  std::map<ParseOutcome, int> counts;
  for (size_t i = 0; i < procs.size(); ++i) {
    const Procedure& p = procs[i];
    const Expected& e = kSample[i];
    INFO("row " << i + 1 << " " << p.key << ": " << p.time_limit_text);
    CHECK(p.key == e.key);
    CHECK(parse_outcome_name(p.time_limit.outcome) == std::string(parse_outcome_name(e.outcome)));
    CHECK(p.time_limit.main.kind == e.kind);
    CHECK(p.time_limit.main.hours == e.hours);
    CHECK(p.time_limit.variants.size() == e.variants);
    if (e.outcome == E) CHECK(p.time_limit_text.empty());
    if (e.outcome == X || e.outcome == E) {
      CHECK(p.time_limit.main_label.empty());
      CHECK(p.time_limit.variants.empty());
      CHECK(p.time_limit.notes.empty());
    }
    if (e.outcome == P) CHECK(p.time_limit.notes.empty());
    ++counts[p.time_limit.outcome];
  }
  CHECK(counts[P] == 16);
  CHECK(counts[V] == 9);
  CHECK(counts[X] == 2);
  CHECK(counts[E] == 14);
}

TEST_CASE("catalog: sample variants, labels and notes in detail", "[catalog]") {
  const std::vector<Procedure> procs = load_sample();

  const auto& ket_hon = find(procs, "1.000894").time_limit;
  REQUIRE(ket_hon.variants.size() == 1);
  CHECK(ket_hon.variants[0].label == "cần xác minh");
  CHECK(ket_hon.variants[0].limit == wh(40));
  CHECK_FALSE(ket_hon.variants[0].extends);

  const auto& nhan_cha_me = find(procs, "1.001022").time_limit;
  REQUIRE(nhan_cha_me.variants.size() == 1);
  CHECK(nhan_cha_me.variants[0].label == "cần xác minh");
  CHECK(nhan_cha_me.variants[0].limit == wh(40));
  CHECK(nhan_cha_me.variants[0].extends);

  const auto& giam_ho = find(procs, "1.004837").time_limit;
  CHECK(giam_ho.main_label == "Giám hộ cử");
  CHECK(giam_ho.main == wh(24));

  const auto& cai_chinh = find(procs, "1.004859").time_limit;
  CHECK(cai_chinh.main_label == "Thay đổi/cải chính");
  REQUIRE(cai_chinh.variants.size() == 2);
  CHECK(cai_chinh.variants[0].label == "xác minh");
  CHECK(cai_chinh.variants[0].limit == wh(24));
  CHECK(cai_chinh.variants[0].extends);
  CHECK(cai_chinh.variants[1].label == "bổ sung hộ tịch");
  CHECK(cai_chinh.variants[1].limit == TimeLimit{LimitKind::kSameDay, 0});
  CHECK_FALSE(cai_chinh.variants[1].extends);
  CHECK(cai_chinh.notes.empty());

  const auto& nn_ket_hon = find(procs, "2.000806").time_limit;
  REQUIRE(nn_ket_hon.variants.size() == 1);
  CHECK(nn_ket_hon.variants[0].limit == wh(80));
  CHECK_FALSE(nn_ket_hon.variants[0].extends);

  const auto& nn_cha_me = find(procs, "2.000779").time_limit;
  CHECK(nn_cha_me.notes == std::vector<std::string>{"niêm yết/xác minh 05 ngày làm việc"});

  const auto& chung_thuc = find(procs, "2.000815").time_limit;
  REQUIRE(chung_thuc.variants.size() == 1);
  CHECK(chung_thuc.variants[0].label == "hồ sơ nhiều/phức tạp");
  CHECK(chung_thuc.variants[0].limit == wh(16));
  CHECK_FALSE(chung_thuc.variants[0].extends);  // "kéo dài không quá": the total, not an addition

  const auto& dich = find(procs, "2.001008").time_limit;
  REQUIRE(dich.variants.size() == 1);
  CHECK(dich.variants[0].label == "có thể kéo dài theo thỏa thuận");
  CHECK_FALSE(dich.variants[0].limit.has_value());

  const auto& giao_dich = find(procs, "2.001035").time_limit;
  CHECK(giao_dich.notes == std::vector<std::string>{"có thể kéo dài theo thỏa thuận bằng văn bản"});
  CHECK(giao_dich.variants.empty());

  const auto& btxh = find(procs, "2.000286").time_limit;
  CHECK(btxh.main_label == "Quy trình tại cấp xã");

  const auto& dinh_chinh = find(procs, "NB-e810fda0ee");
  CHECK(dinh_chinh.national_code.empty());
  REQUIRE(dinh_chinh.time_limit.variants.size() == 1);
  CHECK(dinh_chinh.time_limit.variants[0].label == "xã miền núi, hải đảo, vùng sâu, vùng xa, ĐBKK");
  CHECK(dinh_chinh.time_limit.variants[0].limit == wh(144));
  CHECK(dinh_chinh.time_limit.main_label.empty());

  // The published text is kept.
  CHECK(find(procs, "3.000722").time_limit_text.rfind("03 ngày làm việc kể từ khi các cơ quan", 0) == 0);
}

TEST_CASE("catalog: sample columns are read and NFC", "[catalog]") {
  const std::vector<Procedure> procs = load_sample();
  const Procedure& ks = find(procs, "1.001193");
  CHECK(ks.national_code == "1.001193");
  CHECK(ks.name == "Thủ tục đăng ký khai sinh");
  CHECK(ks.field == "Hộ tịch");
  CHECK_FALSE(ks.resolving_body.empty());
  CHECK_FALSE(ks.source.empty());
  CHECK(ks.required_documents.empty());  // column absent from the sample
  CHECK(ks.online_level.empty());
  // Quoted commas in the name.
  CHECK(find(procs, "1.001022").name == "Thủ tục đăng ký nhận cha, mẹ, con");
}

TEST_CASE("catalog: rows without a national code get stable internal keys", "[catalog]") {
  const std::string name = "Đăng ký thành lập hộ kinh doanh";
  const std::string field = "Thành lập và hoạt động của hộ kinh doanh";
  CHECK(internal_procedure_key(name, field) == "NB-aa7e955f4f");
  // Decomposed input gives the same key as composed input.
  CHECK(internal_procedure_key("Nguye\xCC\x82\xCC\x83n", "Ho\xCC\xA3\xCC\x82 ti\xCC\xA3" "ch") ==
        internal_procedure_key("Nguyễn", "Hộ tịch"));
  CHECK(internal_procedure_key("Nguyễn", "Hộ tịch") == "NB-cb0f765f87");
  // Name and field are separated: moving text between them changes the key.
  CHECK(internal_procedure_key("ab", "c") != internal_procedure_key("a", "bc"));

  auto procs = parse_text(std::string(kHeader) + "," + name + "," + field + ",UBND cấp xã,,,,\n");
  REQUIRE(procs);
  CHECK(procs->front().key == "NB-aa7e955f4f");
  CHECK(procs->front().national_code.empty());
  CHECK(procs->front().time_limit.outcome == ParseOutcome::kEmpty);
}

TEST_CASE("catalog: text is normalised to NFC", "[catalog]") {
  // "Nguyễn" and "Hộ tịch" written decomposed (e + U+0302 + U+0303, o + U+0323 + U+0302, ...).
  const std::string decomposed_name = "Nguye\xCC\x82\xCC\x83n";
  const std::string decomposed_field = "Ho\xCC\xA3\xCC\x82 ti\xCC\xA3" "ch";
  const std::string decomposed_limit = "0\x33 nga\xCC\x80y la\xCC\x80m vie\xCC\xA3\xCC\x82\x63";  // 03 ngày làm việc
  auto procs = parse_text(std::string(kHeader) + "9.999999," + decomposed_name + "," + decomposed_field + ",x," +
                          decomposed_limit + ",,,\n");
  REQUIRE(procs);
  const Procedure& p = procs->front();
  CHECK(p.name == "Nguyễn");
  CHECK(p.name == "Nguy\xE1\xBB\x85n");  // U+1EC5 precomposed
  CHECK(p.field == "Hộ tịch");
  CHECK(p.time_limit_text == "03 ngày làm việc");
  CHECK(p.time_limit.outcome == ParseOutcome::kParsed);
  CHECK(p.time_limit.main == wh(24));
  // parse_time_limit itself also accepts decomposed text.
  CHECK(parse_time_limit(decomposed_limit).main == wh(24));
}

TEST_CASE("catalog: optional columns", "[catalog]") {
  const std::string header =
      "ma_tthc,ten_tthc,linh_vuc,co_quan_thuc_hien,thoi_han_giai_quyet,phi_le_phi,ghi_chu,source,giay_to_yeu_cau,"
      "muc_do_truc_tuyen\n";
  auto procs = parse_text(header +
                          "1.001193,Đăng ký khai sinh,Hộ tịch,UBND cấp xã,Trong ngày,Miễn,,src,"
                          "\"Tờ khai; Giấy chứng sinh, bản chính\",Toàn trình\n"
                          "1.000894,Đăng ký kết hôn,Hộ tịch,UBND cấp xã,,,,src,,một phần\n"
                          "1.000656,Đăng ký khai tử,Hộ tịch,UBND cấp xã,,,,src,,\n");
  REQUIRE(procs);
  CHECK((*procs)[0].required_documents == "Tờ khai; Giấy chứng sinh, bản chính");
  CHECK((*procs)[0].online_level == "toàn trình");
  CHECK((*procs)[0].fee_text == "Miễn");
  CHECK((*procs)[1].online_level == "một phần");
  CHECK((*procs)[2].online_level.empty());

  auto bad = parse_text(header + "1.001193,Đăng ký khai sinh,Hộ tịch,x,,,,,,một nửa\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("line 2") != std::string::npos);
  CHECK(bad.error().message.find("muc_do_truc_tuyen") != std::string::npos);
}

TEST_CASE("catalog: errors name the line or the column", "[catalog]") {
  auto no_name = parse_text(std::string(kHeader) + "1.001193,Khai sinh,Hộ tịch,x,,,,\n1.000894,  ,Hộ tịch,x,,,,\n");
  REQUIRE_FALSE(no_name);
  CHECK(no_name.error().code == ErrorCode::kInvalidInput);
  CHECK(no_name.error().message.find("line 3") != std::string::npos);
  CHECK(no_name.error().message.find("no name") != std::string::npos);

  auto dup = parse_text(std::string(kHeader) + "1.001193,A,F,x,,,,\n\"1.001193\",B,F,x,,,,\n");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().message.find("line 3") != std::string::npos);
  CHECK(dup.error().message.find("line 2") != std::string::npos);
  CHECK(dup.error().message.find("1.001193") != std::string::npos);

  // Two code-less rows with the same name and field collide, even when one is decomposed.
  auto dup_nb = parse_text(std::string(kHeader) + ",Nguyễn,F,x,,,,\n,Nguye\xCC\x82\xCC\x83n,F,x,,,,\n");
  REQUIRE_FALSE(dup_nb);
  CHECK(dup_nb.error().message.find("line 3") != std::string::npos);
  CHECK(dup_nb.error().message.find("NB-") != std::string::npos);

  // A multi-line quoted cell shifts the line numbers of later rows.
  auto later = parse_text(std::string(kHeader) + "1.001193,A,F,x,,,\"two\nlines\",\n1.000894,,F,x,,,,\n");
  REQUIRE_FALSE(later);
  CHECK(later.error().message.find("line 4") != std::string::npos);

  auto missing = parse_text("ma_tthc,ten_tthc,linh_vuc,co_quan_thuc_hien,phi_le_phi,ghi_chu,source\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("thoi_han_giai_quyet") != std::string::npos);

  auto bad_utf8 = parse_text(std::string(kHeader) + "1.001193,A\xFF,F,x,,,,\n");
  REQUIRE_FALSE(bad_utf8);
  CHECK(bad_utf8.error().message.find("line 2") != std::string::npos);
}

TEST_CASE("time limit: simple forms", "[catalog][time_limit]") {
  auto check = [](const std::string& text, ParseOutcome outcome, TimeLimit main) {
    INFO(text);
    ParsedTimeLimit p = parse_time_limit(text);
    CHECK(parse_outcome_name(p.outcome) == std::string(parse_outcome_name(outcome)));
    CHECK(p.main == main);
  };
  const TimeLimit none{};
  const TimeLimit same{LimitKind::kSameDay, 0};
  const TimeLimit same15{LimitKind::kSameDay15h, 0};
  check("", ParseOutcome::kEmpty, none);
  check("   ", ParseOutcome::kEmpty, none);
  check("05 ngày làm việc", ParseOutcome::kParsed, wh(40));
  check("5 ngày làm việc", ParseOutcome::kParsed, wh(40));
  check("  KHÔNG QUÁ 05  NGÀY LÀM VIỆC ", ParseOutcome::kParsed, wh(40));
  check("không quá 3 ngày làm việc", ParseOutcome::kParsed, wh(24));
  check("04 giờ làm việc", ParseOutcome::kParsed, wh(4));
  check("Không quá 12 giờ", ParseOutcome::kParsed, wh(12));
  check("0 giờ làm việc", ParseOutcome::kParsed, wh(0));
  check("07 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", ParseOutcome::kParsed, wh(56));
  check("Trong ngày", ParseOutcome::kParsed, same);
  check("TRONG NGÀY", ParseOutcome::kParsed, same);
  check("Ngay sau khi nhận đủ giấy tờ", ParseOutcome::kParsed, same);
  check("Ngay sau khi nhận giấy tờ", ParseOutcome::kParsed, same);
  check("Ngay sau khi nhận yêu cầu", ParseOutcome::kParsed, same);
  check("Trong ngày; sau 15 giờ thì ngày làm việc tiếp theo", ParseOutcome::kParsed, same15);
  check("Trong ngày; tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo", ParseOutcome::kParsed, same15);
  check("Trong ngày;", ParseOutcome::kParsed, same);  // a stray separator
}

TEST_CASE("time limit: conservative, whole text stays text", "[catalog][time_limit]") {
  for (const char* text : {
           "03 ngày làm việc kể từ khi các cơ quan nhận đủ hồ sơ",
           "Cơ sở TGXH hoàn thiện hồ sơ trong 10 ngày làm việc kể từ khi tiếp nhận đối tượng",
           "05 ngày",                                   // calendar days? not a working-day limit
           "03 (ba) ngày làm việc",                      // parenthesis inside the limit
           "ba ngày làm việc",                           // number in words
           "03 ngày làm việc; khai sinh trong 24 giờ",  // unknown second clause
           "03 ngày làm việc; 05 ngày làm việc",        // unlabelled second limit
           "03 ngày làm việc; sau 15 giờ thì ngày làm việc tiếp theo",  // cut-off needs a same-day limit
           "Trong ngày; sau 15 giờ thì ngày làm việc tiếp theo; sau 15 giờ thì ngày làm việc tiếp theo",
           "cần xác minh: kéo dài thêm không quá 05 ngày làm việc",  // an extension cannot be the main limit
           "03 ngày làm việc; kéo dài thêm không quá 05 ngày làm việc",  // unlabelled extension
           "03 ngày làm việc (chưa đóng",
           "03 ngày làm việc)",
           ": 03 ngày làm việc",
           "A: B: 03 ngày làm việc",
           "(ghi chú)",
           "12345 ngày làm việc",
           "Theo quy định",
       }) {
    INFO(text);
    ParsedTimeLimit p = parse_time_limit(text);
    CHECK(p.outcome == ParseOutcome::kText);
    CHECK(p.main.kind == LimitKind::kNone);
    CHECK(p.main_label.empty());
    CHECK(p.variants.empty());
    CHECK(p.notes.empty());
  }
}

TEST_CASE("time limit: variants and notes", "[catalog][time_limit]") {
  ParsedTimeLimit p = parse_time_limit(
      "Giám hộ cử: 03 ngày làm việc (ghi chú một); cần xác minh: kéo dài thêm 05 ngày làm việc; "
      "hồ sơ phức tạp: kéo dài không quá 10 ngày làm việc; vùng xa: 16 giờ làm việc; "
      "có thể kéo dài theo thoả thuận; ngoài giờ: có thể kéo dài theo thỏa thuận bằng văn bản");
  CHECK(p.outcome == ParseOutcome::kParsedWithVariants);
  CHECK(p.main_label == "Giám hộ cử");
  CHECK(p.main == wh(24));
  CHECK(p.notes == std::vector<std::string>{"ghi chú một"});
  REQUIRE(p.variants.size() == 5);
  CHECK(p.variants[0].label == "cần xác minh");
  CHECK(p.variants[0].limit == wh(40));
  CHECK(p.variants[0].extends);
  CHECK(p.variants[1].label == "hồ sơ phức tạp");
  CHECK(p.variants[1].limit == wh(80));
  CHECK_FALSE(p.variants[1].extends);
  CHECK(p.variants[2].label == "vùng xa");
  CHECK(p.variants[2].limit == wh(16));
  CHECK(p.variants[3].label == "có thể kéo dài theo thoả thuận");
  CHECK_FALSE(p.variants[3].limit);
  CHECK(p.variants[4].label == "ngoài giờ");
  CHECK_FALSE(p.variants[4].limit);

  // A parenthesised "label: limit" is a variant; any other remark is a note, in published order.
  ParsedTimeLimit q = parse_time_limit("03 ngày làm việc (xác minh: thêm không quá 03 ngày làm việc) (lưu ý)");
  CHECK(q.outcome == ParseOutcome::kParsedWithVariants);
  REQUIRE(q.variants.size() == 1);
  CHECK(q.variants[0].label == "xác minh");
  CHECK(q.variants[0].limit == wh(24));
  CHECK(q.variants[0].extends);
  CHECK(q.notes == std::vector<std::string>{"lưu ý"});

  // A cut-off applies to the same-day limit just before it, even a labelled variant.
  ParsedTimeLimit r = parse_time_limit("03 ngày làm việc; bổ sung: trong ngày; sau 15 giờ thì ngày làm việc tiếp theo");
  CHECK(r.outcome == ParseOutcome::kParsedWithVariants);
  CHECK(r.main == wh(24));
  REQUIRE(r.variants.size() == 1);
  CHECK(r.variants[0].limit == TimeLimit{LimitKind::kSameDay15h, 0});

  // A label alone on the main limit is still a plain parse.
  ParsedTimeLimit s = parse_time_limit("Quy trình tại cấp xã: 10 ngày làm việc");
  CHECK(s.outcome == ParseOutcome::kParsed);
  CHECK(s.main_label == "Quy trình tại cấp xã");
}

TEST_CASE("time limit: outcome names", "[catalog]") {
  CHECK(std::string(parse_outcome_name(ParseOutcome::kParsed)) == "parsed");
  CHECK(std::string(parse_outcome_name(ParseOutcome::kParsedWithVariants)) == "parsed_with_variants");
  CHECK(std::string(parse_outcome_name(ParseOutcome::kText)) == "text");
  CHECK(std::string(parse_outcome_name(ParseOutcome::kEmpty)) == "empty");
}
