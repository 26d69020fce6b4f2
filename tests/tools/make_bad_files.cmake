# Writes the broken model files the CLI tests load: a truncated copy of a conformance model and
# a file of garbage. Usage: cmake -DSOURCE=model.onnx -DOUT=dir -P make_bad_files.cmake
file(MAKE_DIRECTORY "${OUT}")
file(SIZE "${SOURCE}" size)
math(EXPR half "${size} / 2")
execute_process(COMMAND head -c ${half} "${SOURCE}" OUTPUT_FILE "${OUT}/truncated.onnx"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot truncate ${SOURCE}")
endif()
file(WRITE "${OUT}/garbage.onnx" "garbage, not an ONNX model\n")
