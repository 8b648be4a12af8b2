// WebSocket glue: one JSON-RPC session per connection. Two messages are handled at a time, so
// one slow call does not block the next, while the next waits until the client has taken the
// answers before it (backpressure); subscriptions turn hub events into notifications. The
// connection's credential is checked again while it stays open (socket_credential.ts), so
// revocation and expiry reach sockets too.
import { enforceEditorGrant } from "../auth/editor_scope.ts";
import { AppError, errorResponse as httpErrorResponse, rpcRefusal } from "../errors.ts";
import type { AppEvent, EventHub } from "../events.ts";
import type { Logger } from "../log.ts";
import { diagramAccess } from "../tools/diagram_acl.ts";
import type { ToolContext, ToolRegistry } from "../tools/tool.ts";
import { dispatch, type ExtraMethod, type RpcSession } from "./dispatch.ts";
import { errorResponse, INVALID_PARAMS, INVALID_REQUEST } from "./protocol.ts";
import type { ResponseGate } from "./response_gate.ts";
import { utf8LongerThan } from "./socket_limits.ts";
import { fitReason, guardCredential, type SocketCredential } from "./socket_credential.ts";

export type { SocketCredential } from "./socket_credential.ts";

export interface SocketDeps {
  registry: ToolRegistry;
  events: EventHub;
  log: Logger;
  maxMessageBytes: number;
  /** Seconds without a message before a ping; no pong within as long again closes the socket. */
  idleSeconds: number;
  credential?: SocketCredential;
  /** Builds the context of one call on this connection. */
  context: (requestId: string) => ToolContext;
  onOpen?: () => void;
  onClose?: () => void;
  /** The process's gate for large responses (see response_gate.ts). */
  responses?: ResponseGate;
}

/**
 * Messages of one socket handled at once; later ones wait their turn, so a client cannot make
 * the server hold the results of hundreds of calls by sending them as separate messages.
 */
export const SOCKET_MESSAGES_IN_FLIGHT = 2;
/** Messages that may wait behind those; more are refused until the socket catches up. */
export const SOCKET_MESSAGES_WAITING = 64;

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
  ids: Partial<Record<Topic, Set<string>>>;
}

/** The event field naming what a topic's events are about: all ids are text ("pool-1"). */
const TOPIC_ID: Partial<Record<Topic, string>> = {
  diagrams: "diagramId",
  pools: "poolId",
  devices: "assetId",
};

