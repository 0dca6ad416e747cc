# Writes a C++ source holding the GPU catalog (data/gpus.json) as C++ data.
# Run as: cmake -DGPUS=... -DOUT=... -P EmbedCatalogs.cmake
#
# Every estimate reads the GPU list, so the core starts without parsing it (embed_gpus below). The model
# catalog is compiled in as C++ data too, but its rows are what the product's config.json readers make of
# data/models.json, which CMake cannot run: tools/catalog_check.cpp --write-models writes them
# (core/model/src/embedded_models.cpp), and the catalog check of every native build compares them with the file.
foreach(var GPUS OUT)
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

# One GPU field: a string as a raw literal, a number as C++ source (CMake prints a JSON number with 17
# significant digits, which reads back as the same double), `missing_ok` giving "" for an absent member.
function(gpu_field path text out_var kind)
  string(JSON type ERROR_VARIABLE missing TYPE "${text}" ${ARGN})
  if(missing)
    set(type "nothing")
  endif()
  if(missing OR (NOT type STREQUAL kind AND NOT (kind STREQUAL "NUMBER?" AND type MATCHES "^(NUMBER|NULL)$")))
    list(JOIN ARGN "/" where)
    message(FATAL_ERROR "${path}: /${where}: expected ${kind}, got ${type}")
  endif()
  string(JSON value GET "${text}" ${ARGN})
  if(kind STREQUAL "STRING")
    raw_literal("${path}" "${value}" value)
  elseif(type STREQUAL "NULL")
    set(value "")
  elseif(NOT value MATCHES "[.eE]")
    string(APPEND value ".0")  # a double literal, also for an integer written without a point
  endif()
  set(${out_var} "${value}" PARENT_SCOPE)
endfunction()

# data/gpus.json as C++ data (core/model/src/embedded_gpus.hpp): every estimate reads the GPU list, and
# parsing its 50 KB of JSON at start-up was the page's slowest first call (docs/benchmarks.md). The file
# stays the source: the build's catalog check (tools/catalog_check.cpp) parses it with the product's
# parser, ranges and all, and requires these values to equal what that parser reads.
function(embed_gpus path out_var)
  file(READ "${path}" text)
  string(JSON count ERROR_VARIABLE error LENGTH "${text}" gpus)
  fail_on_json_error("${path}" error)
  set(rows "")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    set(row "")
    foreach(key id name vendor architecture memory_type)
      gpu_field("${path}" "${text}" v STRING gpus ${i} ${key})
      string(APPEND row "${v}, ")
    endforeach()
    string(JSON bytes GET "${text}" gpus ${i} memory_bytes)
    gpu_field("${path}" "${text}" bandwidth NUMBER gpus ${i} bandwidth_bytes_per_s)
    gpu_field("${path}" "${text}" bf16 NUMBER gpus ${i} bf16_dense_tflops)
    gpu_field("${path}" "${text}" fp8 "NUMBER?" gpus ${i} fp8_dense_tflops)
    gpu_field("${path}" "${text}" kind STRING gpus ${i} interconnect kind)
    gpu_field("${path}" "${text}" intra NUMBER gpus ${i} interconnect intra_node_bytes_per_s)
    gpu_field("${path}" "${text}" pcie NUMBER gpus ${i} interconnect pcie_bytes_per_s)
    # The parser multiplies the tera-FLOP/s figures by 1e12 at run time; the compiler folds the same
    # product (one IEEE multiplication either way).
    string(APPEND row "${bytes}LL, ${bandwidth}, ${bf16} * 1e12, ")
    if(fp8 STREQUAL "")
      string(APPEND row "false, 0.0, ")
    else()
      string(APPEND row "true, ${fp8} * 1e12, ")
    endif()
    string(APPEND row "${kind}, ${intra}, ${pcie}, ")
    string(JSON has_price ERROR_VARIABLE no_price TYPE "${text}" gpus ${i} price)
    if(no_price)
      string(APPEND row "false, 0.0, \"\", \"\", ")
    else()
      gpu_field("${path}" "${text}" usd "NUMBER?" gpus ${i} price usd_per_gpu_hour)
      gpu_field("${path}" "${text}" source STRING gpus ${i} price source)
      gpu_field("${path}" "${text}" date STRING gpus ${i} price date)
      if(usd STREQUAL "")
        string(APPEND row "false, 0.0, ${source}, ${date}, ")
      else()
        string(APPEND row "true, ${usd}, ${source}, ${date}, ")
      endif()
    endif()
    string(JSON entry GET "${text}" gpus ${i})
    entry_aliases("${path}" "${entry}" alias_lines)
    raw_literal("${path}" "${alias_lines}" aliases_literal)
    string(APPEND rows "    {${row}${aliases_literal}},\n")
  endforeach()
  set(code "const std::size_t kGpuCount = ${count};\nconst EmbeddedGpu kGpus[] = {\n${rows}};\n")
  set(${out_var} "${code}" PARENT_SCOPE)
endfunction()

embed_gpus("${GPUS}" gpus_part)
get_filename_component(gpus_header "${CMAKE_CURRENT_LIST_DIR}/../core/model/src/embedded_gpus.hpp" ABSOLUTE)
file(WRITE "${OUT}.tmp"
     "// Generated from data/gpus.json by cmake/EmbedCatalogs.cmake. Do not edit.\n#include <cstddef>\n\n"
     "#include \"${gpus_header}\"\n\n"
     "namespace vramplan::embedded {\n${gpus_part}}  // namespace vramplan::embedded\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
