// What the counter does with dossiers: receive, change status, show, list — and the office's
// status summary. Every write records facts through Store::write_captured (so it reaches the outbox
// in the same transaction) and refreshes the derived dossier_state in that transaction.
//
// Errors a clerk can meet carry a Vietnamese message (Error::message_vi) besides the English one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "agent/store.hpp"
#include "common/error.hpp"
#include "common/id.hpp"
#include "common/time.hpp"
#include "domain/dossier.hpp"

namespace motcua::agent {

struct DocumentInput {
  std::string name;
  std::string form;  // "chinh" (bản chính) | "sao" (bản sao) | "photo" (bản photo)
  int copies = 1;
};

// Parses "Name:form:count" (form chinh|sao|photo or bản chính|bản sao|bản photo, count ≥ 1;
// ":count" may be omitted and defaults to 1). The name may itself contain ':' — the last fields win.
Result<DocumentInput> parse_document_spec(const std::string& spec);

struct ReceiveRequest {
  std::string procedure;   // national code or NB- internal key
  std::string applicant;   // chủ hồ sơ
  std::string citizen_id;  // CCCD: 12 digits
  std::string submitter;   // người nộp; empty = the applicant
  std::string phone;       // 10 digits starting with 0, or empty
  std::string address;
  int channel = 1;         // 1 trực tiếp, 2 trực tuyến, 3 bưu chính
  std::vector<DocumentInput> documents;
  std::optional<Instant> received_at;  // back-entry of a paper receipt; default now; never in the future
  std::optional<Instant> due_at;       // appointment set by the clerk
  bool no_due_date = false;            // "không có ngày hẹn trả"
  std::string actor;                   // who did it; empty = the OS user
  // Non-empty: the counter refuses the dossier (Mẫu 03): it is recorded in status 3 with no
  // appointment, and this reason as a note.
  std::string refusal_reason;
};

struct ReceiveResult {
  Id128 id;
  std::string code;
  Instant received_at;
  std::optional<Instant> due_at;
  std::string due_rule;  // computed | manual | none
};

// Every problem with the typed input of `request` (procedure chosen, applicant name, 12-digit CCCD,
// phone, channel, text limits), in form order, each with a Vietnamese message; empty when none.
// receive() refuses with the first; the web form shows them all at once.
std::vector<Error> receive_input_problems(const ReceiveRequest& request);

// Records a new dossier in status 2 (3 when refused) with the next code of the receiving day
// (<agency id>-YYMMDD-NNNN, counter per unit and receipt day, never reused).
// The due date: --due-at if given, none if --no-due-date, else computed from the procedure's time
// limit and the calendar; a procedure without a usable limit and neither option is kInvalidInput.
Result<ReceiveResult> receive(Store& store, const ReceiveRequest& request);

struct SetStatusRequest {
  std::string code;
  int status = 0;
  std::string note;
  std::string actor;
};

struct SetStatusResult {
  std::string code;
  domain::DossierStatus from = domain::DossierStatus::kReceived;
  domain::DossierStatus to = domain::DossierStatus::kReceived;
  std::optional<Instant> due_at;  // the appointment after the change (moves when a supplement arrives)
};

// Applies a legal transition (domain::is_legal_transition) under the rules of
// facts::record_status (the holder, or the receiving unit for a counter step); otherwise kConflict
// with a Vietnamese and English message and nothing changes. 4→5 pauses the clock; 5→4 records the
// new due instant (the working time left at the pause, counted from now) in the event.
Result<SetStatusResult> set_status(Store& store, const SetStatusRequest& request);

struct TransferRequest {
  std::string code;
  std::string to_unit;  // GSO code of the unit that continues the processing
  std::string note;
  std::string actor;
};

struct TransferResult {
  std::string code;
  domain::DossierStatus status = domain::DossierStatus::kReceived;  // kept by the hand-over
  std::string to_unit;
  std::string to_unit_name;
};

// Hands the dossier over (liên thông, facts::record_transfer): the hub delivers it to the target
// office's feed with its documents and history at the next sync.
Result<TransferResult> transfer(Store& store, const TransferRequest& request);

struct CorrectRequest {
  std::string code;
  std::string field;  // applicant_name | applicant_citizen_id | submitter_name | phone | address
  std::string value;
  std::string note;
  std::string actor;
};

struct CorrectResult {
  std::string code;
  bool changed = false;  // false: the field already had this value (compared in NFC)
};

// Corrects one applicant field (facts::record_correction).
Result<CorrectResult> correct(Store& store, const CorrectRequest& request);

// The whole dossier: creation fact, documents, events in fold order, derived state — as JSON for
// `show --json` and the clerk's screens.
Result<nlohmann::json> show_dossier(Store& store, const std::string& code);

struct ListFilter {
  std::optional<int> status;
  int limit = 200;
};
// Dossiers ordered by due date (none last), then code. JSON: {"dossiers":[{code,status,...}],...}
Result<nlohmann::json> list_dossiers(Store& store, const ListFilter& filter);

// The office at a glance: unit, dossiers, pending changes, catalogue/calendar versions, whether it
// is enrolled, its hub, the last successful upload and the hub's clock offset (hub − office, ms)
// measured then.
Result<nlohmann::json> office_status(Store& store);

// Recomputes dossier_state for one dossier from its facts (inside the caller's transaction).
Status refresh_dossier_state(sql::Db& db, const Id128& dossier_id);

}  // namespace motcua::agent
