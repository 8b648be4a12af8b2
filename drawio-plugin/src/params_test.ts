import assert from "node:assert/strict";
import {
  editorParams,
  keepKeyFresh,
  keyLifetime,
  type MessageEventLike,
  type MessageWindow,
  refreshDelayMs,
  retryDelayMs,
  tokenFromHost,
  wsProtocols,
} from "./params.ts";

Deno.test("editorParams() builds the WebSocket URL on the same origin, with no key in it", () => {
  const p = editorParams("https://af.example/drawio/?embed=1&af_diagram=42&af_token=a%2Bb");
  assert.equal(p.diagramId, "42");
  assert.equal(p.wsUrl, "wss://af.example/ws");
  assert.equal("token" in p, false);
});

Deno.test("editorParams() follows af_server for a separately hosted draw.io and ignores bad ids", () => {
  const p = editorParams("https://draw.example/?af_server=http://af:3333/x&af_diagram=a%01b");
  assert.equal(p.diagramId, null);
  assert.equal(p.server, "http://af:3333");
  assert.equal(p.wsUrl, "ws://af:3333/ws");
  for (const bad of ["", "%20x", "x%20", "x".repeat(101), "a%0Ab"]) {
    assert.equal(editorParams(`https://af.example/?af_diagram=${bad}`).diagramId, null, bad);
  }
});

Deno.test("editorParams() takes any printable diagram id as text, decoded once", () => {
  for (const id of ["diagram-1", "Core DC/2", 'a b&c=d/é?#"', "1;drop", "007", "x".repeat(100)]) {
    const url = `https://af.example/drawio/?${new URLSearchParams({ af_diagram: id })}`;
    assert.equal(editorParams(url).diagramId, id);
  }
  // The editor page's own parameter works too, when draw.io is opened directly.
  assert.equal(editorParams("https://af.example/?diagram=diagram-7").diagramId, "diagram-7");
  assert.equal(editorParams("https://af.example/?diagram=%2541").diagramId, "%41");
});

Deno.test("editorParams() refuses a non-http server parameter", () => {
  const p = editorParams("http://h:1/?af_server=javascript:alert(1)");
  assert.equal(p.server, "http://h:1");
});

Deno.test("wsProtocols() offers the key as a subprotocol, and only a key a browser can send", () => {
  assert.deepEqual(wsProtocols("af_abc-DEF_1"), ["archiflow", "archiflow.token.af_abc-DEF_1"]);
  assert.deepEqual(wsProtocols("eyJ2Ijox.c2ln"), ["archiflow", "archiflow.token.eyJ2Ijox.c2ln"]);
  assert.deepEqual(wsProtocols(null), ["archiflow"]);
  assert.deepEqual(wsProtocols("a b"), ["archiflow"]);
  assert.deepEqual(wsProtocols("a,b"), ["archiflow"]);
});

/** A framed window whose parent answers token requests as the /editor host page does. */
function framed(answer: (post: (ev: MessageEventLike) => void, parent: object) => void) {
  const listeners = new Set<(ev: MessageEventLike) => void>();
  const asked: { message: unknown; origin: string }[] = [];
  const parent = {
    postMessage(message: unknown, origin: string) {
      asked.push({ message, origin });
      answer((ev) => {
        for (const fn of [...listeners]) fn(ev);
      }, parent);
    },
  };
  const win = {
    parent,
    addEventListener: (_: "message", fn: (ev: MessageEventLike) => void) => listeners.add(fn),
    removeEventListener: (_: "message", fn: (ev: MessageEventLike) => void) => listeners.delete(fn),
  };
  return { win, asked, listeners };
}