/** An id as sent by a client or carried by an event: text, or a number taken as its text. */
function textId(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function eventEntityId(topic: Topic, event: AppEvent): string | undefined {
  const field = TOPIC_ID[topic];
  return field === undefined ? undefined : textId(event[field]);
}

/**
 * Upgrades the request and serves JSON-RPC on the socket; a request that is not a valid upgrade
 * (no Sec-WebSocket-Key, another Sec-WebSocket-Version) gets 400 instead.
 */
export function serveWebSocket(req: Request, deps: SocketDeps, protocol?: string): Response {
  const upgraded = upgrade(req, protocol, deps.idleSeconds);
  if (upgraded instanceof Response) return upgraded;
  const { socket, response } = upgraded;
  const sub: Subscription = { topics: new Set(), ids: {} };
  let seq = 0;
  let unsubscribe: (() => void) | null = null;
  const connId = crypto.randomUUID().slice(0, 8);

  const send = (text: string) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };

  const subscribe: ExtraMethod = (params) => {
    const p = (params ?? {}) as {
      topics?: unknown;
      diagramIds?: unknown;
      poolIds?: unknown;
      assetIds?: unknown;
    };
    const known: Topic[] = ["diagrams", "pools", "alerts", "devices"];
    const refuse = (message: string, data: Record<string, unknown>) =>
      Promise.reject(
        rpcRefusal("invalid", INVALID_PARAMS, `Invalid params: ${message}`, {
          ...data,
          topics: known,
        }),
      );
    if (p.topics !== undefined && !Array.isArray(p.topics)) {
      return refuse(`topics must be a list of topics (${known.join(", ")})`, {
        issues: [{ path: "topics", message: "expected an array" }],
      });
    }
    const topics: unknown[] = p.topics ?? ["diagrams", "pools", "alerts"];
    // All are checked before any is added: a refused subscribe changes nothing.
    const bad = topics.findIndex((t) => !known.includes(t as Topic));
    if (bad >= 0) {
      const t = topics[bad];
      const topic = (typeof t === "string" ? t : JSON.stringify(t)).slice(0, 100);
      return refuse(`unknown topic ${JSON.stringify(topic)}; the topics are ${known.join(", ")}`, {
        topic,
        issues: [{ path: `topics.${bad}`, message: "unknown topic" }],
      });
    }
    for (const t of topics) sub.topics.add(t as Topic);
    const setIds = (topic: Topic, ids: unknown) => {
      if (!Array.isArray(ids)) return;
      sub.ids[topic] = new Set(ids.map(textId).filter((v): v is string => v !== undefined));
    };
    setIds("diagrams", p.diagramIds);
    setIds("pools", p.poolIds);
    setIds("devices", p.assetIds);
    // Per-user diagram access: diagram events are delivered only to those who may see the
    // diagram (a deleted one only to whoever deleted it), in order, after a database check.
    const ctx = deps.context(`${connId}-events`);
    const aclOn = ctx.config.ARCHIFLOW_DIAGRAM_ACL === "owner" && ctx.actor.scope !== "admin";
    const editor = ctx.actor.editor;
    let ordered: Promise<void> = Promise.resolve();
    unsubscribe ??= deps.events.subscribe((event) => {
      const topic = EVENT_TOPIC[event.type];
      if (!topic || !sub.topics.has(topic)) return;
      const only = sub.ids[topic];
      const entity = eventEntityId(topic, event);
      if (only && (entity === undefined || !only.has(entity))) return;
      const { type, ...params } = event;
      const text = JSON.stringify({ jsonrpc: "2.0", method: `notifications/${type}`, params });
      if (!aclOn && !editor) return send(text);
      // An editor token hears only about what it may open: no pools or devices, and diagrams
      // within its grant.
      if (editor && (topic === "pools" || topic === "devices")) return;
      ordered = ordered.then(async () => {
        if (topic === "diagrams" && entity !== undefined) {
          const mine = event.deleted === true && event.by === ctx.actor.user;
          if (aclOn && !mine && !(await diagramAccess(ctx.db, ctx, entity))) return;
          if (editor && !(await editorMayOpen(ctx, entity))) return;
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

  const credential = guardCredential(socket, deps);
  socket.onopen = () => {
    deps.onOpen?.();
    credential.start();
  };
  socket.onclose = () => {
    waiting.length = 0;
    credential.stop();
    unsubscribe?.();
    deps.onClose?.();
  };
  socket.onerror = () => {};
  // Messages are handled in arrival order, a few at a time.
  let inFlight = 0;
  const waiting: MessageEvent[] = [];
  socket.onmessage = (event) => {
    if (inFlight < SOCKET_MESSAGES_IN_FLIGHT) return void run(event);
    if (waiting.length < SOCKET_MESSAGES_WAITING) return void waiting.push(event);
    send(JSON.stringify(errorResponse(
      null,
      INVALID_REQUEST,
      `Invalid Request: ${SOCKET_MESSAGES_WAITING} messages already wait behind the ` +
        `${SOCKET_MESSAGES_IN_FLIGHT} this socket is running; wait for answers before sending more`,
    )));
  };
  const run = async (event: MessageEvent) => {
    inFlight++;
    try {
      await handle(event);
    } catch (err) {
      deps.log.error("internal error", { connId, error: String(err) });
    } finally {
      inFlight--;
      const next = waiting.shift();
      if (next && socket.readyState === WebSocket.OPEN) run(next);
    }
  };
  // What this connection negotiated in initialize (dispatch.ts: STRUCTURED_CONTENT_ONLY).
  const session: RpcSession = { structuredContentOnly: false };
  const handle = async (event: MessageEvent) => {
    const data = event.data;
    const limit = deps.maxMessageBytes;
    const over = typeof data === "string"
      ? utf8LongerThan(data, limit)
      : (data instanceof ArrayBuffer ? data.byteLength : (data as Blob).size) > limit;
    if (over) {
      send(JSON.stringify(errorResponse(
        null,
        INVALID_REQUEST,
        `Invalid Request: message exceeds the limit of ${limit} bytes (ARCHIFLOW_MAX_MESSAGE_BYTES)`,
      )));
      return;
    }
    // No call runs on a credential that has been revoked or has expired since the last check.
    if (!(await credential.valid())) return;
    const text = typeof data === "string" ? data : new TextDecoder().decode(
      data instanceof ArrayBuffer ? data : await (data as Blob).arrayBuffer(),
    );
    const requestId = `${connId}-${++seq}`;
    const reply = await dispatch(text, {
      registry: deps.registry,
      context: () => deps.context(requestId),
      extraMethods: { subscribe, unsubscribe: unsubscribeMethod },
      onInternalError: (err, method) =>
        deps.log.error("internal error", { method, requestId, error: String(err) }),
      responses: deps.responses,
      session,
    });
    if (reply === null) return;
    const before = socket.bufferedAmount;
    send(reply.text);
    // Backpressure: the next message waits until the client has taken this answer, and a large
    // answer keeps its share of the process's gate until then. A client that stops reading
    // stops being served; one that stops answering pings is closed by the idle timeout.
    try {
      await drained(socket, before);
    } finally {
      reply.release?.();
    }
  };
  return response;
}

// Deno accepts any Sec-WebSocket-Version and throws on a missing key; both are the client's
// mistake, answered with 400 and the version this server speaks (RFC 6455 §4.4).
function upgrade(
  req: Request,
  protocol: string | undefined,
  idleSeconds: number,
): { socket: WebSocket; response: Response } | Response {
  const badRequest = () =>
    httpErrorResponse(
      new AppError(
        "invalid",
        "Cannot open a WebSocket: the upgrade request needs a Sec-WebSocket-Key header " +
          "and Sec-WebSocket-Version: 13",
        undefined,
        { headers: { "Sec-WebSocket-Version": "13" } },
      ),
    );
  if (req.headers.get("sec-websocket-version")?.trim() !== "13") return badRequest();
  try {
    return Deno.upgradeWebSocket(req, { protocol, idleTimeout: idleSeconds });
  } catch {
    return badRequest();
  }
}

/**
 * Completes the upgrade only to close at once with `code` and `reason` (a browser sees these,
 * never the HTTP status of a refused upgrade). The socket is still bounded by the idle timeout in
 * case the peer never answers the close.
 */
export function closeAtOnce(
  req: Request,
  code: number,
  reason: string,
  protocol: string | undefined,
  idleSeconds: number,
): Response {
  const upgraded = upgrade(req, protocol, idleSeconds);
  if (upgraded instanceof Response) return upgraded;
  const { socket, response } = upgraded;
  socket.onopen = () => socket.close(code, fitReason(reason));
  socket.onmessage = () => {};
  socket.onerror = () => {};
  return response;
}

/** Whether the caller's editor grant lets it open diagram `id` (no database work for most). */
async function editorMayOpen(ctx: ToolContext, id: string): Promise<boolean> {
  try {
    await enforceEditorGrant(ctx, "load-diagram", { id });
    return true;
  } catch (err) {
    if (err instanceof AppError && err.kind === "forbidden") return false;
    throw err;
  }
}

/** Resolves once the socket has sent what was buffered beyond `level`, or is no longer open. */
async function drained(socket: WebSocket, level: number): Promise<void> {
  while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > level) {
    await new Promise((r) => setTimeout(r, 5));
  }
}
