import assert from "node:assert/strict";
import { editorParams } from "./params.ts";

Deno.test("editorParams() builds the WebSocket URL with the token on the same origin", () => {
  const p = editorParams("https://af.example/drawio/?embed=1&af_diagram=42&af_token=a%2Bb");
  assert.equal(p.diagramId, 42);
  assert.equal(p.token, "a+b");
  assert.equal(p.wsUrl, "wss://af.example/ws?token=a%2Bb");
});

Deno.test("editorParams() follows af_server for a separately hosted draw.io and ignores bad ids", () => {
  const p = editorParams("https://draw.example/?af_server=http://af:3333/x&af_diagram=1;drop");
  assert.equal(p.diagramId, null);
  assert.equal(p.server, "http://af:3333");
  assert.equal(p.wsUrl, "ws://af:3333/ws");
});

Deno.test("editorParams() refuses a non-http server parameter", () => {
  const p = editorParams("http://h:1/?af_server=javascript:alert(1)");
  assert.equal(p.server, "http://h:1");
});
