# vit_embed_files(OUTPUT file.cc SYMBOL name HEADER path/to/embedded_file.h FILES a b ...)
# Writes (at build time, again whenever one of FILES changes) a C++ source that
# defines `const vit::EmbeddedFile name[]` and `const size_t nameCount` (name
# may be namespace-qualified): each file's base name and its bytes as an
# array (no hand-pasted strings). HEADER is the include that declares
# vit::EmbeddedFile and the two symbols (extern).
set(VIT_EMBED_FILES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)

function(vit_embed_files)
  cmake_parse_arguments(E "" "OUTPUT;SYMBOL;HEADER" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DSYMBOL=${E_SYMBOL} -DHEADER=${E_HEADER}
            "-DFILES=${E_FILES}" -P ${VIT_EMBED_FILES_SCRIPT}
    DEPENDS ${E_FILES} ${VIT_EMBED_FILES_SCRIPT}
    COMMENT "Embedding ${E_SYMBOL}: ${E_FILES}"
    VERBATIM)
endfunction()
