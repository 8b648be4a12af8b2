// A NetBox double for tests and demos: serves NetBox 4.x REST responses (paginated, filtered,
// token-authenticated) straight from a NetBox PostgreSQL database such as the 4.2 demo dump, takes
// the writes that write-back and deploy need, and signs webhooks the way NetBox does.
// Over 400 lines on purpose: one Hono app that mirrors NetBox's REST surface route by route; its
// SQL is in tests/netbox_double/sql/ and its schema checks in the tests.
import { Hono } from "hono";
import type { Db } from "../../server/db/db.ts";
import { sql } from "./queries.ts";
import { openPostgres } from "../../server/db/postgres.ts";

export interface DoubleOptions {
  /** API token the double accepts as `Token <t>` or `Bearer <t>`. */
  token: string;
  /** NetBox version reported by /api/status/; 4.6 and newer also page with `start`. */
  version?: string;
  /** Where to POST webhooks for writes made through the double, and the signing secret. */
  webhook?: { url: string; secret: string } | null;
  /** Answer every request with this status (simulates an outage); null serves normally. */
}

export interface DoubleControl {
  /** When set, every API request fails with this HTTP status (an outage, throttling). */
  failWith: number | null;
  /** Requests served, by method and path, for tests that count calls. */
  requests: { method: string; path: string; query: string }[];
  webhook: { url: string; secret: string } | null;
}

const LISTS: Record<string, string> = {
  "dcim/sites": "NbListSites",
  "dcim/devices": "NbListDevices",
  "dcim/interfaces": "NbListInterfaces",
  "dcim/cables": "NbListCables",
  "ipam/prefixes": "NbListPrefixes",
  "ipam/ip-addresses": "NbListIpAddresses",
  "ipam/vlans": "NbListVlans",
};

/** The model name NetBox puts in webhook payloads for each list path. */
const MODELS: Record<string, string> = {
  "dcim/sites": "site",
  "dcim/devices": "device",
  "dcim/interfaces": "interface",
  "dcim/cables": "cable",
  "ipam/prefixes": "prefix",
  "ipam/ip-addresses": "ipaddress",
  "ipam/vlans": "vlan",
};

/** Filter names accepted per endpoint for the "parent" filter slot ($7 of the list queries). */
const PARENT_FILTER: Record<string, string> = {
  "dcim/sites": "id",
  "dcim/devices": "site_id",
  "dcim/interfaces": "device_id",
  "dcim/cables": "device_id",
  "ipam/prefixes": "site_id",
  "ipam/ip-addresses": "device_id",
  "ipam/vlans": "site_id",
};
/** Filter name for the "name" slot ($6). */
const NAME_FILTER: Record<string, string> = {
  "dcim/sites": "name",
  "dcim/devices": "name",
  "dcim/interfaces": "name",
  "dcim/cables": "label",
  "ipam/prefixes": "prefix",
  "ipam/ip-addresses": "address",
  "ipam/vlans": "name",
};

const KNOWN_PARAMS = new Set([
  "limit",
  "offset",
  "start",
  "fields",
  "brief",
  "ordering",
  "id",
  "id__gt",
  "last_updated__gte",
  ...Object.values(PARENT_FILTER),
  ...Object.values(NAME_FILTER),
]);

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split(".").map((x) => Number(x) || 0);
  return a > major || (a === major && b >= minor);
}

/** HMAC-SHA512 of the body, hex, as NetBox sends it in X-Hook-Signature. */
export async function signBody(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-512" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function pickFields(obj: Record<string, unknown>, fields: string[] | null) {
  if (!fields) return obj;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in obj) out[f] = obj[f];
  return out;
}

const list = (v: string | undefined) =>
  v === undefined ? null : v.split(",").map((s) => s.trim()).filter(Boolean);

const error = (detail: string, status: number) =>
  new Response(JSON.stringify({ detail }), {
    status,
    headers: { "content-type": "application/json" },
  });

