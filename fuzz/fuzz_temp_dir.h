// A per-process scratch folder for harnesses whose library reads files
// (safetensors, model folders): each input is written there, then loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace vit::fuzz {

/// A tests/support TempFolder made on first use under $TMPDIR (else /tmp),
/// removed at normal exit.
const std::string& ScratchDir();

/// Writes data[0..size) to ScratchDir()/name and returns its path. Aborts when
/// the write fails: the harness would otherwise test nothing.
std::string WriteScratchFile(const std::string& name, const uint8_t* data, size_t size);

/// Removes ScratchDir()/name if present.
void RemoveScratchFile(const std::string& name);

}  // namespace vit::fuzz
