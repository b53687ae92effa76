# bench_intel: build time, memory and lookup rates of intel snapshots
# (docs/benchmarks-intel.md). Included from bench/CMakeLists.txt. It reads
# the snapshot's internals (src/intel/intel_int.h) for the per-part memory
# figures and to compare the two IPv4 root strides.
add_executable(bench_intel ${CMAKE_CURRENT_LIST_DIR}/bench_intel.c)
target_include_directories(bench_intel PRIVATE ${PROJECT_SOURCE_DIR}/src/intel)
target_link_libraries(bench_intel PRIVATE canh_intel canh_core)
