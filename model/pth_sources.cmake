# Sources of the torch.save (zip + pickle) state-dict reader; owned by its author.
set(VIT_PTH_SOURCES)
