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
