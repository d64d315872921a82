#include "store/sqlite_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

// A VFS shim over the platform's default VFS that combines the WAL's writes. SQLite writes each
// WAL frame with two system calls (the 24-byte frame header, then the page), so a commit of 80
// pages makes 160 pwrite calls before its fsync; on this kind of machine that costs ~450 µs per
// commit against ~90 µs for the same bytes in a few large writes (measured; see bench/README.md). The
// shim keeps consecutive writes to a WAL file in memory and writes them in one call when SQLite
// syncs, reads an overlapping range, asks the size, truncates or closes the file, or when the
// buffer is full. Durability is unchanged: every commit syncs (synchronous=FULL), and the sync
// writes the buffer first; frames become visible to other connections only after that sync.
// The writer may take the fsync itself (WalSyncMode) to overlap it with the next
// transaction. Files other than WALs pass straight through.

namespace manyi::store {
namespace {

constexpr size_t kMaxBuffer = 8u << 20;

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // the default VFS's file, allocated right after this struct
  bool wal;
  sqlite3_int64 buf_off;
  std::string* buf;  // pending bytes for [buf_off, buf_off + size)
};

thread_local bool t_defer_sync = false;

sqlite3_vfs g_vfs;
sqlite3_vfs* g_real = nullptr;
sqlite3_io_methods g_methods;

File* F(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

// The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the length): write in pieces.
constexpr size_t kMaxWrite = 124u << 10;

int flush(File* f) {
  if (!f->buf || f->buf->empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (size_t at = 0; at < f->buf->size() && rc == SQLITE_OK; at += kMaxWrite) {
    size_t n = std::min(kMaxWrite, f->buf->size() - at);
    rc = f->real->pMethods->xWrite(f->real, f->buf->data() + at, static_cast<int>(n),
                                   f->buf_off + static_cast<sqlite3_int64>(at));
  }
  f->buf->clear();
  return rc;
}

int x_close(sqlite3_file* p) {
  File* f = F(p);
  int rc = flush(f);
  delete f->buf;
  f->buf = nullptr;
  int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  return rc != SQLITE_OK ? rc : rc2;
}

int x_read(sqlite3_file* p, void* out, int n, sqlite3_int64 off) {
  File* f = F(p);
  if (f->buf && !f->buf->empty() && off < f->buf_off + static_cast<sqlite3_int64>(f->buf->size()) &&
      off + n > f->buf_off) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  }
  return f->real->pMethods->xRead(f->real, out, n, off);
}

int x_write(sqlite3_file* p, const void* data, int n, sqlite3_int64 off) {
  File* f = F(p);
  if (!f->wal) return f->real->pMethods->xWrite(f->real, data, n, off);
  auto& b = *f->buf;
  bool contiguous = !b.empty() && off == f->buf_off + static_cast<sqlite3_int64>(b.size());
  if (!contiguous || b.size() + static_cast<size_t>(n) > kMaxBuffer) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    f->buf_off = off;
  }
  b.append(static_cast<const char*>(data), static_cast<size_t>(n));
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* p, sqlite3_int64 size) {
  File* f = F(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* p, int flags) {
  File* f = F(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (f->wal && t_defer_sync) return SQLITE_OK;  // the writer fsyncs the WAL itself (WalSyncMode)
  return f->real->pMethods->xSync(f->real, flags);
}

int x_file_size(sqlite3_file* p, sqlite3_int64* size) {
  File* f = F(p);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int x_lock(sqlite3_file* p, int l) { return F(p)->real->pMethods->xLock(F(p)->real, l); }
int x_unlock(sqlite3_file* p, int l) { return F(p)->real->pMethods->xUnlock(F(p)->real, l); }
int x_check_reserved(sqlite3_file* p, int* out) {
  return F(p)->real->pMethods->xCheckReservedLock(F(p)->real, out);
}
int x_file_control(sqlite3_file* p, int op, void* arg) {
  File* f = F(p);
  if (op == SQLITE_FCNTL_SYNC || op == SQLITE_FCNTL_COMMIT_PHASETWO) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  }
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int x_sector_size(sqlite3_file* p) { return F(p)->real->pMethods->xSectorSize(F(p)->real); }
int x_device_characteristics(sqlite3_file* p) {
  return F(p)->real->pMethods->xDeviceCharacteristics(F(p)->real);
}
int x_shm_map(sqlite3_file* p, int pg, int sz, int extend, void volatile** out) {
  return F(p)->real->pMethods->xShmMap(F(p)->real, pg, sz, extend, out);
}
int x_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  return F(p)->real->pMethods->xShmLock(F(p)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* p) { F(p)->real->pMethods->xShmBarrier(F(p)->real); }
int x_shm_unmap(sqlite3_file* p, int del) { return F(p)->real->pMethods->xShmUnmap(F(p)->real, del); }
int x_fetch(sqlite3_file* p, sqlite3_int64 off, int n, void** out) {
  File* f = F(p);
  if (f->wal) {  // never map what may still be in the buffer
    *out = nullptr;
    return SQLITE_OK;
  }
  return f->real->pMethods->xFetch(f->real, off, n, out);
}
int x_unfetch(sqlite3_file* p, sqlite3_int64 off, void* ptr) {
  return F(p)->real->pMethods->xUnfetch(F(p)->real, off, ptr);
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = F(p);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->buf_off = 0;
  f->buf = nullptr;
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    p->pMethods = nullptr;  // SQLite will not call xClose
    return rc;
  }
  if (f->wal) f->buf = new std::string();
  p->pMethods = &g_methods;
  return SQLITE_OK;
}

}  // namespace

WalSyncMode::WalSyncMode(bool defer) : was_(t_defer_sync) { t_defer_sync = defer; }
WalSyncMode::~WalSyncMode() { t_defer_sync = was_; }

const char* combining_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real) throw std::runtime_error("sqlite: no default VFS");
    g_vfs = *g_real;  // every method but xOpen is the default VFS's own
    g_vfs.iVersion = g_real->iVersion;
    g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
    g_vfs.zName = "manyi-combine";
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = x_open;
    std::memset(&g_methods, 0, sizeof(g_methods));
    g_methods.iVersion = 3;
    g_methods.xClose = x_close;
    g_methods.xRead = x_read;
    g_methods.xWrite = x_write;
    g_methods.xTruncate = x_truncate;
    g_methods.xSync = x_sync;
    g_methods.xFileSize = x_file_size;
    g_methods.xLock = x_lock;
    g_methods.xUnlock = x_unlock;
    g_methods.xCheckReservedLock = x_check_reserved;
    g_methods.xFileControl = x_file_control;
    g_methods.xSectorSize = x_sector_size;
    g_methods.xDeviceCharacteristics = x_device_characteristics;
    g_methods.xShmMap = x_shm_map;
    g_methods.xShmLock = x_shm_lock;
    g_methods.xShmBarrier = x_shm_barrier;
    g_methods.xShmUnmap = x_shm_unmap;
    g_methods.xFetch = x_fetch;
    g_methods.xUnfetch = x_unfetch;
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) throw std::runtime_error("sqlite: cannot register the VFS");
  });
  return g_vfs.zName;
}

}  // namespace manyi::store
