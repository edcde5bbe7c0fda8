# Sources of the torch.save (zip + pickle) state-dict reader; owned by its author.
set(VIT_PTH_SOURCES
  pickle_value.cc
  pickle_opcodes.cc
  pickle_input.cc
  pickle_machine.cc
  torch_pickle_rules.cc
  pth_archive.cc
  pth_tensor.cc
  pth_reader.cc)
