// Reads task records for `getTask`. The records asked for in one event-loop turn (fifty HTTP
// requests answering with the record they just submitted, a dashboard refresh) are read by one
// statement, not one each: on the embedded database, where statements run one at a time, that is
// most of a request's wait.

import type { SqlDriver } from '../driver.js';
import { getTasks } from '../sql/get-task.js';
import type { SchemaNames } from '../sql/statement.js';
import type { TaskRow } from './task-row.js';

interface Waiting {
  resolve(row: TaskRow | undefined): void;
  reject(error: unknown): void;
}

/** At most this many ids per statement. */
const MAX_BATCH = 500;

/** See the file comment. */
export class RecordReader {
  private _waiting = new Map<string, Waiting[]>();
  private _scheduled = false;

  constructor(
    private readonly _driver: SqlDriver,
    private readonly _schema: SchemaNames,
  ) {}

  /** The row of task `id`, or undefined. Rejects with the driver's error. */
  read(id: string): Promise<TaskRow | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this._waiting.get(id);
      if (waiting === undefined) this._waiting.set(id, [{ resolve, reject }]);
      else waiting.push({ resolve, reject });
      if (!this._scheduled) {
        this._scheduled = true;
        setImmediate(() => this._flush());
      }
    });
  }

  private _flush(): void {
    this._scheduled = false;
    const all = this._waiting;
    this._waiting = new Map();
    const ids = [...all.keys()];
    for (let i = 0; i < ids.length; i += MAX_BATCH) {
      const batch = ids.slice(i, i + MAX_BATCH);
      void this._read(batch, all);
    }
  }

  private async _read(ids: string[], all: Map<string, Waiting[]>): Promise<void> {
    let rows: TaskRow[];
    try {
      rows = await this._driver.query<TaskRow>(getTasks(this._schema), [ids]);
    } catch (error) {
      for (const id of ids) for (const waiting of all.get(id) ?? []) waiting.reject(error);
      return;
    }
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const id of ids) {
      const row = byId.get(id);
      for (const waiting of all.get(id) ?? []) waiting.resolve(row);
    }
  }
}
