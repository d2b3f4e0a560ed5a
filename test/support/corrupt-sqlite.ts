// Damages one page of a closed SQLite database on disk, as a torn write or a failing disk would.
import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Overwrites the root page of `table` with garbage; every other page stays as it was. The database must be closed
 * (its WAL checkpointed) first. Returns the page number that was damaged.
 */
export function corruptTablePage(file: string, table: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let page: number;
  let pageSize: number;
  try {
    pageSize = db.pragma('page_size', { simple: true }) as number;
    const row = db
      .prepare(`SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(table) as { rootpage: number } | undefined;
    if (row === undefined) throw new Error(`no table ${table} in ${file}`);
    page = row.rootpage;
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
  return page;
}
