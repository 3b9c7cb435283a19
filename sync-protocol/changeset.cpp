#include "sync-protocol/changeset.hpp"

#include <string_view>

#include "common/text.hpp"

namespace motcua::sync {

int ChangesetSummary::total() const {
  int n = 0;
  for (const auto& [name, t] : tables) n += t.inserts + t.updates + t.deletes;
  return n;
}

namespace {

constexpr int kMaxColumns = 2000;  // SQLite's default SQLITE_MAX_COLUMN
constexpr size_t kMaxTableName = 255;

class Reader {
 public:
  explicit Reader(const sql::Blob& data) : m_data(data) {}

  bool done() const { return m_pos >= m_data.size(); }
  size_t pos() const { return m_pos; }

  Result<unsigned char> byte(const char* what) {
    if (m_pos >= m_data.size()) return fail(truncated(what));
    return m_data[m_pos++];
  }

  // SQLite varint: up to 8 bytes of 7 bits (high bit = more), a 9th byte of 8 bits.
  Result<uint64_t> varint(const char* what) {
    uint64_t v = 0;
    for (int i = 0; i < 9; ++i) {
      MOTCUA_ASSIGN_OR_RETURN(unsigned char b, byte(what));
      if (i == 8) return (v << 8) | b;
      v = (v << 7) | (b & 0x7f);
      if (!(b & 0x80)) return v;
    }
    return v;
  }

  Result<std::string_view> bytes(uint64_t n, const char* what) {
    if (n > m_data.size() - m_pos) return fail(corrupt(std::string(what) + " runs past the end"));
    std::string_view view(reinterpret_cast<const char*>(m_data.data() + m_pos), static_cast<size_t>(n));
    m_pos += static_cast<size_t>(n);
    return view;
  }

  Error corrupt(const std::string& what) const {
    return Error::corruption("change set damaged at byte " + std::to_string(m_pos) + ": " + what,
                             "the change set cannot be read or applied; it must be captured and sent again");
  }
  Error truncated(const char* what) const { return corrupt(std::string("truncated in ") + what); }

