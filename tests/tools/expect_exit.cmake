# Runs a command and checks its exit code and output: a CLI test that also catches crashes
# (a signal is not an exit code) and output that lacks the expected message.
# Usage: cmake -DCOMMAND=a@@b@@c -DEXPECT_RC=1 -DEXPECT_REGEX=... -P expect_exit.cmake
string(REPLACE "@@" ";" command "${COMMAND}")
execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 120)
message("exit: ${rc}\nstdout:\n${out}\nstderr:\n${err}")
if(NOT "${rc}" STREQUAL "${EXPECT_RC}")
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got '${rc}'")
endif()
if(DEFINED EXPECT_REGEX AND NOT "${out}${err}" MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "the output does not match: ${EXPECT_REGEX}")
endif()
if("${EXPECT_RC}" STREQUAL "1" AND NOT "${err}" MATCHES "^zenith: error: ")
  message(FATAL_ERROR "stderr does not start with 'zenith: error: '")
endif()
