# cmake -DBUILD_DIR=<build> -DSCRATCH_DIR=<dir> -DTOOLS=a;b -DMODEL_FILES=x;y -P check_install.cmake
#
# Installs BUILD_DIR into SCRATCH_DIR/prefix, then fails unless every tool is
# <prefix>/bin/<tool> and runs (--help), the default model's files are in
# <prefix>/share/vit-serve/models/vit-fashion-mnist, and <prefix>/bin/vit-info,
# started from SCRATCH_DIR/elsewhere with VIT_DEFAULT_MODEL_DIR and VIT_MODEL
# unset, reports that installed folder as the model it loaded.
foreach(var BUILD_DIR SCRATCH_DIR TOOLS MODEL_FILES)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_install.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${SCRATCH_DIR}/prefix)
set(elsewhere ${SCRATCH_DIR}/elsewhere)
file(REMOVE_RECURSE ${SCRATCH_DIR})
file(MAKE_DIRECTORY ${elsewhere})

execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} failed (${rc}); are the tools built?\n${out}${err}")
endif()

set(failures "")
foreach(tool ${TOOLS})
  set(exe ${prefix}/bin/${tool})
  if(NOT EXISTS ${exe})
    string(APPEND failures "not installed: bin/${tool}\n")
    continue()
  endif()
  execute_process(COMMAND ${exe} --help WORKING_DIRECTORY ${elsewhere}
    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(APPEND failures "bin/${tool} --help exited ${rc}: ${err}\n")
  endif()
endforeach()

set(model_rel share/vit-serve/models/vit-fashion-mnist)
foreach(file ${MODEL_FILES})
  if(NOT EXISTS ${prefix}/${model_rel}/${file})
    string(APPEND failures "not installed: ${model_rel}/${file}\n")
  endif()
endforeach()

if(EXISTS ${prefix}/bin/vit-info)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env --unset=VIT_DEFAULT_MODEL_DIR --unset=VIT_MODEL
      ${prefix}/bin/vit-info
    WORKING_DIRECTORY ${elsewhere}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  # vit-info's text report has one "path: <model folder>" line.
  file(REAL_PATH ${prefix}/${model_rel} expected_path)
  if(NOT rc EQUAL 0)
    string(APPEND failures "installed vit-info (default model) exited ${rc}: ${err}\n")
  elseif(NOT out MATCHES "\npath: +([^\n]*)\n")
    string(APPEND failures "installed vit-info printed no path line:\n${out}\n")
  elseif(NOT CMAKE_MATCH_1 STREQUAL expected_path)
    string(APPEND failures
      "installed vit-info loaded ${CMAKE_MATCH_1}, not the installed ${expected_path}\n")
  endif()
endif()

if(failures)
  message(FATAL_ERROR "install tree ${prefix}:\n${failures}")
endif()
message(STATUS "install tree ${prefix}: ${TOOLS} and the default model; vit-info loads it")
