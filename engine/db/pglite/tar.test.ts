import { describe, expect, it } from "vitest";
import { memoryDisk } from "../../../sim/local-disk.ts";
import { DataDirCorruptError } from "../database.ts";
import { formatLsn, parseLsn, walSegmentName, walSegmentStart, WAL_SEGMENT_BYTES } from "./lsn.ts";
import { readTar, TarFormatError, writeTar } from "./tar.ts";
import { packDataDir, unpackDataDir } from "./tar-stream.ts";

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe("LSNs", () => {
  it("parses, prints and maps to segment files like Postgres", () => {
    expect(parseLsn("0/16EFAA0")).toBe(0x16efaa0);
    expect(parseLsn("1/0")).toBe(0x1_0000_0000);
    expect(formatLsn(0x1_0000_0010)).toBe("1/10");
    expect(walSegmentName(1, 0x16efaa0)).toBe("000000010000000000000001");
    expect(walSegmentName(1, 0x1_0100_0000)).toBe("000000010000000100000001");
    expect(walSegmentStart("000000010000000100000001")).toBe(0x1_0100_0000);
    expect(walSegmentStart(walSegmentName(1, 5 * WAL_SEGMENT_BYTES + 7))).toBe(5 * WAL_SEGMENT_BYTES);
    expect(() => parseLsn("16EFAA0")).toThrow(/not an LSN/);
  });
});

describe("tar", () => {
  const entries = [
    { kind: "dir" as const, path: "/base" },
    { kind: "file" as const, path: "/base/1/1259", data: bytes(9000, 1) },
    { kind: "file" as const, path: "/PG_VERSION", data: new TextEncoder().encode("18\n") },
    { kind: "file" as const, path: "/empty", data: new Uint8Array(0) },
    { kind: "file" as const, path: `/${"d".repeat(90)}/${"f".repeat(60)}`, data: bytes(10, 2) },
  ];

  it("writes a canonical archive that reads back to the same entries", () => {
    const archive = writeTar(entries);
    expect(writeTar([...entries].reverse())).toEqual(archive);
    const back = readTar(archive);
    expect(back.map((entry) => entry.path)).toEqual([...entries.map((entry) => entry.path)].sort());
    const file = back.find((entry) => entry.path === "/base/1/1259");
    expect(file?.kind === "file" && file.data).toEqual(entries[1]!.data);
  });

  it("rejects paths that escape the data directory and truncated archives", () => {
    const archive = writeTar([{ kind: "file", path: "/a", data: bytes(600, 3) }]);
    expect(() => readTar(archive.slice(0, 700))).toThrow(TarFormatError);
    const evil = writeTar([{ kind: "file", path: "/x/y", data: new Uint8Array(0) }]);
    evil.set(new TextEncoder().encode("../y\0"), 0);
    expect(() => readTar(evil)).toThrow(/escapes/);
  });

  it("streams a data dir through gzip and back, in chunks of any size", async () => {
    const source = memoryDisk().disk;
    for (const entry of entries)
      if (entry.kind === "file") await source.writeFile(`/data${entry.path}`, entry.data);
    const packed: Uint8Array[] = [];
    for await (const chunk of packDataDir(source, "/data", entries, 1)) packed.push(chunk);
    const whole = Buffer.concat(packed);
    async function* rechunk(size: number) {
      for (let at = 0; at < whole.length; at += size) yield new Uint8Array(whole.subarray(at, at + size));
    }
    for (const size of [7, 4096]) {
      const target = memoryDisk().disk;
      const result = await unpackDataDir(rechunk(size), target, "/out");
      expect(result.dirs).toEqual(["/base"]);
      for (const entry of entries)
        if (entry.kind === "file") expect(await target.readFile(`/out${entry.path}`)).toEqual(entry.data);
    }
    const target = memoryDisk().disk;
    await expect(
      unpackDataDir(
        (async function* () {
          yield new Uint8Array(whole.subarray(0, whole.length - 40));
        })(),
        target,
        "/out",
      ),
    ).rejects.toThrow(DataDirCorruptError);
  });
});
