// RAII handles for the C libraries other than SQLite (those are in common/sqlite.hpp): OpenSSL keys,
// digest contexts and memory BIOs, and zstd compression/decompression contexts. Business code holds
// these and never calls a *_free function itself.
//
// Header only. A target that includes this header links OpenSSL::Crypto and PkgConfig::ZSTD.
// Thread-safety: a handle belongs to one thread at a time, except EvpPkeyHandle, whose key OpenSSL 3
// allows several threads to sign or verify with at once (each with its own EVP_MD_CTX).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <zstd.h>

#include <memory>

namespace motcua {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
struct ZstdCCtxFree {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct ZstdDCtxFree {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

using EvpPkeyHandle = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using EvpMdCtxHandle = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using BioHandle = std::unique_ptr<BIO, BioFree>;
using ZstdCCtxHandle = std::unique_ptr<ZSTD_CCtx, ZstdCCtxFree>;
using ZstdDCtxHandle = std::unique_ptr<ZSTD_DCtx, ZstdDCtxFree>;

}  // namespace motcua
