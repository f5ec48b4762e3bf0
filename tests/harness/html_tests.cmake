# The HTML report (issue 5, item 4), included from CMakeLists.txt:
#   test_json_read    the JSON reader `mqspec report` uses (valid and broken input)
#   test_report_html  the page of the synthetic run: a failure, escaping, side by side
#   report_html_chromium  real runs (mqspec-broker, mosquitto) and the synthetic one,
#                     rendered by headless Chromium (Debian's chromium, ci/deps.sh)
if(TARGET mqs_reports AND EXISTS ${CMAKE_SOURCE_DIR}/harness/result.c
   AND EXISTS ${CMAKE_SOURCE_DIR}/harness/transcript.c)
  mqs_add_unit_test(test_json_read SOURCES test_json_read.c LIBS mqs_reports LABELS harness)
  mqs_add_unit_test(test_report_html
                    SOURCES test_report_html.c ${CMAKE_CURRENT_SOURCE_DIR}/report_fixture.c
                            ${CMAKE_SOURCE_DIR}/harness/result.c
                            ${CMAKE_SOURCE_DIR}/harness/transcript.c
                    LIBS mqs_reports LABELS harness)

  if(TARGET mqspec AND TARGET report_gen)
    find_program(MQS_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
    find_program(MQS_PYTHON3 python3 REQUIRED)
    find_program(MQS_CHROMIUM chromium)
    if(NOT MQS_CHROMIUM)
      set(MQS_CHROMIUM chromium) # the test then fails and says to run ci/deps.sh
    endif()
    add_test(NAME report_html_chromium
             COMMAND ${MQS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/check_html.py
                     $<TARGET_FILE:mqspec> $<TARGET_FILE:report_gen> ${CMAKE_SOURCE_DIR}/scenarios
                     ${CMAKE_SOURCE_DIR}/ci/expected/mosquitto.txt
                     ${CMAKE_CURRENT_BINARY_DIR}/html ${MQS_CHROMIUM})
    set_tests_properties(report_html_chromium PROPERTIES LABELS "harness;html" TIMEOUT 300)
  endif()
endif()
