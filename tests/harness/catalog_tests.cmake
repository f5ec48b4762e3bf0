# The statement catalog (scenarios/catalog/): exactly the official ids of each
# version, every entry well formed, and every scenario naming only catalogued ids.
find_program(MQS_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(MQS_PYTHON3 python3 REQUIRED)
foreach(check ids fields scenarios)
  add_test(NAME catalog_${check}
           COMMAND ${MQS_PYTHON3} ${CMAKE_SOURCE_DIR}/scenarios/catalog/check_catalog.py
                   ${CMAKE_SOURCE_DIR}/scenarios ${check})
  set_tests_properties(catalog_${check} PROPERTIES LABELS "unit;harness" TIMEOUT 60)
endforeach()

# `mqspec coverage` reads the catalog and the scenarios and prints both versions.
if(TARGET mqspec)
  add_test(NAME catalog_coverage_cli
           COMMAND $<TARGET_FILE:mqspec> coverage --summary
                   --scenarios ${CMAKE_SOURCE_DIR}/scenarios)
  set_tests_properties(catalog_coverage_cli PROPERTIES LABELS "cli;harness" TIMEOUT 60
                       PASS_REGULAR_EXPRESSION "MQTT 3.1.1 .*total +[0-9]+/123 .*MQTT 5.0 .*total +[0-9]+/224")
  # ... and with --run, each statement's verdict from a run's JSON.
  add_test(NAME catalog_coverage_run
           COMMAND ${MQS_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_coverage_run.py
                   $<TARGET_FILE:mqspec> ${CMAKE_SOURCE_DIR}/scenarios)
  set_tests_properties(catalog_coverage_run PROPERTIES LABELS "cli;harness" TIMEOUT 60)
endif()

# A malformed-input scenario (tag rule:NAME) for every codec rule a client's packet can
# break, in each version it applies to; the exceptions are listed in the script with why.
add_test(NAME catalog_rule_scenarios
         COMMAND ${MQS_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/check_rule_scenarios.py
                 ${CMAKE_SOURCE_DIR}/codec/include/mqs/rules.h ${CMAKE_SOURCE_DIR}/scenarios)
set_tests_properties(catalog_rule_scenarios PROPERTIES LABELS "unit;harness" TIMEOUT 60)
