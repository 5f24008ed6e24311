import { builtinRegistry } from "./fixtures/registry.ts";
import { installDefaultRegistry } from "./harness/default-registry.ts";
import { Session } from "node:inspector/promises";
installDefaultRegistry(builtinRegistry);
const { runSeed } = await import("./harness/run-seed.ts");
const s = new Session(); s.connect(); await s.post("Profiler.enable"); await s.post("Profiler.setSamplingInterval",{interval:200}); await s.post("Profiler.start");
for (let seed=0; seed<20; seed++) await runSeed("wal.e2b-kill-points", seed);
const { profile } = await s.post("Profiler.stop") as any;
const m = new Map();
let tot=0;
for (const n of profile.nodes) { const k = n.callFrame.functionName + " " + n.callFrame.url.replace("file:///work/wt-speed/","") + ":" + n.callFrame.lineNumber; m.set(k,(m.get(k)??0)+n.hitCount); tot+=n.hitCount; }
for (const [k,v] of [...m].sort((a,b)=>b[1]-a[1]).slice(0,40)) console.log((100*v/tot).toFixed(1), k);
