# Helper functions shared by every component's CMakeLists.txt.
#
#   syskit_cc_library(NAME <name> SRCS ... [DEPS ...] [PUBLIC_DEPS ...])
#       Static library syskit_<name> with alias syskit::<name>; its public
#       headers live in <component>/include.
#   syskit_cc_test(NAME <name> SRCS ... [DEPS ...] [LABELS unit|slow] [TIMEOUT s]
#                  [USES_SYSKIT_BINARY])
#       GoogleTest executable registered with CTest under the given label
#       (default: unit). USES_SYSKIT_BINARY: the test drives the real `syskit`
#       command, built first and passed as SYSKIT_BINARY.
#   syskit_cc_bench(NAME <name> SRCS ... [DEPS ...])
#       Benchmark driver <name> placed in bin/.
#   syskit_component(<dir> <option>)
#       add_subdirectory(<dir>) when <option> is ON, with a clear message
#       otherwise.

set(SYSKIT_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter)

function(syskit_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PUBLIC_DEPS" ${ARGN})
  add_library(syskit_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(syskit::${ARG_NAME} ALIAS syskit_${ARG_NAME})
  target_include_directories(syskit_${ARG_NAME}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_compile_options(syskit_${ARG_NAME} PRIVATE ${SYSKIT_WARNING_FLAGS})
  target_link_libraries(syskit_${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
endfunction()

function(syskit_cc_test)
  if(NOT SYSKIT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "USES_SYSKIT_BINARY" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE ${SYSKIT_WARNING_FLAGS})
  target_include_directories(${ARG_NAME} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} syskit::testing GTest::gtest
    GTest::gtest_main)
  target_compile_definitions(${ARG_NAME} PRIVATE
    SYSKIT_TEST_DATA_DIR="${SYSKIT_SOURCE_DATA_DIR}")
  if(ARG_USES_SYSKIT_BINARY)
    add_dependencies(${ARG_NAME} syskit)
    target_compile_definitions(${ARG_NAME} PRIVATE SYSKIT_BINARY="$<TARGET_FILE:syskit>")
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  # Group the test under its component so scripts/test.sh --components can
  # build just those (target tests_<component>).
  get_filename_component(component ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set_property(GLOBAL APPEND PROPERTY SYSKIT_TESTS_${component} ${ARG_NAME})
  set_property(GLOBAL APPEND PROPERTY SYSKIT_TEST_COMPONENTS ${component})
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()

function(syskit_cc_bench)
  if(NOT SYSKIT_BUILD_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_compile_options(${ARG_NAME} PRIVATE ${SYSKIT_WARNING_FLAGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
endfunction()

function(syskit_component DIR OPTION)
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${DIR}/CMakeLists.txt)
    message(STATUS "syskit: ${DIR}/ not in this tree yet")
  elseif(${OPTION})
    add_subdirectory(${DIR})
    set_property(GLOBAL APPEND PROPERTY SYSKIT_COMPONENTS ${DIR})
  else()
    message(STATUS "syskit: ${DIR}/ skipped (${OPTION}=OFF)")
  endif()
endfunction()

#   syskit_register_cli(NAME <component> FN <ns::Function> LIB <target>
#                       SUMMARY "<one line>" [DEMO_FN <ns::Function>])
#       Makes `syskit <component> ...` call FN(argc, argv) from LIB, and
#       `syskit demo` call DEMO_FN(data_dir, &rows) (same namespace as FN).
function(syskit_register_cli)
  cmake_parse_arguments(ARG "" "NAME;FN;LIB;SUMMARY;DEMO_FN" "" ${ARGN})
  set_property(GLOBAL PROPERTY SYSKIT_CLI_DEMO_FN_${ARG_NAME} "${ARG_DEMO_FN}")
  set_property(GLOBAL APPEND PROPERTY SYSKIT_CLI_NAMES ${ARG_NAME})
  set_property(GLOBAL APPEND PROPERTY SYSKIT_CLI_LIBS ${ARG_LIB})
  set_property(GLOBAL PROPERTY SYSKIT_CLI_SUMMARY_${ARG_NAME} "${ARG_SUMMARY}")
  set_property(GLOBAL PROPERTY SYSKIT_CLI_FN_${ARG_NAME} "${ARG_FN}")
endfunction()

#   syskit_add_test_groups()
#       Called once at the end of the top-level CMakeLists.txt: defines
#       tests_<component> targets that build every test of a component.
function(syskit_add_test_groups)
  get_property(components GLOBAL PROPERTY SYSKIT_TEST_COMPONENTS)
  if(NOT components)
    return()
  endif()
  list(REMOVE_DUPLICATES components)
  foreach(component IN LISTS components)
    get_property(tests GLOBAL PROPERTY SYSKIT_TESTS_${component})
    add_custom_target(tests_${component} DEPENDS ${tests})
  endforeach()
endfunction()
