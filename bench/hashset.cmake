# bench_hashset: load time, memory and lookup rate of a hash set of 1,000,000
# SHA-256 digests, against libclamav loading the same digests as a .hsb
# database and a sorted array + bsearch (see the program's header comment).
# Included from bench/CMakeLists.txt.
add_executable(bench_hashset ${CMAKE_CURRENT_LIST_DIR}/bench_hashset.c)
target_link_libraries(bench_hashset PRIVATE canh_malware canh_intel canh_core)
target_compile_definitions(bench_hashset PRIVATE
                           CANH_BENCH_DATA="${CMAKE_CURRENT_LIST_DIR}/data")
