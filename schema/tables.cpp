#include "schema/tables.hpp"

namespace motcua::schema {

const char* table_class_name(TableClass c) {
  switch (c) {
    case TableClass::kReplicatedFact: return "replicated fact";
    case TableClass::kReference: return "reference";
    case TableClass::kDerived: return "derived";
    case TableClass::kLocal: return "local";
  }
  return "?";
}

namespace {

// The tables of the shared migration files (schema/facts, schema/reference), then `own`.
std::vector<TableInfo> shared_plus(std::vector<TableInfo> own) {
  std::vector<TableInfo> tables = {
      {"dossier", TableClass::kReplicatedFact},
      {"dossier_event", TableClass::kReplicatedFact},
      {"dossier_document", TableClass::kReplicatedFact},
      {"unit", TableClass::kReference},
      {"catalog_publication", TableClass::kReference},
      {"procedure", TableClass::kReference},
      {"calendar_publication", TableClass::kReference},
      {"calendar_day", TableClass::kReference},
  };
  tables.insert(tables.end(), own.begin(), own.end());
  return tables;
}

}  // namespace

const std::vector<TableInfo>& agent_tables() {
  static const std::vector<TableInfo> tables = shared_plus({
      {"dossier_state", TableClass::kDerived},
      {"dossier_conflict", TableClass::kDerived},
      // The trigram index over dossier_state.search_text (FTS5: the table and its shadow tables).
      {"dossier_search", TableClass::kDerived},
      {"dossier_search_data", TableClass::kDerived},
      {"dossier_search_idx", TableClass::kDerived},
      {"dossier_search_config", TableClass::kDerived},
      {"meta", TableClass::kLocal},
      {"outbox", TableClass::kLocal},
      {"outbox_batch", TableClass::kLocal},
      {"dossier_counter", TableClass::kLocal},
      {"compression_dictionary", TableClass::kReference},
      {"clerk_account", TableClass::kLocal},
      {"clerk_session", TableClass::kLocal},
  });
  return tables;
}

const std::vector<TableInfo>& hub_tables() {
  static const std::vector<TableInfo> tables = shared_plus({
      {"meta", TableClass::kLocal},
      {"enrollment_code", TableClass::kLocal},
      {"agent", TableClass::kLocal},
      {"batch", TableClass::kLocal},
      {"publication", TableClass::kLocal},
      {"feed_entry", TableClass::kLocal},
      {"dictionary", TableClass::kLocal},
      {"agent_report", TableClass::kLocal},
      {"agent_report_history", TableClass::kLocal},
      {"dossier_state", TableClass::kDerived},
      {"dossier_conflict", TableClass::kDerived},
      {"dossier_unit", TableClass::kLocal},
      {"clock_flag", TableClass::kLocal},
      {"audit_log", TableClass::kLocal},
      {"it_account", TableClass::kLocal},
      {"it_session", TableClass::kLocal},
  });
  return tables;
}

std::vector<std::string> agent_captured_tables() {
  std::vector<std::string> names;
  for (const auto& t : agent_tables()) {
    if (t.cls == TableClass::kReplicatedFact) names.push_back(t.name);
  }
  return names;
}

}  // namespace motcua::schema
