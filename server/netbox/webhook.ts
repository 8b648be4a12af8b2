// The NetBox webhook receiver: checks X-Hook-Signature (HMAC-SHA512 of the raw body), accepts the
// payload shapes of NetBox 4.2 to 4.7, ignores repeated deliveries, applies created/updated/deleted
// to the mirror and marks the diagrams that show the changed devices as stale.
import type { Db } from "../db/db.ts";
import { sql } from "../db/queries.ts";
import { AppError } from "../errors.ts";
import { publish } from "../events.ts";
import type { Actor } from "../auth/actor.ts";
import type { Json } from "./client.ts";
import type { PoolSelection } from "./mapping.ts";
import { applyObjects, removeObject, SYNC_ACTOR } from "./sync_page.ts";
import { STAGES } from "./sync_stages.ts";

const encoder = new TextEncoder();

export async function hmacSha512Hex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-512" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as BufferSource));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares in time independent of where the strings differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export async function signatureValid(
  secret: string,
  body: Uint8Array,
  header: string | null,
): Promise<boolean> {
  if (!header) return false;
  const given = header.trim().toLowerCase().replace(/^sha512=/, "");
  return sameText(await hmacSha512Hex(secret, body), given);
}

/** NetBox model names (4.2 `model`, 4.4+ `object_type` "app.model") to sync stages. */
const STAGE_BY_MODEL: Record<string, string> = {
  site: "sites",
  vlan: "vlans",
  device: "devices",
  interface: "interfaces",
  cable: "cables",
  prefix: "prefixes",
  ipaddress: "ip_addresses",
};

export interface WebhookEvent {
  event: "created" | "updated" | "deleted";
  model: string;
  requestId: string | null;
  username: string | null;
  data: Json;
}

/** Normalises the payload shapes of NetBox 4.2 to 4.7 into one event. */
export function parsePayload(payload: unknown): WebhookEvent {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
    throw new AppError("invalid", "Webhook body is not a JSON object");
  }
  const p = payload as Json;
  const request = p.request && typeof p.request === "object" ? p.request as Json : {};
  const rawModel = typeof p.model === "string"
    ? p.model
    : typeof p.object_type === "string"
    ? p.object_type
    : null;
  if (!rawModel) throw new AppError("invalid", "Webhook payload names no model or object_type");
  const event = String(p.event ?? "").replace(/^object_/, "");
  if (!["created", "updated", "deleted"].includes(event)) {
    throw new AppError("invalid", `Unsupported webhook event ${JSON.stringify(p.event)}`);
  }
  const data = p.data && typeof p.data === "object" ? p.data as Json : null;
  if (!data || typeof data.id !== "number") {
    throw new AppError("invalid", "Webhook payload has no data object with an id");
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  return {
    event: event as WebhookEvent["event"],
    model: rawModel.split(".").at(-1)!.toLowerCase(),
    requestId: str(p.request_id) ?? str(request.id),
    username: str(p.username) ?? str(request.user) ?? str(request.username),
    data,
  };
}

export interface WebhookResult {
  status: "applied" | "ignored" | "duplicate";
  model: string;
  event: string;
  object_id: number;
  stale_diagrams: string[];
}

/** NetBox device ids an object touches, for marking diagrams stale. */
function devicesOf(model: string, data: Json): number[] {
  const id = (v: unknown) =>
    v && typeof v === "object" && typeof (v as Json).id === "number"
      ? (v as Json).id as number
      : null;
  if (model === "device") return [data.id as number];
  if (model === "interface") return [id(data.device)].filter((x): x is number => x !== null);
  if (model === "ipaddress") {
    const obj = data.assigned_object as Json | null;
    return [id(obj?.device)].filter((x): x is number => x !== null);
  }
  if (model === "cable") {
    const ends = [
      ...(Array.isArray(data.a_terminations) ? data.a_terminations : []),
      ...(Array.isArray(data.b_terminations) ? data.b_terminations : []),
    ] as Json[];
    return ends.map((t) => id((t.object as Json | null)?.device)).filter((x): x is number =>
      x !== null
    );
  }
  return [];
}

export async function handleWebhook(
  db: Db,
  selection: PoolSelection,
  body: Uint8Array,
  digestFallback = true,
): Promise<WebhookResult> {
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new AppError("invalid", "Webhook body is not valid JSON");
  }
  const ev = parsePayload(payload);
  const objectId = ev.data.id as number;
  let key: string;
  if (ev.requestId) key = `${ev.requestId}:${ev.event}:${ev.model}:${objectId}`;
  else if (digestFallback) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as BufferSource));
    key = `sha256:${[...digest].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  } else key = crypto.randomUUID();
  const stageName = STAGE_BY_MODEL[ev.model];
  const stage = STAGES.find((s) => s.name === stageName);
  const actor: Actor = {
    ...SYNC_ACTOR,
    userAgent: `netbox-webhook${ev.username ? ` (${ev.username})` : ""}`,
    requestId: ev.requestId,
  };
  return await db.transaction(async (tx) => {
    const [delivery] = await tx.query(sql("NbInsertWebhookDelivery"), [
      key,
      ev.event,
      ev.model,
      objectId,
      ev.username,
      stage ? "applied" : "ignored",
    ]);
    const result: WebhookResult = {
      status: !delivery ? "duplicate" : stage ? "applied" : "ignored",
      model: ev.model,
      event: ev.event,
      object_id: objectId,
      stale_diagrams: [],
    };
    if (!delivery || !stage) return result;
    const counts: Record<string, number> = {};
    const state = { poolsChanged: false };
    const deviceIds = devicesOf(ev.model, ev.data);
    // Asset ids as stored before the change, so a diagram bound by asset id is found too.
    const before = await tx.query<{ netbox_id: number; asset_id: string }>(
      sql("NbDeviceAssetIds"),
      [deviceIds],
    );
    if (ev.event === "deleted") {
      await removeObject(tx, stage, objectId, actor, counts, state);
    } else {
      await applyObjects(tx, stage, [ev.data], selection, actor, counts, state);
    }
    // And as stored after it (a device new here got its asset id just now).
    const after = ev.event === "deleted"
      ? []
      : await tx.query<{ netbox_id: number; asset_id: string }>(sql("NbDeviceAssetIds"), [
        deviceIds,
      ]);
    const assetIds = [...new Set([...before, ...after].map((r) => r.asset_id))];
    if (deviceIds.length) {
      const stale = await tx.query<{ id: string }>(sql("NbMarkDiagramsStale"), [
        deviceIds.map(String),
        assetIds,
      ]);
      for (const d of stale) {
        await publish(tx, {
          type: "diagram-stale",
          diagramId: d.id,
          reason: `${ev.model} ${objectId} ${ev.event} in NetBox`,
        });
      }
      result.stale_diagrams = stale.map((d) => d.id);
    }
    await publish(tx, {
      type: "netbox-changed",
      model: ev.model,
      event: ev.event,
      objectId,
    });
    return result;
  });
}
