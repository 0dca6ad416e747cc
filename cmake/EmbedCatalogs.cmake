# Writes a C++ source holding the catalogs as raw string literals.
# Run as: cmake -DMODELS=... -DGPUS=... -DOUT=... -P EmbedCatalogs.cmake
#
# data/gpus.json is embedded whole (every estimate's GPU comparison reads all of it). data/models.json is
# embedded one entry per literal, with each entry's id and aliases beside it, so that the core finds a
# model without parsing the others and converts only the config.json it needs (core/model/src/catalog.cpp
# ModelCatalog; docs/benchmarks.md: the page's first result spent 185 ms converting all of them). The
# entries are written back by CMake's JSON reader: same values, keys in sorted order, which is also the
# order nlohmann::json keeps, and tests/unit/model/test_catalog.cpp checks every entry against the file.
foreach(var MODELS GPUS OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedCatalogs.cmake: ${var} is not set")
  endif()
endforeach()

set(delimiter "vramplan_catalog")
function(raw_literal path text out_var)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path}: contains the raw-string delimiter )${delimiter}\"")
  endif()
  set(${out_var} "R\"${delimiter}(${text})${delimiter}\"" PARENT_SCOPE)
endfunction()

# string(JSON) with its error turned into a build failure naming the file. (A helper taking the document
# through ${ARGN} would split it at every ";", so each call site checks its own error variable.)
macro(fail_on_json_error path error)
  if(${error})
    message(FATAL_ERROR "${path}: ${${error}}")
  endif()
endmacro()

# The document's top level holds only "$comment" and "models" (catalog.cpp's parse_list rejects other keys
# in a catalog given as text; the embedded one is checked here, before it is split).
function(check_top_level path text)
  string(JSON count ERROR_VARIABLE error LENGTH "${text}")
  fail_on_json_error("${path}" error)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON key ERROR_VARIABLE error MEMBER "${text}" ${i})
    fail_on_json_error("${path}" error)
    if(NOT key STREQUAL "$comment" AND NOT key STREQUAL "models")
      message(FATAL_ERROR "${path}: /${key}: unknown key (the catalog holds \"$comment\" and \"models\")")
    endif()
  endforeach()
endfunction()

# The aliases of one entry, one per line ("" when it has none).
function(entry_aliases path entry out_var)
  string(JSON type ERROR_VARIABLE missing TYPE "${entry}" aliases)
  set(lines "")
  if(NOT missing AND type STREQUAL "ARRAY")
    string(JSON count ERROR_VARIABLE error LENGTH "${entry}" aliases)
    fail_on_json_error("${path}" error)
    if(count GREATER 0)
      math(EXPR last "${count} - 1")
      foreach(k RANGE ${last})
        string(JSON alias ERROR_VARIABLE error GET "${entry}" aliases ${k})
        fail_on_json_error("${path}" error)
        string(APPEND lines "${alias}\n")
      endforeach()
    endif()
  endif()
  set(${out_var} "${lines}" PARENT_SCOPE)
endfunction()

function(embed_models path out_var)
  file(READ "${path}" text)
  check_top_level("${path}" "${text}")
  string(JSON count ERROR_VARIABLE error LENGTH "${text}" models)
  fail_on_json_error("${path}" error)
  if(count EQUAL 0)
    message(FATAL_ERROR "${path}: /models: is required: a non-empty array")
  endif()
  set(ids "")
  set(aliases "")
  set(texts "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON entry ERROR_VARIABLE error GET "${text}" models ${i})
    fail_on_json_error("${path}" error)
    string(JSON id ERROR_VARIABLE no_id GET "${entry}" id)
    if(no_id)
      set(id "")  # the entry's parser reports the missing id, with its pointer
    endif()
    # CMake writes the entry indented; a JSON string never holds a raw line break, so every line break and
    # the indentation after it are outside strings and can go.
    string(REGEX REPLACE "\n *" "" entry "${entry}")
    entry_aliases("${path}" "${entry}" alias_lines)
    raw_literal("${path}" "${id}" id_literal)
    raw_literal("${path}" "${alias_lines}" aliases_literal)
    raw_literal("${path}" "${entry}" entry_literal)
    string(APPEND ids "    ${id_literal},\n")
    string(APPEND aliases "    ${aliases_literal},\n")
    string(APPEND texts "    ${entry_literal},\n")
  endforeach()
  set(code "extern const std::size_t kModelCount;\nconst std::size_t kModelCount = ${count};\n")
  string(APPEND code "extern const char* const kModelIds[];\nconst char* const kModelIds[] = {\n${ids}};\n")
  string(APPEND code "extern const char* const kModelAliases[];\nconst char* const kModelAliases[] = {\n${aliases}};\n")
  string(APPEND code "extern const char* const kModelTexts[];\nconst char* const kModelTexts[] = {\n${texts}};\n")
  set(${out_var} "${code}" PARENT_SCOPE)
endfunction()

embed_models("${MODELS}" models_part)
file(READ "${GPUS}" gpus_text)
raw_literal("${GPUS}" "${gpus_text}" gpus_literal)
set(gpus_part "extern const char kGpusJson[];\nconst char kGpusJson[] = ${gpus_literal};\n")
file(WRITE "${OUT}.tmp"
     "// Generated from data/*.json by cmake/EmbedCatalogs.cmake. Do not edit.\n#include <cstddef>\n\n"
     "namespace vramplan::embedded {\n${models_part}${gpus_part}}  // namespace vramplan::embedded\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