Deno.test("tokenFromHost() asks the host page and takes the key only from it", async () => {
  const { win, asked, listeners } = framed((post, parent) => {
    // Another window, and the host at another origin, are ignored; then the host answers.
    post({ source: {}, origin: "https://af.example", data: { archiflow: "token", token: "evil" } });
    post({ source: parent, origin: "https://x.example", data: { archiflow: "token", token: "x" } });
    post({ source: parent, origin: "https://af.example", data: '{"archiflow":"token"}' });
    post({
      source: parent,
      origin: "https://af.example",
      data: { archiflow: "token", token: "k" },
    });
  });
  assert.equal(await tokenFromHost(win, "https://af.example"), "k");
  assert.deepEqual(asked, [{
    message: { archiflow: "token-request" },
    origin: "https://af.example",
  }]);
  assert.equal(listeners.size, 0);
});

Deno.test("tokenFromHost() resolves null without a parent, without a key, or without an answer", async () => {
  const top = { parent: null, addEventListener() {}, removeEventListener() {} };
  assert.equal(await tokenFromHost(top, "https://af.example"), null);
  const self: MessageWindow = { parent: null, addEventListener() {}, removeEventListener() {} };
  self.parent = self as unknown as MessageWindow["parent"];
  assert.equal(await tokenFromHost(self, "https://af.example"), null);
  const none = framed((post, parent) =>
    post({
      source: parent,
      origin: "https://af.example",
      data: { archiflow: "token", token: null },
    })
  );
  assert.equal(await tokenFromHost(none.win, "https://af.example"), null);
  const silent = framed(() => {});
  assert.equal(await tokenFromHost(silent.win, "https://af.example", 5), null);
  assert.equal(silent.listeners.size, 0);
});

