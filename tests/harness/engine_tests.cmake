# Tests of the scenario engine and `mqspec run`, included from CMakeLists.txt.
#   label harness:     unit tests (loader, matchers, engine against in-test brokers), the CLI
#   label conformance: the whole suite against mosquitto and against mqspec-broker, the
#                      reports of such a run (tshark on the pcaps), and each scenario
#                      against a broker that breaks its rule (mqs_fault_proxy, faults/*.txt)

find_program(MQS_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(MQS_PYTHON3 python3 REQUIRED)
find_program(MQS_TSHARK tshark)
if(NOT MQS_TSHARK)
  set(MQS_TSHARK tshark) # the test then fails and says so, rather than skip
endif()

add_executable(mqs_fault_proxy ${CMAKE_CURRENT_SOURCE_DIR}/fault_proxy.c)
target_link_libraries(mqs_fault_proxy PRIVATE mqs_codec mqs_net mqs_warnings)

if(NOT TARGET mqspec OR NOT TARGET mqs_engine)
  return()
endif()

set(_here ${CMAKE_CURRENT_SOURCE_DIR})
set(_run ${MQS_PYTHON3} ${_here}/broker_run.py)
set(_mqspec $<TARGET_FILE:mqspec>)
set(_scenarios --scenarios ${CMAKE_SOURCE_DIR}/scenarios)
set(_out ${CMAKE_CURRENT_BINARY_DIR}/runs)

# The CLI: --list, validate, exit codes, messages for broken files and flags.
add_test(NAME cli_run COMMAND sh ${_here}/run_cli.sh ${_mqspec} ${CMAKE_SOURCE_DIR}/scenarios)
set_tests_properties(cli_run PROPERTIES LABELS "harness;cli" TIMEOUT 60)

# The whole suite against mosquitto, with its known deviations listed, writing every report.
add_test(NAME conformance_mosquitto
         COMMAND ${_run} --broker mosquitto --expect-exit 0 --expect "^OK$"
                 -- ${_mqspec} run --broker 127.0.0.1:{port} ${_scenarios} -j 16 --no-color
                 --expect-fail ${CMAKE_SOURCE_DIR}/ci/expected/mosquitto.txt
                 --junit ${_out}/mosquitto/junit.xml --json ${_out}/mosquitto/run.json
                 --pcap ${_out}/mosquitto/pcap)
set_tests_properties(conformance_mosquitto PROPERTIES LABELS "conformance" TIMEOUT 120
                     FIXTURES_SETUP mosquitto_run)
# ... and what that run wrote: tshark decodes every pcap as MQTT, JSON and JUnit parse.
add_test(NAME conformance_mosquitto_reports
         COMMAND ${MQS_PYTHON3} ${_here}/check_run_reports.py ${_out}/mosquitto ${MQS_TSHARK})
set_tests_properties(conformance_mosquitto_reports PROPERTIES LABELS "conformance;pcap"
                     TIMEOUT 120 FIXTURES_REQUIRED mosquitto_run)

# The same suite against the bundled broker, which mqspec finds next to itself
# (build/X/broker/mqspec-broker), starts and stops: the default run.
if(TARGET mqspec-broker)
  add_test(NAME conformance_mqspec_broker
           COMMAND ${_mqspec} run ${_scenarios} -j 16 --no-color
                   --expect-fail ${CMAKE_SOURCE_DIR}/ci/expected/mqspec-broker.txt)
  set_tests_properties(conformance_mqspec_broker PROPERTIES LABELS "conformance" TIMEOUT 120)
  # ... and again with every client over its WebSocket listener (MQTT chapter 6).
  add_test(NAME conformance_mqspec_broker_websocket
           COMMAND ${_mqspec} run ${_scenarios} -j 16 --no-color --websocket
                   --expect-fail ${CMAKE_SOURCE_DIR}/ci/expected/mqspec-broker.txt)
  set_tests_properties(conformance_mqspec_broker_websocket PROPERTIES LABELS "conformance"
                       TIMEOUT 120)
  # The enhanced-authentication scenarios must pass there (mqspec starts it with a password
  # file, so it offers SCRAM), not merely be n/a.
  add_test(NAME conformance_mqspec_broker_scram
           COMMAND sh ${_here}/scram_run.sh $<TARGET_FILE:mqspec-broker> ${_mqspec}
                   ${CMAKE_SOURCE_DIR}/scenarios)
  set_tests_properties(conformance_mqspec_broker_scram PROPERTIES LABELS "conformance" TIMEOUT 60)
endif()

# The proxy alone changes nothing: the suite through it passes as it does without it.
add_test(NAME fault_proxy_transparent
         COMMAND ${_run} --broker mosquitto --proxy $<TARGET_FILE:mqs_fault_proxy>
                 --expect-exit 0 --expect "^OK$"
                 -- ${_mqspec} run --broker 127.0.0.1:{port} ${_scenarios} -j 16 --no-color
                 --expect-fail ${CMAKE_SOURCE_DIR}/ci/expected/mosquitto.txt)
set_tests_properties(fault_proxy_transparent PROPERTIES LABELS "conformance;faults" TIMEOUT 120)

# Every scenario has a fault case.
add_test(NAME fault_coverage
         COMMAND ${MQS_PYTHON3} ${_here}/check_fault_coverage.py ${_mqspec}
                 ${CMAKE_SOURCE_DIR}/scenarios ${_here}/faults)
set_tests_properties(fault_coverage PROPERTIES LABELS "harness;faults" TIMEOUT 60)

# One test per scenario: behind the proxy with its fault, the verdict must be FAIL, and
# the proxy must have applied the fault.
# The cases are in tests/harness/faults/*.txt, one file per area of the suite.
file(GLOB _fault_files CONFIGURE_DEPENDS ${_here}/faults/*.txt)
set(_fault_lines)
foreach(_file IN LISTS _fault_files)
  file(STRINGS ${_file} _lines)
  list(APPEND _fault_lines ${_lines})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_file})
endforeach()
foreach(_line IN LISTS _fault_lines)
  if(_line MATCHES "^[ \t]*(#|$)")
    continue()
  endif()
  string(REGEX REPLACE "[ \t]+" ";" _words "${_line}")
  list(POP_FRONT _words _id)
  set(_broker mosquitto)
  set(_ws)
  set(_ws_run)
  list(GET _words 0 _first)
  if(_first STREQUAL "@mqspec-broker" OR _first STREQUAL "@mqspec-broker-ws")
    if(NOT TARGET mqspec-broker)
      continue()
    endif()
    list(POP_FRONT _words)
    set(_broker $<TARGET_FILE:mqspec-broker>)
    if(_first STREQUAL "@mqspec-broker-ws") # the proxy in front of its WebSocket listener
      set(_ws --ws)
      set(_ws_run --broker-ws 127.0.0.1:{wsport}/mqtt)
    endif()
  endif()
  set(_faults)
  foreach(_f IN LISTS _words)
    list(APPEND _faults --fault ${_f})
  endforeach()
  add_test(NAME fault_${_id}
           COMMAND ${_run} --broker ${_broker} ${_ws} --proxy $<TARGET_FILE:mqs_fault_proxy> ${_faults}
                   --expect-exit 1 --expect "^FAIL +${_id} " --expect "^proxy: fault"
                   -- ${_mqspec} run --broker 127.0.0.1:{port} ${_ws_run} ${_scenarios} --no-color
                   --strict --step-timeout 500ms ${_id})
  set_tests_properties(fault_${_id} PROPERTIES LABELS "conformance;faults" TIMEOUT 60)
endforeach()

# Unit tests of the engine's parts, linked against the engine library.
foreach(t test_scenario_load test_match test_scram)
  mqs_add_unit_test(${t} SOURCES ${_here}/${t}.c LIBS mqs_engine LABELS harness)
endforeach()
find_package(Threads REQUIRED)
mqs_add_unit_test(test_engine SOURCES ${_here}/test_engine.c LIBS mqs_engine Threads::Threads
                  LABELS harness)

# scenarios/schema.json agrees with the scenarios (skipped without python3-jsonschema/yaml).
find_program(MQS_PYTHON3_ANY python3)
add_test(NAME scenario_schema COMMAND ${MQS_PYTHON3_ANY} ${_here}/check_schema.py
                                      ${CMAKE_SOURCE_DIR}/scenarios/schema.json ${CMAKE_SOURCE_DIR}/scenarios)
set_tests_properties(scenario_schema PROPERTIES LABELS "harness" TIMEOUT 60 SKIP_RETURN_CODE 77)

# Every statement id a scenario names is a real one, of its version.
add_test(NAME scenario_statement_ids
         COMMAND ${MQS_PYTHON3} ${_here}/check_statement_ids.py ${_mqspec} ${CMAKE_SOURCE_DIR}/scenarios)
set_tests_properties(scenario_statement_ids PROPERTIES LABELS "harness" TIMEOUT 60)
