# racelab.cmake - the scenario seam.
#
# The server is the core library (racelab_core: sockets, HTTP, the poller)
# plus one object library per replaceable module.  A server executable
# links the core and every module, except that a scenario variant swaps
# exactly one module for its own source file.

# The modules a scenario may replace.  Each is src/server/<module>.c behind
# src/server/<module>.h.
set(RACELAB_MODULES cache stats workqueue dispatch accesslog signals
    CACHE INTERNAL "replaceable server modules")

# racelab_add_server(NAME <exe> [MODULE <module> SOURCE <file.c>])
#   Adds a server executable.  With MODULE/SOURCE, <file.c> stands in for
#   src/server/<module>.c.
function(racelab_add_server)
  cmake_parse_arguments(ARG "" "NAME;MODULE;SOURCE" "" ${ARGN})
  if(ARG_MODULE AND NOT ARG_MODULE IN_LIST RACELAB_MODULES)
    message(FATAL_ERROR "racelab_add_server: unknown module '${ARG_MODULE}' "
                        "(modules: ${RACELAB_MODULES})")
  endif()
  set(objs)
  foreach(m IN LISTS RACELAB_MODULES)
    if(NOT m STREQUAL ARG_MODULE)
      list(APPEND objs $<TARGET_OBJECTS:racelab_mod_${m}>)
    endif()
  endforeach()
  add_executable(${ARG_NAME} ${objs} ${ARG_SOURCE})
  # `servers`: every server of this flavor and nothing else, what another
  # flavor's suite needs of this one (the Makefile's test target)
  if(NOT TARGET servers)
    add_custom_target(servers)
  endif()
  add_dependencies(servers ${ARG_NAME})
  target_include_directories(${ARG_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/src/server)
  # racelab_chaos wraps the sync points (-Wl,--wrap) for --chaos runs; in
  # the sched flavor the controlled scheduler (racelab cc) takes its place.
  target_link_libraries(${ARG_NAME} PRIVATE racelab_core Threads::Threads)
  if(TARGET racelab_chaos)
    target_link_libraries(${ARG_NAME} PRIVATE racelab_chaos)
  endif()
  if(RACELAB_SCHED_LIB)
    set_target_properties(${ARG_NAME} PROPERTIES LINK_DEPENDS ${RACELAB_SCHED_LIB})
  endif()
endfunction()

# racelab_add_scenario(NAME <scenario> MODULE <module> [CONTRACT_BUGGY fails|intermittent|passes])
#   scenarios/<scenario>/buggy.c and fixed.c each replace <module>, giving
#   racelab-server-<scenario>-buggy and racelab-server-<scenario>-fixed.
#   Without fixed.c the fixed variant is src/server/<module>.c itself (a
#   scenario whose fix is the correct module keeps no copy of it).
#   CONTRACT_BUGGY records how the buggy variant fares against the module's
#   contract suite (tests/contract), from the manifest's contract_buggy.
function(racelab_add_scenario)
  cmake_parse_arguments(ARG "" "NAME;MODULE;CONTRACT_BUGGY;DIR" "" ${ARGN})
  if(ARG_DIR)
    set(dir ${ARG_DIR})
  else()
    set(dir ${CMAKE_SOURCE_DIR}/scenarios/${ARG_NAME})
  endif()
  if(NOT EXISTS ${dir}/buggy.c)
    message(WARNING "scenarios/${ARG_NAME}: no buggy.c; skipped")
    return()
  endif()
  set(fixed ${dir}/fixed.c)
  set(fixed_is_module FALSE)
  if(NOT EXISTS ${fixed})
    set(fixed ${CMAKE_SOURCE_DIR}/src/server/${ARG_MODULE}.c)
    set(fixed_is_module TRUE)
  endif()
  racelab_add_server(NAME racelab-server-${ARG_NAME}-buggy
                     MODULE ${ARG_MODULE} SOURCE ${dir}/buggy.c)
  racelab_add_server(NAME racelab-server-${ARG_NAME}-fixed
                     MODULE ${ARG_MODULE} SOURCE ${fixed})
  set_property(GLOBAL APPEND PROPERTY RACELAB_SCENARIOS ${ARG_NAME})
  set_property(GLOBAL PROPERTY RACELAB_SCENARIO_${ARG_NAME}_MODULE ${ARG_MODULE})
  set_property(GLOBAL PROPERTY RACELAB_SCENARIO_${ARG_NAME}_BUGGY ${dir}/buggy.c)
  if(NOT fixed_is_module)
    set_property(GLOBAL PROPERTY RACELAB_SCENARIO_${ARG_NAME}_FIXED ${fixed})
  endif()
  set_property(GLOBAL PROPERTY RACELAB_SCENARIO_${ARG_NAME}_CONTRACT_BUGGY
               "${ARG_CONTRACT_BUGGY}")
endfunction()

# The sources a module's contract suite links besides the module itself:
# declared once, in tests/contract/sources.ini ([MODULE] extra = PATH...,
# paths under the source tree), which `racelab check` and the hand-out
# Makefile read too.  Sets RACELAB_CONTRACT_EXTRA_<module> (absolute paths).
# (A build-time reader of the same documented format: comments are '#'.)
# A tree without tests/ (a copy of src/ and scenarios/) has no suites.
set(_rl_contract_lines "")
if(EXISTS ${CMAKE_SOURCE_DIR}/tests/contract/sources.ini)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_SOURCE_DIR}/tests/contract/sources.ini)
  file(STRINGS ${CMAKE_SOURCE_DIR}/tests/contract/sources.ini _rl_contract_lines)
endif()
set(_rl_module "")
foreach(_rl_line IN LISTS _rl_contract_lines)
  if(_rl_line MATCHES "^[ \t]*\\[([a-z0-9_-]+)\\][ \t]*$")
    set(_rl_module ${CMAKE_MATCH_1})
  elseif(_rl_line MATCHES "^[ \t]*extra[ \t]*=(.*)$" AND _rl_module)
    string(STRIP "${CMAKE_MATCH_1}" _rl_paths)
    separate_arguments(_rl_paths UNIX_COMMAND "${_rl_paths}")
    list(TRANSFORM _rl_paths PREPEND ${CMAKE_SOURCE_DIR}/)
    set(RACELAB_CONTRACT_EXTRA_${_rl_module} ${_rl_paths} CACHE INTERNAL "")
  elseif(NOT _rl_line MATCHES "^[ \t]*(#.*)?$")
    message(FATAL_ERROR "tests/contract/sources.ini: cannot read '${_rl_line}' "
                        "(expected [module] or extra = path...)")
  endif()
endforeach()

# racelab_add_contract(NAME <exe> MODULE <module> SOURCE <file.c>)
#   Builds tests/contract/contract_<module>.c against SOURCE standing in
#   for src/server/<module>.c: the program a future `racelab check FILE.c`
#   runs.  It links nothing of the server but what the module needs.
function(racelab_add_contract)
  cmake_parse_arguments(ARG "" "NAME;MODULE;SOURCE" "" ${ARGN})
  add_executable(${ARG_NAME} ${CMAKE_SOURCE_DIR}/tests/contract/contract_${ARG_MODULE}.c
                 ${ARG_SOURCE} ${RACELAB_CONTRACT_EXTRA_${ARG_MODULE}})
  target_include_directories(${ARG_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/src/server
                             ${CMAKE_SOURCE_DIR}/tests/contract)
  target_link_libraries(${ARG_NAME} PRIVATE PkgConfig::CMOCKA Threads::Threads)
endfunction()
