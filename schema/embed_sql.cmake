# Generates a C++ source defining agent_migrations() from the numbered .sql files given in
# MIGRATION_FILES (a |-separated list) into OUTPUT. Run by CMake at build time so edits to .sql rebuild.
set(body "#include \"schema/migrate.hpp\"\n\nnamespace motcua::schema {\n\nconst std::vector<Migration>& agent_migrations() {\n  static const std::vector<Migration> migrations = {\n")
string(REPLACE "|" ";" MIGRATION_FILES "${MIGRATION_FILES}")
foreach(file IN LISTS MIGRATION_FILES)
  get_filename_component(name "${file}" NAME)
  string(REGEX MATCH "^[0-9]+" number "${name}")
  math(EXPR version "${number}")
  file(READ "${file}" sql)
  string(APPEND body "      {${version}, \"${name}\", R\"motcua_sql(${sql})motcua_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return migrations;\n}\n\n}  // namespace motcua::schema\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
