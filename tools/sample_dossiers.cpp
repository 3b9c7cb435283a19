#include "tools/sample_dossiers.hpp"

#include "reference/reference.hpp"

namespace motcua::tools {

namespace {

const std::vector<std::string> kFamily = {"Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
                                          "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý"};
const std::vector<std::string> kMiddle = {"Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Xuân", "Thu", "Gia"};
const std::vector<std::string> kGiven = {"An",   "Bình",  "Cường", "Dũng",  "Hà",    "Hải",  "Hạnh", "Hoa",  "Hùng",
                                         "Hương", "Lan",  "Linh",  "Long",  "Mai",   "Nam",  "Nga",  "Phương", "Quân",
                                         "Sơn",  "Tâm",   "Thảo",  "Trang", "Tuấn",  "Vân",  "Yến",  "Khánh", "Đạt"};
const std::vector<std::string> kPlaces = {"Thôn Đông", "Thôn Tây", "Thôn Trung", "Xóm Mới", "Tổ dân phố 3",
                                          "Tổ dân phố 7", "Ấp Bình An", "Khu phố 2", "Bản Nà Lầu", "Thôn Hạ"};
const std::vector<std::string> kCommunes = {"Xã Tân Tiến, Tỉnh Hưng Yên", "Phường Phố Hiến, Tỉnh Hưng Yên",
                                            "Xã Nghĩa Trụ, Tỉnh Hưng Yên", "Xã Hoàng Hoa Thám, Tỉnh Hưng Yên"};
const std::vector<std::string> kDocuments = {"Tờ khai theo mẫu", "Bản sao Căn cước công dân", "Giấy chứng sinh",
                                             "Giấy xác nhận tình trạng hôn nhân", "Giấy ủy quyền",
                                             "Bản chính giấy tờ chứng minh nơi cư trú", "Đơn đề nghị"};
const std::vector<std::string> kForms = {"chinh", "sao", "photo"};
const std::vector<std::string> kNotes = {"", "", "", "Đã thẩm định hồ sơ", "Trình lãnh đạo ký", "Công dân nhận kết quả tại quầy"};
const std::vector<std::string> kClerks = {"canbo.mc1", "canbo.mc2", "canbo.tuphap", "canbo.diachinh"};

}  // namespace

Result<SampleDossiers> SampleDossiers::open(agent::Store& store, uint64_t seed) {
  MOTCUA_ASSIGN_OR_RETURN(auto rows, reference::current_procedures(store.db(), ""));
  std::vector<std::string> keys;
  for (const auto& row : rows) {
    const auto outcome = row.procedure.time_limit.outcome;
    if (outcome == domain::ParseOutcome::kParsed || outcome == domain::ParseOutcome::kParsedWithVariants) {
      keys.push_back(row.procedure.key);
    }
  }
  if (keys.empty()) {
    return fail(Error::failed_precondition("the office has no procedure with a time limit to receive dossiers for",
                                           "set it up with a catalogue (motcua-agent init --catalog FILE)"));
  }
  return SampleDossiers(store, seed, std::move(keys));
}

SampleDossiers::SampleDossiers(agent::Store& store, uint64_t seed, std::vector<std::string> procedures)
    : m_store(&store), m_rng(seed), m_procedures(std::move(procedures)), m_actor(kClerks[seed % kClerks.size()]) {}

std::string SampleDossiers::pick(const std::vector<std::string>& list) {
  return list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(m_rng)];
}

std::string SampleDossiers::digits(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + std::uniform_int_distribution<int>(0, 9)(m_rng));
  return s;
}

Result<agent::ReceiveResult> SampleDossiers::receive() {
  agent::ReceiveRequest req;
  req.procedure = pick(m_procedures);
  req.applicant = pick(kFamily) + " " + pick(kMiddle) + " " + pick(kGiven);
  // CCCD: province of birth (3 digits), sex/century, year of birth (2), then 6 digits.
  req.citizen_id = "0" + digits(2) + std::string(1, "0123"[std::uniform_int_distribution<int>(0, 3)(m_rng)]) + digits(8);
  if (std::uniform_int_distribution<int>(0, 3)(m_rng) != 0) req.phone = "09" + digits(8);
  req.address = pick(kPlaces) + ", " + pick(kCommunes);
  if (std::uniform_int_distribution<int>(0, 4)(m_rng) == 0) req.submitter = pick(kFamily) + " " + pick(kMiddle) + " " + pick(kGiven);
  req.channel = std::uniform_int_distribution<int>(0, 9)(m_rng) < 7 ? 1 : 2;
  const int documents = std::uniform_int_distribution<int>(1, 3)(m_rng);
  for (int i = 0; i < documents; ++i) req.documents.push_back({pick(kDocuments), pick(kForms), 1});
  req.actor = m_actor;
  return agent::receive(*m_store, req);
}

Status SampleDossiers::advance(const std::string& code, int to) {
  return agent::set_status(*m_store, {code, to, pick(kNotes), m_actor}).map([](auto&&) {});
}

Status SampleDossiers::record_work(ManualClock& clock, int dossiers) {
  struct Open {
    std::string code;
    int status;
  };
  std::vector<Open> open;
  int received = 0;
  const int next_status[11] = {0, 0, 4, 0, 9, 0, 0, 0, 0, 10, 0};
  // Bounded: every step receives a dossier or advances one, and each dossier is advanced 3 times.
  for (int step = 0; step < dossiers * 5 && (received < dossiers || !open.empty()); ++step) {
    clock.advance_ms(std::uniform_int_distribution<int64_t>(5, 240)(m_rng) * kMsPerSecond);
    const bool receive_next = received < dossiers && (open.empty() || std::uniform_int_distribution<int>(0, 9)(m_rng) < 4);
    if (receive_next) {
      MOTCUA_ASSIGN_OR_RETURN(agent::ReceiveResult r, receive());
      open.push_back({r.code, 2});
      ++received;
    } else {
      const size_t i = std::uniform_int_distribution<size_t>(0, open.size() - 1)(m_rng);
      const int to = next_status[open[i].status];
      MOTCUA_TRY(advance(open[i].code, to));
      open[i].status = to;
      if (to == 10) open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return ok();
}

}  // namespace motcua::tools
