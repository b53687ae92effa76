# bench_sigma: Sigma detection throughput through decode + detect
# (docs/benchmarks-sigma.md). Included from bench/CMakeLists.txt.
add_executable(bench_sigma ${CMAKE_CURRENT_LIST_DIR}/bench_sigma.c)
target_link_libraries(bench_sigma PRIVATE canh_detect canh_decode canh_ingest canh_event canh_core)
