#include "sync-protocol/zstd_frame.hpp"

#include "common/handles.hpp"

namespace motcua::sync::zstd_frame {

ProtocolError payload_damaged(const char* message_kind, const std::string& what) {
  return protocol_error(ProtocolCode::kBadEnvelope,
                        Error::corruption(std::string(message_kind) + " damaged: payload " + what,
                                          "the message was damaged in transit or by the sender; it is refused and "
                                          "nothing in it was used"));
}

ProtocolResult<sql::Blob> decompress(const char* message_kind, ByteView payload, uint32_t raw_size,
                                     const Dictionary* dictionary) {
  uint32_t magic = 0;
  if (payload.size >= 4) {
    magic = static_cast<uint32_t>(payload.data[0]) | static_cast<uint32_t>(payload.data[1]) << 8 |
            static_cast<uint32_t>(payload.data[2]) << 16 | static_cast<uint32_t>(payload.data[3]) << 24;
  }
  if (magic != ZSTD_MAGICNUMBER) return fail(payload_damaged(message_kind, "is not a zstd frame"));
  const unsigned long long content = ZSTD_getFrameContentSize(payload.data, payload.size);
  if (content == ZSTD_CONTENTSIZE_ERROR) {
    return fail(payload_damaged(message_kind, "zstd frame header is damaged"));
  }
  if (content == ZSTD_CONTENTSIZE_UNKNOWN) {
    return fail(payload_damaged(message_kind, "zstd frame does not declare its content size"));
  }
  if (content != raw_size) {
    return fail(payload_damaged(message_kind, "zstd frame declares " + std::to_string(content) + " bytes but raw_size is " +
                                std::to_string(raw_size)));
  }
  const unsigned frame_dictionary = ZSTD_getDictID_fromFrame(payload.data, payload.size);
  const unsigned expected_dictionary = dictionary ? dictionary->id : 0;
  if (frame_dictionary != expected_dictionary) {
    return fail(payload_damaged(message_kind, "zstd frame names dictionary " + std::to_string(frame_dictionary) +
                                                  " but the message names " + std::to_string(expected_dictionary)));
  }
  const size_t frame_size = ZSTD_findFrameCompressedSize(payload.data, payload.size);
  if (ZSTD_isError(frame_size)) {
    return fail(payload_damaged(message_kind, std::string("zstd frame is damaged: ") + ZSTD_getErrorName(frame_size)));
  }
  if (frame_size != payload.size) {
    return fail(payload_damaged(message_kind, "holds " + std::to_string(payload.size - frame_size) + " bytes after its zstd frame"));
  }
  ZstdDCtxHandle dctx(ZSTD_createDCtx());
  if (!dctx) {
    return fail(ProtocolCode::kUnavailable, Error::unavailable("cannot create a zstd context: out of memory"));
  }
  sql::Blob out(raw_size);
  const size_t n = dictionary ? ZSTD_decompress_usingDict(dctx.get(), out.data(), out.size(), payload.data, payload.size,
                                                          dictionary->bytes.data(), dictionary->bytes.size())
                              : ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), payload.data, payload.size);
  if (ZSTD_isError(n)) {
    return fail(payload_damaged(message_kind, std::string("does not decompress to raw_size bytes: ") + ZSTD_getErrorName(n)));
  }
  if (n != raw_size) {
    return fail(
        payload_damaged(message_kind, "decompresses to " + std::to_string(n) + " bytes, raw_size is " + std::to_string(raw_size)));
  }
  return out;
}

Result<sql::Blob> compress(ByteView raw, int level, const Dictionary* dictionary) {
  ZstdCCtxHandle cctx(ZSTD_createCCtx());
  if (!cctx) return fail(Error::unavailable("cannot create a zstd context: out of memory"));
  // The receiver requires the content size in the frame header and no checksum (payload_hash
  // already covers the content).
  size_t rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
  if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 0);
  if (!ZSTD_isError(rc) && dictionary) {
    rc = ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_dictIDFlag, 1);
    if (!ZSTD_isError(rc)) rc = ZSTD_CCtx_loadDictionary(cctx.get(), dictionary->bytes.data(), dictionary->bytes.size());
  }
  if (ZSTD_isError(rc)) return fail(Error::internal(std::string("configuring zstd: ") + ZSTD_getErrorName(rc)));
  sql::Blob out(ZSTD_compressBound(raw.size));
  const size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), raw.data, raw.size);
  if (ZSTD_isError(n)) return fail(Error::internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

}  // namespace motcua::sync::zstd_frame
