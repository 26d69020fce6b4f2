# install.consumer's steps, each of which must succeed: install the build tree into a fresh
# prefix, check what the library exports, build consumer/ against the prefix alone, run the
# Python package (and the CLI, through zenith.convert) from the prefix, and run the example on a
# model (its output is checked by the test) and on a missing file.
# Usage: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DGENERATOR=... -DCXX=... -DPYTHON_DIR=...
#        -P install_and_run.cmake
cmake_minimum_required(VERSION 3.25)
set(work ${BUILD_DIR}/install_test)
set(prefix ${work}/prefix)
file(REMOVE_RECURSE ${work})

# Runs a command, expecting exit code `rc`; leaves its stdout and stderr in `out` and `err`.
function(run rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE actual OUTPUT_VARIABLE out ERROR_VARIABLE err
                  TIMEOUT 240)
  if(NOT "${actual}" STREQUAL "${rc}")
    message(FATAL_ERROR "${ARGN}\nexited with '${actual}', expected ${rc}:\n${out}${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

run(0 ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# Hidden visibility keeps the engine's own code out of the library's interface: a symbol of
# its namespaces, of the runtime's Impl types or of a dependency here was exported by mistake.
file(GLOB_RECURSE library ${prefix}/libzenith.so)
run(0 nm -DC --defined-only ${library})
set(internal "zenith::(ir|onnx|ref|passes|cpu|hetero|runtime)::|::Impl::|dnnl|onnx::|protobuf")
if(out MATCHES "${internal}")
  message(FATAL_ERROR "${library} exports more than the API:\n${out}")
endif()

run(0 ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install/consumer -B ${work}/consumer -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(0 ${CMAKE_COMMAND} --build ${work}/consumer)

# An Error thrown inside the library is caught by the example's catch (const zenith::Error&).
run(1 ${work}/consumer/example ${work}/missing.onnx)
if(NOT err MATCHES "missing.onnx: no such model file")
  message(FATAL_ERROR "the example did not report the missing model:\n${err}")
endif()

# The Python package as installed, found by /usr/bin/python3 through the prefix alone. (Lines,
# not semicolons: run()'s ARGN would split the code at them.)
run(0 ${CMAKE_COMMAND} -E env PYTHONPATH=${prefix}/${PYTHON_DIR} /usr/bin/python3 -c
    "import numpy, zenith\nprint(zenith.__file__)\nprint(zenith.Core().compile_model('${SOURCE_DIR}/tests/tools/data/relu.onnx')(numpy.array([[-1, 2, -3, 4]], numpy.float32))['y'])")
if(NOT out MATCHES "^${prefix}/${PYTHON_DIR}/zenith/__init__\\.py\n\\[\\[0\\. +2\\. +0\\. +4\\.\\]\\]")
  message(FATAL_ERROR "the installed Python package did not run:\n${out}${err}")
endif()

# zenith.convert runs the installed CLI, found relative to the package.
run(0 ${CMAKE_COMMAND} -E env PYTHONPATH=${prefix}/${PYTHON_DIR} /usr/bin/python3 -c
    "import numpy, zenith\nzenith.convert('${SOURCE_DIR}/tests/tools/data/relu.onnx', '${work}/relu.zir')\nprint(zenith.Core().compile_model('${work}/relu.zir')(numpy.array([[5, -2, 3, -4]], numpy.float32))['y'])")
if(NOT out MATCHES "^\\[\\[5\\. +0\\. +3\\. +0\\.\\]\\]")
  message(FATAL_ERROR "zenith.convert did not run from the installed package:\n${out}${err}")
endif()

run(0 ${work}/consumer/example ${SOURCE_DIR}/tests/tools/data/conv_small.onnx)
message("${out}${err}")