/** An editor token as the signer writes it; the signature is not checked by the editor. */
function editorToken(iat: number, exp: number, extra: Record<string, unknown> = {}): string {
  const json = JSON.stringify({ v: 1, sub: "alice", iat, exp, ...extra });
  const b64 = btoa(json).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${b64}.c2lnbmF0dXJl`;
}

Deno.test("tokenFromHost() with fresh asks the host for a new key, not the one it holds", async () => {
  const { win, asked } = framed((post, parent) =>
    post({ source: parent, origin: "https://af.example", data: { archiflow: "token", token: "n" } })
  );
  assert.equal(await tokenFromHost(win, "https://af.example", 1000, true), "n");
  assert.deepEqual(asked, [{
    message: { archiflow: "token-refresh" },
    origin: "https://af.example",
  }]);
});

Deno.test("keyLifetime() reads iat and exp of an editor token and nothing from an API key", () => {
  assert.deepEqual(keyLifetime(editorToken(1000, 1300, { diagram: "ü7" })), {
    iat: 1000,
    exp: 1300,
  });
  for (
    const key of [
      null,
      "",
      "af_0123456789abcdef",
      "no-dot",
      "a.b.c",
      "!!!.sig",
      `${btoa("[1]")}.sig`,
      editorToken(1300, 1000),
      editorToken(1000, 1300.5),
    ]
  ) {
    assert.equal(keyLifetime(key), null, String(key));
  }
});

Deno.test("refreshDelayMs() asks a minute before expiry, or a third of a short life before", () => {
  const now = 1_000_000 * 1000;
  // Just arrived, clocks agree: 300 s tokens are renewed after 240 s, 30 s tokens after 20 s.
  assert.equal(refreshDelayMs(editorToken(1_000_000, 1_000_300), now), 240_000);
  assert.equal(refreshDelayMs(editorToken(1_000_000, 1_000_030), now), 20_000);
  // Signed 100 s before it arrived (a page left open before the editor loaded): sooner.
  assert.equal(refreshDelayMs(editorToken(999_900, 1_000_200), now), 140_000);
  // This browser's clock an hour behind the signer's: counted from arrival, not by exp.
  assert.equal(refreshDelayMs(editorToken(1_003_600, 1_003_900), now), 240_000);
  // An hour ahead: not at once and again and again, but after a quarter of the usual wait.
  assert.equal(refreshDelayMs(editorToken(996_400, 996_700), now), 60_000);
  assert.equal(refreshDelayMs("af_0123456789abcdef", now), null);
  assert.equal(refreshDelayMs(null, now), null);
});

Deno.test("retryDelayMs() retries within the key's life, then once a minute", () => {
  const token = editorToken(1000, 1300);
  assert.equal(retryDelayMs(token, 1240 * 1000), 20_000);
  assert.equal(retryDelayMs(token, 1299 * 1000), 2_000);
  assert.equal(retryDelayMs(token, 1000 * 1000), 30_000);
  assert.equal(retryDelayMs(token, 1400 * 1000), 60_000);
  assert.equal(retryDelayMs(null, 0), 60_000);
});

/** Timers run by hand: each step runs the earliest one and advances the clock to it. */
function manualClock(start: number) {
  let now = start;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      timers.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    pending: () => timers.map((t) => t.at - now),
    async step() {
      timers.sort((a, b) => a.at - b.at);
      const t = timers.shift();
      assert.ok(t, "no timer is pending");
      now = t.at;
      t.fn();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

Deno.test("keepKeyFresh() asks before each key expires and hands every new key over", async () => {
  const clock = manualClock(1000 * 1000);
  const answers: (string | null)[] = [
    editorToken(1240, 1540),
    null,
    editorToken(1500, 1800),
  ];
  const asked: number[] = [];
  const keys: string[] = [];
  const stop = keepKeyFresh(editorToken(1000, 1300), {
    ask: () => {
      asked.push(clock.now() / 1000);
      return Promise.resolve(answers.shift() ?? null);
    },
    onKey: (k) => keys.push(k),
    ...clock,
  });
  assert.deepEqual(clock.pending(), [240_000]);
  await clock.step();
  assert.deepEqual(keys, [editorToken(1240, 1540)]);
  // The next key is asked for a minute before it expires; no answer: tried again meanwhile.
  await clock.step();
  await clock.step();
  assert.deepEqual(asked, [1240, 1480, 1500]);
  assert.deepEqual(keys, [editorToken(1240, 1540), editorToken(1500, 1800)]);
  stop();
  assert.deepEqual(clock.pending(), []);
});

Deno.test("keepKeyFresh() leaves an API key alone and ignores the same key given back", async () => {
  const clock = manualClock(1000 * 1000);
  keepKeyFresh("af_0123456789abcdef", {
    ask: () => Promise.reject(new Error("must not ask")),
    onKey: () => assert.fail("no key expected"),
    ...clock,
  });
  assert.deepEqual(clock.pending(), []);
  const first = editorToken(1000, 1030);
  const keys: string[] = [];
  keepKeyFresh(first, { ask: () => Promise.resolve(first), onKey: (k) => keys.push(k), ...clock });
  await clock.step();
  assert.deepEqual(keys, []);
  assert.deepEqual(clock.pending(), [3_333]);
});

Deno.test("editorParams() reads the site the editor was opened for, and generates only when asked for a site", () => {
  const p = editorParams(
    "https://af.example/drawio/?af_site=ams-1&af_site_name=Amsterdam%20DC&af_generate=1",
  );
  assert.equal(p.site, "ams-1");
  assert.equal(p.siteName, "Amsterdam DC");
  assert.equal(p.generate, true);
  // Without a site there is nothing to generate for; with a diagram, the diagram is opened.
  assert.equal(editorParams("https://af.example/?af_generate=1").generate, false);
  assert.equal(
    editorParams("https://af.example/?af_site=a&af_diagram=d-1&af_generate=1").generate,
    false,
  );
  assert.equal(editorParams("https://af.example/?af_site=a").generate, false);
  // A name without a site means nothing; blank and control-character values are no value.
  assert.equal(editorParams("https://af.example/?af_site_name=X").siteName, null);
  assert.equal(editorParams("https://af.example/?af_site=%20").site, null);
  assert.equal(editorParams("https://af.example/?af_site=a%01b").site, null);
  assert.equal(editorParams(`https://af.example/?af_site=${"x".repeat(201)}`).site, null);
});
