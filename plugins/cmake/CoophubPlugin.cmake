# coophub_add_plugin(<name> <sources>...): builds a connector plugin as <name>.so,
# a loadable module with only coophub_plugin_entry exported. Works in the coophub
# source tree and, through find_package(coophub), out of tree.
function(coophub_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE coophub::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("CXX" IN_LIST languages)  # a plugin in C needs no C++ compiler
    target_compile_features(${name} PRIVATE cxx_std_20)
  endif()
endfunction()
