# Runs one zoo model with `zenith run` on its reference input and compares the output with
# PyTorch's at rtol 1e-3, atol 1e-4.
# Usage: cmake -DZENITH=zenith -DZOO=dir -DMODEL=resnet50 -DDEVICE=REF -DOUT=dir -P run_model.cmake
function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  list(JOIN ARGN " " command_line)
  message("$ ${command_line}\n${out}${err}")
  if(NOT "${rc}" STREQUAL "0")
    message(FATAL_ERROR "exit code '${rc}'")
  endif()
endfunction()

file(REMOVE_RECURSE "${OUT}")
run_step(${ZENITH} run ${ZOO}/${MODEL}.onnx -d ${DEVICE} -i input=${ZOO}/${MODEL}_input.npy
         -o ${OUT})
run_step(${ZENITH} compare ${OUT}/output.npy ${ZOO}/${MODEL}_output.npy --rtol 1e-3 --atol 1e-4)
