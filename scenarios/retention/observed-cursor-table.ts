/**
 * A cursor table the world can watch: the engine's in-memory table, with every successful write
 * reported (for the plausibility and gap checks). `seed` writes a row before the run without
 * reporting it: that is how pre-existing junk (a worker's content ID, a corrupt far-future
 * cursor) gets into the table.
 */
import { MemoryCursorTable } from "../../engine/retention/memory-storage.ts";
import type {
  CursorPrecondition,
  CursorRow,
  CursorTable,
  CursorValue,
} from "../../engine/retention/storage.ts";

export class ObservedCursorTable implements CursorTable {
  private readonly inner = new MemoryCursorTable();

  constructor(private readonly onPut: (host: string, value: CursorValue) => void) {}

  seed(host: string, value: CursorValue): Promise<string> {
    return this.inner.put(host, value);
  }

  get(host: string): Promise<CursorRow | null> {
    return this.inner.get(host);
  }

  list(): Promise<CursorRow[]> {
    return this.inner.list();
  }

  async put(host: string, value: CursorValue, precondition?: CursorPrecondition): Promise<string> {
    const version = await this.inner.put(host, value, precondition);
    this.onPut(host, value);
    return version;
  }
}