 private:
  const sql::Blob& m_data;
  size_t m_pos = 0;
};

// `where` names the table and column for messages ("table dossier, column 7").
Status read_value(Reader& r, bool undefined_allowed, const std::string& table, int column) {
  MOTCUA_ASSIGN_OR_RETURN(unsigned char type, r.byte("a value type"));
  switch (type) {
    case 0x00:
      if (!undefined_allowed) return fail(r.corrupt("an undefined value outside an update"));
      return ok();
    case 0x01:
    case 0x02:
      return r.bytes(8, "a number").map([](auto) {});
    case 0x03: {
      MOTCUA_ASSIGN_OR_RETURN(uint64_t n, r.varint("a text length"));
      MOTCUA_ASSIGN_OR_RETURN(std::string_view text, r.bytes(n, "a text value"));
      if (!is_valid_utf8(text)) {
        return fail(r.corrupt("the text in table " + table + ", column " + std::to_string(column) +
                              " (counted from 0) is not valid UTF-8"));
      }
      return ok();
    }
    case 0x04: {
      MOTCUA_ASSIGN_OR_RETURN(uint64_t n, r.varint("a blob length"));
      return r.bytes(n, "a blob value").map([](auto) {});
    }
    case 0x05:
      return ok();
    default:
      return fail(r.corrupt("unknown value type " + std::to_string(type)));
  }
}

Status read_record(Reader& r, int columns, bool undefined_allowed, const std::string& table) {
  for (int i = 0; i < columns; ++i) MOTCUA_TRY(read_value(r, undefined_allowed, table, i));
  return ok();
}

}  // namespace

Result<ChangesetSummary> validate_changeset(const sql::Blob& changeset) {
  ChangesetSummary summary;
  Reader r(changeset);
  TableChanges* current = nullptr;
  std::string current_name;
  int columns = 0;
  bool table_has_change = true;
  while (!r.done()) {
    MOTCUA_ASSIGN_OR_RETURN(unsigned char op, r.byte("an operation"));
    if (op == 0x54) {  // 'T': table header
      if (!table_has_change) return fail(r.corrupt("a table header with no changes"));
      MOTCUA_ASSIGN_OR_RETURN(uint64_t ncol, r.varint("a column count"));
      if (ncol < 1 || ncol > kMaxColumns) return fail(r.corrupt("column count " + std::to_string(ncol) + " out of range"));
      columns = static_cast<int>(ncol);
      MOTCUA_ASSIGN_OR_RETURN(std::string_view pk, r.bytes(ncol, "the primary-key flags"));
      bool any_pk = false;
      for (char f : pk) {
        if (f != 0 && f != 1) return fail(r.corrupt("primary-key flag is neither 0 nor 1"));
        any_pk = any_pk || f == 1;
      }
      if (!any_pk) return fail(r.corrupt("a table without a primary key column"));
      std::string name;
      while (true) {
        MOTCUA_ASSIGN_OR_RETURN(unsigned char c, r.byte("a table name"));
        if (c == 0) break;
        if (name.size() >= kMaxTableName) return fail(r.corrupt("table name longer than 255 bytes"));
        name.push_back(static_cast<char>(c));
      }
      if (name.empty() || !is_valid_utf8(name)) return fail(r.corrupt("empty or invalid table name"));
      current = &summary.tables[name];
      current_name = name;
      if (current->columns != 0 && current->columns != columns) {
        return fail(r.corrupt("table " + name + " appears with two different column counts"));
      }
      current->columns = columns;
      table_has_change = false;
      continue;
    }
    if (!current) {
      if (op == 0x50) return fail(r.corrupt("a patchset, not a changeset"));
      return fail(r.corrupt("a change before any table header"));
    }
    MOTCUA_ASSIGN_OR_RETURN(unsigned char indirect, r.byte("the indirect flag"));
    if (indirect > 1) return fail(r.corrupt("indirect flag is neither 0 nor 1"));
    switch (op) {
      case SQLITE_INSERT:
        MOTCUA_TRY(read_record(r, columns, false, current_name));
        ++current->inserts;
        break;
      case SQLITE_DELETE:
        MOTCUA_TRY(read_record(r, columns, false, current_name));
        ++current->deletes;
        break;
      case SQLITE_UPDATE:
        MOTCUA_TRY(read_record(r, columns, true, current_name));
        MOTCUA_TRY(read_record(r, columns, true, current_name));
        ++current->updates;
        break;
      default:
        return fail(r.corrupt("unknown operation " + std::to_string(op)));
    }
    table_has_change = true;
  }
  if (!table_has_change) return fail(r.corrupt("a table header with no changes"));
  return summary;
}

Result<sql::Blob> merge_changesets(const std::vector<sql::Blob>& changesets) {
  sqlite3_changegroup* raw = nullptr;
  int rc = sqlite3changegroup_new(&raw);
  sql::ChangegroupHandle group(raw);
  if (rc != SQLITE_OK) return fail(Error::unavailable("cannot create a change group: out of memory"));
  for (const auto& cs : changesets) {
    if (cs.empty()) continue;
    MOTCUA_TRY(validate_changeset(cs).map([](auto&&) {}));
    rc = sqlite3changegroup_add(group.get(), static_cast<int>(cs.size()), const_cast<unsigned char*>(cs.data()));
    if (rc != SQLITE_OK) {
      return fail(Error::corruption(std::string("merging change sets: ") + sqlite3_errstr(rc),
                                    "the change set cannot be merged; it must be captured again"));
    }
  }
  int n = 0;
  void* out = nullptr;
  rc = sqlite3changegroup_output(group.get(), &n, &out);
  sql::SqliteBuffer buffer(out);
  if (rc != SQLITE_OK) return fail(Error::internal(std::string("writing merged change set: ") + sqlite3_errstr(rc)));
  const auto* p = static_cast<const unsigned char*>(out);
  return sql::Blob(p, p + n);
}

}  // namespace motcua::sync
