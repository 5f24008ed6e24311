import { describe, expect, it } from "vitest";
import { TraceHasher } from "./hash.ts";
import { Trace } from "./trace.ts";

function traceOf(events: Array<[number, string, string, Record<string, string | number>?]>, keepAll = false) {
  const trace = new Trace({ keepAll });
  for (const [t, p, k, f] of events) trace.record(t, p, k, f);
  return trace;
}

describe("Trace", () => {
  it("keeps a note among the events but out of the hash", () => {
    const plain = traceOf([[0, "a", "start"]], true);
    const noted = new Trace({ keepAll: true });
    noted.note(0, "world", "swarm", { component: "blobstore", flavor: "gcs" });
    noted.record(0, "a", "start");
    expect(noted.hash()).toBe(plain.hash());
    expect(noted.events().map((event) => event.k)).toEqual(["swarm", "start"]);
    const recorded = traceOf([
      [0, "world", "swarm", { component: "blobstore", flavor: "gcs" }],
      [0, "a", "start"],
    ]);
    expect(recorded.hash()).not.toBe(plain.hash());
  });

  it("hashes equal event sequences equally and any difference differently", () => {
    const base: Array<[number, string, string, Record<string, string | number>?]> = [
      [0, "a", "start"],
      [5, "a", "store.put", { key: "m", gen: 1 }],
    ];
    expect(traceOf(base).hash()).toBe(traceOf(base).hash());
    expect(traceOf(base).hash()).not.toBe(
      traceOf([
        [0, "a", "start"],
        [5, "a", "store.put", { key: "m", gen: 2 }],
      ]).hash(),
    );
    expect(traceOf(base).hash()).not.toBe(
      traceOf([
        [0, "a", "start"],
        [6, "a", "store.put", { key: "m", gen: 1 }],
      ]).hash(),
    );
    expect(traceOf([[0, "ab", "c"]]).hash()).not.toBe(traceOf([[0, "a", "bc"]]).hash());
  });

  it("keeps every event when asked and only the most recent ones otherwise", () => {
    const many = Array.from({ length: 2000 }, (_, i) => [i, "p", "tick"] as [number, string, string]);
    const full = traceOf(many, true);
    const recent = traceOf(many);
    expect(full.events()).toHaveLength(2000);
    expect(recent.events().length).toBeLessThan(2000);
    expect(recent.events().at(-1)).toEqual({ t: 1999, p: "p", k: "tick" });
    expect(recent.events()[0]!.t).toBe(2000 - recent.events().length);
    expect(full.hash()).toBe(recent.hash());
    expect(full.toJsonl().split("\n")[1]).toBe('{"t":1,"p":"p","k":"tick"}');
  });
});

describe("TraceHasher.updateFields", () => {
  it("hashes fields exactly as the joined `name=value;` text (recorded trace hashes stay valid)", () => {
    const fields = { key: "db/manifest", gen: 12, ok: true, none: null, unicode: "é→" };
    const direct = new TraceHasher();
    direct.updateFields(fields);
    const joined = new TraceHasher();
    joined.update("key=db/manifest;gen=12;ok=true;none=null;unicode=é→;");
    expect(direct.digest()).toBe(joined.digest());
    const other = new TraceHasher();
    other.updateFields({ ...fields, gen: 13 });
    expect(other.digest()).not.toBe(direct.digest());
  });
});
