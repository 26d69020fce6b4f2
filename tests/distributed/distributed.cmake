# Data-parallel training over Open MPI as a user runs it (`zenith train --np N`): equivalence with
# one process, resuming on another rank count, a killed rank, a stopped rank, the timeline. Not in the sanitizer
# builds: Open MPI's own allocations and threads are not theirs to judge.
if(NOT ZENITH_SANITIZE AND NOT ZENITH_SANITIZE_THREAD)
  foreach(check equivalence resume fault stall timeline)
    add_test(NAME distributed.${check}
             COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/distributed/data_parallel_test.py
                     $<TARGET_FILE:zenith> ${CMAKE_BINARY_DIR}/distributed_test/${check} ${check})
    set_tests_properties(distributed.${check} PROPERTIES TIMEOUT 600 LABELS distributed)
  endforeach()
endif()
