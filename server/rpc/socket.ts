// WebSocket glue: one JSON-RPC session per connection. Messages are handled concurrently, so a
// slow call never blocks the next one; subscriptions turn hub events into notifications.
import type { AppEvent, EventHub } from "../events.ts";
import type { Logger } from "../log.ts";
import { diagramAccess } from "../tools/diagram_acl.ts";
import type { ToolContext, ToolRegistry } from "../tools/tool.ts";
import { dispatchText, type ExtraMethod } from "./dispatch.ts";
import { errorResponse, INVALID_REQUEST } from "./protocol.ts";

export interface SocketDeps {
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
  maxMessageBytes: number;
  /** Builds the context of one call on this connection. */
  context: (requestId: string) => ToolContext;
  onOpen?: () => void;
  onClose?: () => void;
  /** Called after each tools/call (metrics and the access log). */
  onToolCall?: (name: string, ok: boolean, ms: number, requestId: string) => void;
}

export type Topic = "diagrams" | "pools" | "alerts" | "devices";
const EVENT_TOPIC: Record<string, Topic> = {
  "diagram-changed": "diagrams",
  "diagram-stale": "diagrams",
  "pool-changed": "pools",
  "alert": "alerts",
  "device-changed": "devices",
};

interface Subscription {
  topics: Set<Topic>;
  /** When set for a topic, only events about these ids are delivered. */
  ids: Partial<Record<Topic, Set<number>>>;
}

function eventEntityId(event: AppEvent): number | undefined {
  const v = event.diagramId ?? event.poolId ?? event.deviceId;
  return typeof v === "number" ? v : undefined;
}

/** Upgrades the request and serves JSON-RPC on the socket. */
export function serveWebSocket(req: Request, deps: SocketDeps, protocol?: string): Response {
  const { socket, response } = Deno.upgradeWebSocket(req, { protocol, idleTimeout: 120 });
  const sub: Subscription = { topics: new Set(), ids: {} };
  let seq = 0;
  let unsubscribe: (() => void) | null = null;
  const connId = crypto.randomUUID().slice(0, 8);

  const send = (text: string) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  const subscribe: ExtraMethod = (params) => {
    const p = (params ?? {}) as { topics?: unknown; diagramIds?: unknown; poolIds?: unknown };
    const topics = Array.isArray(p.topics) ? p.topics : ["diagrams", "pools", "alerts"];
    for (const t of topics) {
      if (!["diagrams", "pools", "alerts", "devices"].includes(t as string)) {
        return Promise.reject(new TypeError(`Unknown topic ${String(t)}`));
      }
      sub.topics.add(t as Topic);
    }
    const setIds = (topic: Topic, ids: unknown) => {
      if (Array.isArray(ids)) sub.ids[topic] = new Set(ids.map(Number).filter(Number.isFinite));
    };
    setIds("diagrams", p.diagramIds);
    setIds("pools", p.poolIds);
    // Per-user diagram access: diagram events are delivered only to those who may see the
    // diagram (a deleted one only to whoever deleted it), in order, after a database check.
    const ctx = deps.context(`${connId}-events`);
    const aclOn = ctx.config.ARCHIFLOW_DIAGRAM_ACL === "owner" && ctx.actor.scope !== "admin";
    let ordered: Promise<void> = Promise.resolve();
    unsubscribe ??= deps.events.subscribe((event) => {
      const topic = EVENT_TOPIC[event.type];
      if (!topic || !sub.topics.has(topic)) return;
      const only = sub.ids[topic];
      const entity = eventEntityId(event);
      if (only && (entity === undefined || !only.has(entity))) return;
      const { type, ...params } = event;
      const text = JSON.stringify({ jsonrpc: "2.0", method: `notifications/${type}`, params });
      if (!aclOn) return send(text);
      ordered = ordered.then(async () => {
        if (topic === "diagrams" && entity !== undefined) {
          const mine = event.deleted === true && event.by === ctx.actor.user;
          if (!mine && !(await diagramAccess(ctx.db, ctx, entity))) return;
        }
        send(text);
      }).catch((err) => ctx.log.warn("cannot check a notification's diagram", { err }));
    });
    return Promise.resolve({ topics: [...sub.topics] });
  };
  const unsubscribeMethod: ExtraMethod = () => {
    sub.topics.clear();
    sub.ids = {};
    return Promise.resolve({ topics: [] });
  };

  socket.onopen = () => deps.onOpen?.();
  socket.onclose = () => {
    unsubscribe?.();
    deps.onClose?.();
  };
  socket.onerror = () => {};
  socket.onmessage = async (event) => {
    const data = event.data;
    const size = typeof data === "string"
      ? data.length
      : data instanceof ArrayBuffer
      ? data.byteLength
      : (data as Blob).size;
    if (size > deps.maxMessageBytes) {
      send(JSON.stringify(errorResponse(
        null,
        INVALID_REQUEST,
        `Invalid Request: message of ${size} bytes exceeds the limit of ${deps.maxMessageBytes} bytes`,
      )));
      return;
    }
    const text = typeof data === "string" ? data : new TextDecoder().decode(
      data instanceof ArrayBuffer ? data : await (data as Blob).arrayBuffer(),
    );
    const requestId = `${connId}-${++seq}`;
    const reply = await dispatchText(text, {
      registry: deps.registry,
      context: () => deps.context(requestId),
      extraMethods: { subscribe, unsubscribe: unsubscribeMethod },
      onInternalError: (err, method) =>
        deps.log.error("internal error", { method, requestId, error: String(err) }),
      onToolCall: (name, ok, ms) => deps.onToolCall?.(name, ok, ms, requestId),
    });
    if (reply !== null) send(reply);
  };
  return response;
}
