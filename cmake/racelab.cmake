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

# racelab_add_scenario(NAME <scenario> MODULE <module>)
#   scenarios/<scenario>/buggy.c and fixed.c each replace <module>, giving
#   racelab-server-<scenario>-buggy and racelab-server-<scenario>-fixed.
function(racelab_add_scenario)
  cmake_parse_arguments(ARG "" "NAME;MODULE" "" ${ARGN})
  set(dir ${CMAKE_SOURCE_DIR}/scenarios/${ARG_NAME})
  foreach(variant buggy fixed)
    if(NOT EXISTS ${dir}/${variant}.c)
      message(FATAL_ERROR "scenario ${ARG_NAME}: missing ${variant}.c")
    endif()
    racelab_add_server(NAME racelab-server-${ARG_NAME}-${variant}
                       MODULE ${ARG_MODULE} SOURCE ${dir}/${variant}.c)
  endforeach()
  set_property(GLOBAL APPEND PROPERTY RACELAB_SCENARIOS ${ARG_NAME})
endfunction()
