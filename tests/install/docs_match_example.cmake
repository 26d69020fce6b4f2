# docs/API.md shows the install test's consumer project: its first ```cpp block must be
# consumer/example.cpp and its first ```cmake block consumer/CMakeLists.txt, byte for byte, so
# that the guide shows a program that is built and run by every `make test`.
# Usage: cmake -DSOURCE_DIR=... -P docs_match_example.cmake
cmake_minimum_required(VERSION 3.25)
file(READ ${SOURCE_DIR}/docs/API.md doc)

function(expect_block language file)
  file(READ ${SOURCE_DIR}/tests/install/consumer/${file} expected)
  set(fence "\n```${language}\n")
  string(FIND "${doc}" "${fence}" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "docs/API.md has no ```${language} block; it should show ${file}")
  endif()
  string(LENGTH "${fence}" fence_length)
  math(EXPR start "${start} + ${fence_length}")
  string(SUBSTRING "${doc}" ${start} -1 rest)
  string(FIND "${rest}" "\n```\n" end)
  math(EXPR end "${end} + 1")  # the block's last newline belongs to it, as the file's does
  string(SUBSTRING "${rest}" 0 ${end} block)
  if(NOT block STREQUAL expected)
    message(FATAL_ERROR "docs/API.md's first ```${language} block differs from "
                        "tests/install/consumer/${file}: copy the file into the block")
  endif()
endfunction()

expect_block(cpp example.cpp)
expect_block(cmake CMakeLists.txt)
