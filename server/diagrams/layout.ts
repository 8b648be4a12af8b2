// Lays out a generated diagram's page with ELK's layered algorithm (elkjs): devices in layers
// top to bottom, one port per cabled interface, orthogonal edge routes, and optional groups
// drawn as containers around their devices. The layout runs in a worker, so a large page does not
// stall the server's other requests, and a layout that runs too long is stopped there.
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import { Worker } from "node:worker_threads";
import { AppError } from "../errors.ts";

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  /** The size of the label drawn below the node, kept clear of other nodes and edges. */
  labelWidth: number;
  labelHeight: number;
  /** The group (container) holding the node, or null for the page itself. */
  group: string | null;
}

export interface LayoutEdge {
  id: string;
  /** ELK places sources in earlier (higher) layers than targets where it can. */
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export interface LayoutGraph {
  groups: { id: string; label: string }[];
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutResult {
  /** Node bounds relative to their group (or the page when they have none). */
  nodes: Map<string, Box>;
  /** Group bounds on the page. */
  groups: Map<string, Box>;
  /** Where each edge leaves its source and enters its target, relative to that node's bounds. */
  ends: Map<string, { source: Point; target: Point }>;
  /** Each edge's bend points on the page. */
  bends: Map<string, Point[]>;
  width: number;
  height: number;
}

const PORT_SIZE = 4;
/** Devices above which a page is laid out with a single crossing-minimisation pass. */
const LARGE_PAGE = 300;
const GROUP_TITLE = 28;

/** The ELK port id of a node's interface (ids are global in ELK's graph). */
const portId = (node: string, port: string) => `${node}\u0000${port}`;

/** The ELK JSON graph for a page: what layoutGraph() sends to ELK. */
export function toElkGraph(g: LayoutGraph): ElkNode {
  const ports = new Map<string, Set<string>>();
  const addPort = (node: string, port: string) => {
    const set = ports.get(node);
    if (set) set.add(port);
    else ports.set(node, new Set([port]));
  };
  for (const e of g.edges) {
    addPort(e.source, e.sourcePort);
    addPort(e.target, e.targetPort);
  }
  const groups = new Map<string, ElkNode>();
  for (const grp of g.groups) {
    groups.set(grp.id, {
      id: grp.id,
      labels: [{ text: grp.label, width: 8 * grp.label.length, height: 16 }],
      layoutOptions: {
        "elk.padding": `[top=${GROUP_TITLE + 12},left=16,bottom=16,right=16]`,
        "elk.nodeLabels.placement": "INSIDE V_TOP H_LEFT",
      },
      children: [],
      edges: [],
    });
  }
  const root: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "DOWN",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.hierarchyHandling": g.groups.length > 0 ? "INCLUDE_CHILDREN" : "INHERIT",
      "elk.spacing.nodeNode": "40",
      "elk.layered.spacing.nodeNodeBetweenLayers": "50",
      "elk.spacing.edgeNode": "16",
      "elk.spacing.edgeEdge": "8",
      "elk.spacing.labelNode": "4",
      "elk.padding": "[top=20,left=20,bottom=20,right=20]",
      "elk.json.edgeCoords": "ROOT",
      // ELK's crossing minimisation repeats its sweeps `thoroughness` times: the default for
      // pages of ordinary size, a single pass where the sweeps would be most of the work.
      "elk.layered.thoroughness": g.nodes.length > LARGE_PAGE ? "1" : "7",
    },
    children: [],
    edges: [],
  };
  const groupOf = new Map<string, string | null>();
  for (const n of g.nodes) {
    groupOf.set(n.id, n.group);
    const node: ElkNode = {
      id: n.id,
      width: n.width,
      height: n.height,
      // ELK leaves out labels without text: the size is what matters, the text is a stand-in.
      labels: [{ text: n.id, width: n.labelWidth, height: n.labelHeight }],
      layoutOptions: {
        "elk.portConstraints": "FREE",
        "elk.nodeLabels.placement": "OUTSIDE V_BOTTOM H_CENTER",
      },
      ports: [...(ports.get(n.id) ?? [])].map((p) => ({
        id: portId(n.id, p),
        width: PORT_SIZE,
        height: PORT_SIZE,
      })),
    };
    const parent = n.group === null ? root : groups.get(n.group);
    if (!parent) throw new Error(`Layout node ${n.id} names an unknown group ${n.group}`);
    parent.children!.push(node);
  }
  for (const grp of groups.values()) root.children!.push(grp);
  for (const e of g.edges) {
    const edge: ElkExtendedEdge = {
      id: e.id,
      sources: [portId(e.source, e.sourcePort)],
      targets: [portId(e.target, e.targetPort)],
    };
    // Each edge sits in the lowest container holding both its ends.
    const a = groupOf.get(e.source) ?? null;
    const b = groupOf.get(e.target) ?? null;
    const owner = a !== null && a === b ? groups.get(a)! : root;
    owner.edges!.push(edge);
  }
  return root;
}