export function createDoubleApp(db: Db, options: DoubleOptions) {
  const version = options.version ?? "4.2.2";
  const control: DoubleControl = { failWith: null, requests: [], webhook: options.webhook ?? null };
  const app = new Hono();

  const baseOf = (url: string) => new URL(url).origin;

  app.use("/api/*", async (c, next) => {
    const url = new URL(c.req.url);
    control.requests.push({ method: c.req.method, path: url.pathname, query: url.search });
    if (control.failWith !== null) return error("Service unavailable", control.failWith);
    const auth = c.req.header("authorization") ?? "";
    const m = auth.match(/^(Token|Bearer)\s+(\S+)$/);
    if (!m) return error("Authentication credentials were not provided.", 403);
    if (m[2] !== options.token) return error("Invalid token", 403);
    await next();
  });

  app.get("/api/status/", (c) =>
    c.json({
      "django-version": "5.1.5",
      "installed-apps": {},
      "netbox-version": version,
      "netbox-full-version": `${version}-Docker`,
      plugins: {},
      "python-version": "3.12.3",
      "rq-workers-running": 1,
    }));

  /** One object as the list endpoint renders it, or null. */
  const fetchOne = async (kind: string, base: string, id: number) => {
    const rows = await db.query<{ obj: Record<string, unknown> }>(sql(LISTS[kind]), [
      base,
      [id],
      null,
      null,
      null,
      null,
      null,
      1,
      0,
    ]);
    return rows[0]?.obj ?? null;
  };

  const emit = async (
    kind: string,
    event: "created" | "updated" | "deleted",
    data: Record<string, unknown>,
    prechange: Record<string, unknown> | null,
  ) => {
    const requestId = crypto.randomUUID();
    await db.query(sql("NbInsertObjectChange"), [
      requestId,
      event === "created" ? "create" : event === "updated" ? "update" : "delete",
      data.id,
      String(data.display ?? data.id),
      prechange ? JSON.stringify(prechange) : null,
      event === "deleted" ? null : JSON.stringify(data),
      kind.split("/")[0],
      MODELS[kind],
    ]);
    const hook = control.webhook;
    if (!hook) return;
    const body = JSON.stringify({
      event,
      timestamp: new Date().toISOString(),
      model: MODELS[kind],
      username: "admin",
      request_id: requestId,
      data,
      snapshots: { prechange, postchange: event === "deleted" ? null : data },
    });
    await fetch(hook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hook-signature": await signBody(hook.secret, body),
      },
      body,
    }).then((r) => r.body?.cancel()).catch(() => {});
  };

  app.get("/api/core/object-changes/", async (c) => {
    const url = new URL(c.req.url);
    const q = url.searchParams;
    const limit = Math.min(Number(q.get("limit") ?? 50) || 50, 1000);
    const offset = Number(q.get("offset") ?? 0) || 0;
    const rows = await db.query<{ obj: Record<string, unknown>; total: number }>(
      sql("NbListObjectChanges"),
      [
        baseOf(c.req.url),
        q.get("action"),
        q.get("time_after"),
        q.get("changed_object_type"),
        limit,
        offset,
      ],
    );
    const total = rows[0]?.total ?? 0;
    const next = new URL(url);
    next.searchParams.set("offset", String(offset + limit));
    next.searchParams.set("limit", String(limit));
    return c.json({
      count: total,
      next: offset + rows.length < total ? next.toString() : null,
      previous: null,
      results: rows.map((r) => pickFields(r.obj, list(q.get("fields") ?? undefined))),
    });
  });

  for (const kind of Object.keys(LISTS)) {
    app.get(`/api/${kind}/`, async (c) => {
      const url = new URL(c.req.url);
      const q = url.searchParams;
      for (const k of q.keys()) {
        if (!KNOWN_PARAMS.has(k)) return error(`Unsupported filter: ${k}`, 400);
      }
      const limit = Math.min(Number(q.get("limit") ?? 50) || 50, 1000);
      const offset = Number(q.get("offset") ?? 0) || 0;
      const startParam = q.get("start");
      if (startParam !== null && !versionAtLeast(version, 4, 6)) {
        return error("Unsupported filter: start", 400);
      }
      if (startParam !== null && q.has("offset")) {
        return error("The start and offset parameters are mutually exclusive.", 400);
      }
      const start = startParam === null ? null : Number(startParam);
      const fields = list(q.get("fields") ?? undefined);
      const idGt = q.get("id__gt") === null ? null : Number(q.get("id__gt"));
      const since = q.get("last_updated__gte");
      const ids = q.getAll("id").length ? q.getAll("id").map(Number) : null;
      const names = q.getAll(NAME_FILTER[kind]).length ? q.getAll(NAME_FILTER[kind]) : null;
      const parentKey = PARENT_FILTER[kind];
      const parents = parentKey !== "id" && q.getAll(parentKey).length
        ? q.getAll(parentKey).map(Number)
        : null;
      const base = baseOf(c.req.url);
      let results: Record<string, unknown>[];
      let total: number;
      if (fields && fields.length === 1 && fields[0] === "id" && !ids && !names && !parents) {
        const rows = await db.query<{ id: number }>(sql("NbListIds"), [
          kind.split("/")[1],
          idGt,
          start,
          since,
          limit,
          start === null ? offset : 0,
        ]);
        results = rows.map((r) => ({ id: r.id }));
        // Cursor pages carry no count, as in NetBox 4.6.
        total = start === null ? await countOnly(kind, idGt, start, since) : 0;
      } else {
        const rows = await db.query<{ obj: Record<string, unknown>; total: number }>(
          sql(LISTS[kind]),
          [base, ids, idGt, start, since, names, parents, limit, start === null ? offset : 0],
        );
        results = rows.map((r) => pickFields(r.obj, fields));
        total = rows[0]?.total ?? 0;
        if (!rows.length && offset > 0) {
          total = await countOnly(kind, idGt, start, since);
        }
      }
      const page = (params: Record<string, string>) => {
        const u = new URL(url);
        for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
        return u.toString();
      };
      if (start !== null) {
        const last = results.at(-1)?.id as number | undefined;
        return c.json({
          count: null,
          next: results.length === limit && last !== undefined
            ? page({ start: String(last + 1), limit: String(limit) })
            : null,
          previous: null,
          results,
        });
      }
      return c.json({
        count: total,
        next: offset + results.length < total
          ? page({ offset: String(offset + limit), limit: String(limit) })
          : null,
        previous: offset > 0
          ? page({ offset: String(Math.max(0, offset - limit)), limit: String(limit) })
          : null,
        results,
      });
    });

    app.get(`/api/${kind}/:id{[0-9]+}/`, async (c) => {
      const obj = await fetchOne(kind, baseOf(c.req.url), Number(c.req.param("id")));
      return obj ? c.json(obj) : error("No matching object found.", 404);
    });

    app.patch(`/api/${kind}/:id{[0-9]+}/`, async (c) => {
      const id = Number(c.req.param("id"));
      const body = await c.req.json().catch(() => null) as Record<string, unknown> | null;
      if (!body || typeof body !== "object") return error("Invalid JSON body", 400);
      const base = baseOf(c.req.url);
      const before = await fetchOne(kind, base, id);
      if (!before) return error("No matching object found.", 404);
      await db.query(sql("NbPatchObject"), [
        kind.split("/")[1],
        id,
        (body.name ?? body.label ?? body.dns_name ?? null) as string | null,
        (body.description ?? null) as string | null,
        (body.status ?? null) as string | null,
        (body.primary_ip4 ?? null) as number | null,
      ]);
      const after = (await fetchOne(kind, base, id))!;
      await emit(kind, "updated", after, before);
      return c.json(after);
    });

    app.delete(`/api/${kind}/:id{[0-9]+}/`, async (c) => {
      const id = Number(c.req.param("id"));
      const before = await fetchOne(kind, baseOf(c.req.url), id);
      if (!before) return error("No matching object found.", 404);
      const rows = await db.query(sql("NbDeleteObject"), [kind.split("/")[1], id]);
      if (!rows.length) return error(`Deleting ${kind} ${id} is not supported here`, 409);
      await emit(kind, "deleted", before, before);
      return new Response(null, { status: 204 });
    });
  }

  const countOnly = async (
    kind: string,
    idGt: number | null,
    start: number | null,
    since: string | null,
  ) => {
    const [row] = await db.query<{ total: number }>(sql("NbCountIds"), [
      kind.split("/")[1],
      idGt,
      start,
      since,
    ]);
    return row?.total ?? 0;
  };

  const created = async (c: { req: { url: string } }, kind: string, id: number) => {
    const obj = (await fetchOne(kind, baseOf(c.req.url), id))!;
    await emit(kind, "created", obj, null);
    return new Response(JSON.stringify(obj), {
      status: 201,
      headers: { "content-type": "application/json" },
    });
  };

  const refId = (v: unknown): number | null =>
    typeof v === "number" ? v : v && typeof v === "object" && "id" in v ? Number(v.id) : null;

  app.post("/api/ipam/ip-addresses/", async (c) => {
    const b = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    if (!b || typeof b.address !== "string") return error("address: This field is required.", 400);
    const iface = b.assigned_object_type === "dcim.interface" ? refId(b.assigned_object_id) : null;
    try {
      const [row] = await db.query<{ id: number }>(sql("NbInsertIpAddress"), [
        b.address,
        b.status ?? null,
        b.description ?? null,
        iface,
        b.dns_name ?? null,
      ]);
      return await created(c, "ipam/ip-addresses", row.id);
    } catch (err) {
      return error(`address: ${err instanceof Error ? err.message : err}`, 400);
    }
  });

  app.post("/api/dcim/devices/", async (c) => {
    const b = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    if (!b || typeof b.name !== "string") return error("name: This field is required.", 400);
    const [refs] = await db.query<Record<string, number>>(sql("NbLookupRefs"));
    const [row] = await db.query<{ id: number }>(sql("NbInsertDevice"), [
      b.name,
      refId(b.device_type) ?? refs.device_type_id,
      refId(b.role) ?? refs.role_id,
      refId(b.site) ?? refs.site_id,
      b.asset_tag ?? null,
      b.status ?? null,
      b.description ?? null,
    ]);
    return await created(c, "dcim/devices", row.id);
  });

  app.post("/api/dcim/interfaces/", async (c) => {
    const b = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    const device = refId(b?.device);
    if (!b || typeof b.name !== "string" || device === null) {
      return error("device, name: These fields are required.", 400);
    }
    const [row] = await db.query<{ id: number }>(sql("NbInsertInterface"), [
      device,
      b.name,
      b.type ?? null,
      b.description ?? null,
    ]);
    return await created(c, "dcim/interfaces", row.id);
  });

  app.post("/api/dcim/cables/", async (c) => {
    const b = await c.req.json().catch(() => null) as Record<string, unknown> | null;
    const end = (v: unknown) => {
      const t = Array.isArray(v) && v.length === 1 ? v[0] as Record<string, unknown> : null;
      return t && t.object_type === "dcim.interface" ? Number(t.object_id) : null;
    };
    const a = end(b?.a_terminations);
    const z = end(b?.b_terminations);
    if (a === null || z === null) {
      return error("a_terminations, b_terminations: one dcim.interface each is supported", 400);
    }
    const rows = await db.query<{ id: number }>(sql("NbInsertCable"), [
      a,
      z,
      b?.status ?? null,
      b?.label ?? null,
    ]);
    if (!rows.length) return error("An interface is already connected to a cable", 400);
    return await created(c, "dcim/cables", rows[0].id);
  });

  app.notFound(() => error("Not found.", 404));
  // Failures say why, so a test that trips over the double can tell what happened.
  app.onError((err) => error(`Server error: ${err instanceof Error ? err.message : err}`, 500));
  return { app, control };
}

export interface RunningDouble {
  url: string;
  db: Db;
  control: DoubleControl;
  close(): Promise<void>;
}

/** Serves the double on a port (0 picks one) over the NetBox database at databaseUrl. */
export async function startNetboxDouble(
  databaseUrl: string,
  options: DoubleOptions & { port?: number; hostname?: string },
): Promise<RunningDouble> {
  const db = openPostgres(databaseUrl, { max: 4, applicationName: "netbox-double" });
  const { app, control } = createDoubleApp(db, options);
  const { promise, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? "127.0.0.1",
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, app.fetch);
  const addr = await promise;
  return {
    url: `http://${addr.hostname}:${addr.port}`,
    db,
    control,
    async close() {
      await server.shutdown();
      await db.close();
    },
  };
}
