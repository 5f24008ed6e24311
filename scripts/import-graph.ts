/**
 * The repository's import graph, read with the TypeScript compiler API (not regular expressions),
 * so every way one file can load another counts: static, type-only, side-effect and re-export
 * declarations, `import("…")` calls and `import("…")` types, and `require("…")`. Used by the
 * layer tests (scripts/layers.test.ts, engine/boundary.test.ts).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export type ImportKind =
  "static" | "type" | "side-effect" | "re-export" | "dynamic" | "import-type" | "require";

export interface ImportSite {
  specifier: string;
  kind: ImportKind;
}

/** Every module specifier `text` loads, with how it loads it. */
export function importsOf(fileName: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const sites: ImportSite[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const kind: ImportKind = !clause ? "side-effect" : clause.isTypeOnly ? "type" : "static";
      sites.push({ specifier: node.moduleSpecifier.text, kind });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      sites.push({ specifier: node.moduleSpecifier.text, kind: node.isTypeOnly ? "type" : "re-export" });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      sites.push({ specifier: node.moduleReference.expression.text, kind: "require" });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const [first] = node.arguments;
      if (first && ts.isStringLiteralLike(first)) {
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword)
          sites.push({ specifier: first.text, kind: "dynamic" });
        else if (ts.isIdentifier(node.expression) && node.expression.text === "require")
          sites.push({ specifier: first.text, kind: "require" });
      }
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      sites.push({ specifier: node.argument.literal.text, kind: "import-type" });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

export const repositoryDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const SKIPPED_DIRS = new Set(["node_modules", ".git", "out", "coverage"]);

/** Every .ts file of the repository, as paths relative to it ("engine/lease/lease.ts"). */
export function repositoryFiles(root = repositoryDir): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.isDirectory())
        return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith(".") ? [] : walk(join(dir, entry.name));
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [join(dir, entry.name)] : [];
    });
  return walk(root)
    .map((path) => relative(root, path).split(sep).join("/"))
    .sort();
}

export function isTestFile(file: string): boolean {
  return /\.test\.ts$/.test(file) || /(^|\/)vitest\.[\w.]*config\.ts$/.test(file);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The repository file a relative specifier names, or null (a package, a built-in, missing). */
export function resolveSpecifier(fromFile: string, specifier: string, root = repositoryDir): string | null {
  if (!specifier.startsWith(".")) return null;
  const base = resolve(root, dirname(fromFile), specifier);
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, join(base, "index.ts")];
  const found = candidates.find((candidate) => candidate.endsWith(".ts") && isFile(candidate));
  return found ? relative(root, found).split(sep).join("/") : null;
}

export interface ImportEdge {
  from: string;
  to: string;
  kind: ImportKind;
}

/** Edges between repository files (packages and built-ins left out). */
export function fileEdges(files: readonly string[], root = repositoryDir): ImportEdge[] {
  return files.flatMap((from) =>
    importsOf(from, readFileSync(join(root, from), "utf8")).flatMap(({ specifier, kind }) => {
      const to = resolveSpecifier(from, specifier, root);
      return to === null ? [] : [{ from, to, kind }];
    }),
  );
}

export function topFolder(file: string): string {
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : ".";
}

/**
 * Strongly connected components with more than one member (or a member that imports itself):
 * every import cycle, each as its sorted member list. Tarjan's algorithm, iterative.
 */
export function cycles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let counter = 0;
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; child: number }> = [{ node: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const children = next.get(frame.node)!;
      if (frame.child < children.length) {
        const child = children[frame.child++]!;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const members: string[] = [];
      for (;;) {
        const member = stack.pop()!;
        onStack.delete(member);
        members.push(member);
        if (member === frame.node) break;
      }
      const selfLoop = members.length === 1 && children.includes(frame.node);
      if (members.length > 1 || selfLoop) found.push(members.sort());
    }
  }
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}
