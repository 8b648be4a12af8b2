// Runs ELK layouts off the server's event loop, one at a time: layout.ts posts
// `{ id, graph }` (an ELK JSON graph) and gets `{ id, ok, graph | message }` back. The worker
// stays loaded between layouts, so ELK's code is compiled once, not on every diagram.
import { parentPort } from "node:worker_threads";
import ELKModule from "elkjs/lib/elk.bundled.js";
import type { ELK, ELKConstructorArguments, ElkNode } from "elkjs/lib/elk-api.js";

// The bundle is a CommonJS module whose export is the constructor itself.
const ELKClass = ELKModule as unknown as new (args?: ELKConstructorArguments) => ELK;
const elk = new ELKClass();

parentPort!.on("message", async ({ id, graph }: { id: number; graph: ElkNode }) => {
  try {
    const laid = await elk.layout(graph);
    parentPort!.postMessage({ id, ok: true, graph: laid });
  } catch (err) {
    parentPort!.postMessage({
      id,
      ok: false,
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
