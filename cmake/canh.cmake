# Helpers shared by the module CMakeLists.

# canh_module(NAME DEPS...): a static library from src/NAME/*.c, public
# headers in include/, linked to the listed targets.
function(canh_module name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
  if(NOT srcs)
    # A module whose first source is still being written: an interface
    # target, so the targets that link it configure and build.
    add_library(canh_${name} INTERFACE)
    target_include_directories(canh_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(canh_${name} INTERFACE ${ARGN})
    return()
  endif()
  add_library(canh_${name} STATIC ${srcs})
  target_include_directories(canh_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                          PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(canh_${name} PUBLIC ${ARGN})
endfunction()
