// The SQLite VFS the store opens its files with: the default VFS, with each WAL's writes
// combined into one system call per commit (sqlite_vfs.cpp).
#pragma once

namespace manyi::store {

// Registers the VFS on first use and returns its name for sqlite3_open_v2.
const char* combining_vfs();

// While one of these lives on a thread with defer = true, a WAL sync requested on that thread
// writes the WAL's pending bytes but leaves the fsync to the caller, who must make the WAL
// durable (fdatasync) before telling anyone the transaction is stored. The writer holds one
// around COMMIT and syncs on its own thread, so the next transaction is written while this one
// is synced; checkpoints inside that COMMIT hold one with defer = false (they must sync).
class WalSyncMode {
 public:
  explicit WalSyncMode(bool defer);
  ~WalSyncMode();
  WalSyncMode(const WalSyncMode&) = delete;
  WalSyncMode& operator=(const WalSyncMode&) = delete;

 private:
  bool was_;
};

}  // namespace manyi::store
