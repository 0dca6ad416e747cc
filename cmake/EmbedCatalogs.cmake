# Writes a C++ source holding the catalog JSON texts as raw string literals.
# Run as: cmake -DMODELS=... -DGPUS=... -DOUT=... -P EmbedCatalogs.cmake
foreach(var MODELS GPUS OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedCatalogs.cmake: ${var} is not set")
  endif()
endforeach()

set(delimiter "vramplan_catalog")
function(embed_text path symbol out_var)
  file(READ "${path}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${path}: contains the raw-string delimiter )${delimiter}\"")
  endif()
  set(${out_var} "extern const char ${symbol}[];\nconst char ${symbol}[] = R\"${delimiter}(${text})${delimiter}\";\n" PARENT_SCOPE)
endfunction()

embed_text("${MODELS}" kModelsJson models_part)
embed_text("${GPUS}" kGpusJson gpus_part)
file(WRITE "${OUT}.tmp" "// Generated from data/*.json by cmake/EmbedCatalogs.cmake. Do not edit.\nnamespace vramplan::embedded {\n${models_part}${gpus_part}}  // namespace vramplan::embedded\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
