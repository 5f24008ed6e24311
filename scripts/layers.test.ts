/**
 * The layer rule: no import cycle between top-level folders, and none between files outside
 * tests, over every kind of import the TypeScript compiler sees (import-graph.ts). A cycle
 * means two layers cannot be understood, tested or replaced apart; break it by moving the shared
 * piece (a type, a helper) to the lower layer, or by handing the upper layer's object in.
 */
import { describe, expect, it } from "vitest";
import { cycles, fileEdges, importsOf, isTestFile, repositoryFiles, topFolder } from "./import-graph.ts";

/**
 * TEMPORARY: harness/run-seed.ts imports the scenario and variant catalogs. Branch `crash` hands
 * the harness a registry instead; when it lands these edges disappear and this test fails until
 * they are deleted from here.
 */
/** Folder edges allowed to close a cycle: none (the harness is handed its registry). */
const ALLOWED_FOLDER_EDGES: ReadonlyArray<readonly [string, string]> = [];

/** File edges owned by another change: the replication checker reads the replication rig's primary. */
const OWNED_FILE_EDGES: ReadonlyArray<readonly [string, string]> = [
  ["invariants/replication-recovery.ts", "scenarios/replication/primary.ts"],
];

const files = repositoryFiles().filter((file) => !isTestFile(file));
const edges = fileEdges(files);

function folderEdges(allowedFolders: typeof ALLOWED_FOLDER_EDGES) {
  const allowedFile = new Set(OWNED_FILE_EDGES.map(([from, to]) => `${from} ${to}`));
  const allowedFolder = new Set(allowedFolders.map(([from, to]) => `${from} ${to}`));
  const seen = new Map<string, { from: string; to: string; via: string }>();
  for (const edge of edges) {
    const from = topFolder(edge.from);
    const to = topFolder(edge.to);
    if (from === to || allowedFile.has(`${edge.from} ${edge.to}`) || allowedFolder.has(`${from} ${to}`))
      continue;
    seen.set(`${from} ${to}`, { from, to, via: `${edge.from} -> ${edge.to}` });
  }
  return [...seen.values()];
}

describe("layers", () => {
  it("reads the whole repository", () => {
    expect(files.length).toBeGreaterThan(200);
    expect(edges.length).toBeGreaterThan(1000);
  });

  it("has no cycle between top-level folders", () => {
    const folders = folderEdges(ALLOWED_FOLDER_EDGES);
    const found = cycles(folders).map(
      (members) =>
        `${members.join(" <-> ")}: ${folders
          .filter((edge) => members.includes(edge.from) && members.includes(edge.to))
          .map((edge) => `${edge.from}->${edge.to} (e.g. ${edge.via})`)
          .join(", ")}`,
    );
    expect(found, found.join("\n")).toEqual([]);
  });

  it("has no cycle between files outside tests", () => {
    const found = cycles(edges).map((members) => members.join(" <-> "));
    expect(found, found.join("\n")).toEqual([]);
  });

  it("needs every allow-listed edge still (delete the ones that went)", () => {
    const folderPairs = new Set(edges.map((edge) => `${topFolder(edge.from)} ${topFolder(edge.to)}`));
    const filePairs = new Set(edges.map((edge) => `${edge.from} ${edge.to}`));
    const gone = [
      ...ALLOWED_FOLDER_EDGES.filter(([from, to]) => !folderPairs.has(`${from} ${to}`)),
      ...OWNED_FILE_EDGES.filter(([from, to]) => !filePairs.has(`${from} ${to}`)),
    ].map(([from, to]) => `${from} -> ${to}`);
    expect(gone, `no longer imported: ${gone.join(", ")}`).toEqual([]);
  });

  it("the checker catches a cycle", () => {
    expect(
      cycles([
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "c", to: "a" },
        { from: "c", to: "d" },
      ]),
    ).toEqual([["a", "b", "c"]]);
    expect(cycles([{ from: "a", to: "a" }])).toEqual([["a"]]);
    expect(cycles([{ from: "a", to: "b" }])).toEqual([]);
  });
});

describe("importsOf", () => {
  it("sees every way a file loads another", () => {
    const text = [
      'import { a } from "./static.ts";',
      'import type { T } from "./type-only.ts";',
      'import "./side-effect.ts";',
      'export { b } from "./re-export.ts";',
      'export type { U } from "./re-export-type.ts";',
      'const c = await import("./dynamic.ts");',
      'const d = require("./required.ts");',
      'import e = require("./import-equals.ts");',
      'let f: typeof import("./import-type.ts");',
      'const g = "./not-an-import.ts";',
    ].join("\n");
    expect(importsOf("x.ts", text)).toEqual([
      { specifier: "./static.ts", kind: "static" },
      { specifier: "./type-only.ts", kind: "type" },
      { specifier: "./side-effect.ts", kind: "side-effect" },
      { specifier: "./re-export.ts", kind: "re-export" },
      { specifier: "./re-export-type.ts", kind: "type" },
      { specifier: "./dynamic.ts", kind: "dynamic" },
      { specifier: "./required.ts", kind: "require" },
      { specifier: "./import-equals.ts", kind: "require" },
      { specifier: "./import-type.ts", kind: "import-type" },
    ]);
  });
});
