# flood: syslog-over-TCP load generator (N senders x M lines, LF or octet
# counting), used by the listener/server flood benchmark against rsyslogd.
# Included from bench/CMakeLists.txt. Needs nothing from Canh.
find_package(Threads REQUIRED)
add_executable(flood ${CMAKE_CURRENT_LIST_DIR}/flood.c)
target_link_libraries(flood PRIVATE Threads::Threads)