/** Reads positions back from the graph ELK laid out. */
export function fromElkGraph(out: ElkNode, groupIds: ReadonlySet<string>): LayoutResult {
  const result: LayoutResult = {
    nodes: new Map(),
    groups: new Map(),
    ends: new Map(),
    bends: new Map(),
    width: out.width ?? 0,
    height: out.height ?? 0,
  };
  // Port centres relative to their node, by port id.
  const portAt = new Map<string, { node: string; at: Point }>();
  const visit = (n: ElkNode, isGroup: boolean) => {
    const box = { x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 };
    if (isGroup) result.groups.set(n.id, box);
    else result.nodes.set(n.id, box);
    for (const p of n.ports ?? []) {
      portAt.set(p.id, {
        node: n.id,
        at: { x: (p.x ?? 0) + (p.width ?? 0) / 2, y: (p.y ?? 0) + (p.height ?? 0) / 2 },
      });
    }
  };
  for (const child of out.children ?? []) {
    visit(child, groupIds.has(child.id));
    for (const grandchild of child.children ?? []) visit(grandchild, false);
  }
  const edges = [...(out.edges ?? [])];
  for (const child of out.children ?? []) edges.push(...(child.edges ?? []));
  for (const e of edges as ElkExtendedEdge[]) {
    const s = portAt.get(e.sources[0]);
    const t = portAt.get(e.targets[0]);
    if (s && t) result.ends.set(e.id, { source: s.at, target: t.at });
    const bends: Point[] = [];
    for (const section of e.sections ?? []) {
      for (const b of section.bendPoints ?? []) bends.push({ x: b.x, y: b.y });
    }
    result.bends.set(e.id, bends);
  }
  return result;
}

export interface LayoutOptions {
  /** The worker is stopped and the layout refused after this long. */
  timeoutMs: number;
}

/** Lays out a page in a worker; refuses (`unavailable`) a layout that runs over the timeout. */
export async function layoutGraph(g: LayoutGraph, opts: LayoutOptions): Promise<LayoutResult> {
  const out = await runElkInWorker(toElkGraph(g), opts.timeoutMs);
  return fromElkGraph(out, new Set(g.groups.map((grp) => grp.id)));
}

type WorkerReply = { id: number; ok: true; graph: ElkNode } | {
  id: number;
  ok: false;
  message: string;
};

interface Pending {
  resolve(graph: ElkNode): void;
  reject(err: Error): void;
}

/**
 * The one layout worker, started on first use and kept while it works well: it does not keep
 * the process alive while idle, and is stopped (with every layout queued on it) when one runs
 * over its timeout or the worker fails.
 */
let current: { worker: Worker; pending: Map<number, Pending> } | null = null;
let nextId = 1;

function layoutWorker(): { worker: Worker; pending: Map<number, Pending> } {
  if (current) return current;
  const worker = new Worker(new URL("./layout_worker.ts", import.meta.url));
  const pending = new Map<number, Pending>();
  const state = { worker, pending };
  const fail = (err: Error) => {
    if (current === state) current = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  worker.on("message", (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.graph);
    else p.reject(new Error(`The layout engine failed: ${reply.message}`));
  });
  worker.on("error", (err: Error) => fail(new Error(`The layout engine failed: ${err.message}`)));
  worker.on("exit", () => fail(new Error("The layout engine stopped")));
  worker.unref();
  current = state;
  return state;
}

/** Stops the layout worker (layouts in progress fail); the next layout starts a new one. */
export async function stopLayoutWorker(): Promise<void> {
  const state = current;
  current = null;
  if (state) await state.worker.terminate();
}

/** Runs ELK on a graph in the layout worker; refuses (`unavailable`) one over the timeout. */
export function runElkInWorker(graph: ElkNode, timeoutMs: number): Promise<ElkNode> {
  const state = layoutWorker();
  const id = nextId++;
  return new Promise<ElkNode>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (!state.pending.delete(id)) return;
      reject(
        new AppError(
          "unavailable",
          `Cannot lay out the diagram: the layout ran longer than ${
            Math.round(timeoutMs / 1000)
          } s; choose a narrower scope`,
          { reason: "layout_timeout", timeoutMs },
        ),
      );
      // ELK cannot be interrupted: the worker goes, and with it whatever was queued behind.
      if (current === state) current = null;
      state.worker.terminate();
    }, timeoutMs);
    state.pending.set(id, {
      resolve: (g) => {
        clearTimeout(timer);
        resolve(g);
      },
      reject: (err) => {
        clearTimeout(timer);
        reject(err);
      },
    });
    // Referenced while a layout is in progress, so the process waits for its answer.
    state.worker.ref();
    state.worker.postMessage({ id, graph });
  });
}
