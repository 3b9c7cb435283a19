// One zstd frame as the signed messages carry it (batch envelope, feed page): the frame declares
// its content size, names the dictionary the message names (or none), has no checksum (the
// message's payload_hash covers the content) and nothing follows it. Internal to sync-protocol: not part of its interface.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.hpp"
#include "common/sqlite.hpp"
#include "sync-protocol/bytes.hpp"
#include "sync-protocol/dictionary.hpp"
#include "sync-protocol/protocol_error.hpp"

namespace motcua::sync::zstd_frame {

// kCorruption / bad_envelope: "<message_kind> damaged: payload <what>".
ProtocolError payload_damaged(const char* message_kind, const std::string& what);

// Decompresses one frame into exactly `raw_size` bytes. The frame's declared content size is checked
// before any allocation, and the output buffer is never larger than raw_size, which the caller has
// already bounded: a frame that expands further fails inside zstd (no decompression bomb). The
// frame must name `dictionary`'s id, or no dictionary when it is null.
ProtocolResult<sql::Blob> decompress(const char* message_kind, ByteView payload, uint32_t raw_size,
                                     const Dictionary* dictionary = nullptr);

// One frame of `raw` at `level`, with the content size in its header and no checksum, compressed
// with `dictionary` (its id in the frame header) when one is given.
Result<sql::Blob> compress(ByteView raw, int level, const Dictionary* dictionary = nullptr);

}  // namespace motcua::sync::zstd_frame
