// Shorthands of the address tests: parse a literal, format a value, expect a parse refusal.
import assert from "node:assert/strict";
import { formatIp } from "../../server/ipam/addr_format.ts";
import { parseCidr, parseIp } from "../../server/ipam/addr_parse.ts";
import { type Cidr, type IpAddr, IpParseError } from "../../server/ipam/addr_types.ts";

export const ip = (text: string): IpAddr => parseIp(text);
export const net = (text: string): Cidr => parseCidr(text);
export const fmt = (value: bigint, version: 4 | 6 = 4) => formatIp({ version, value });

/** Asserts fn throws an IpParseError whose message mentions `includes`. */
export function parseError(fn: () => unknown, includes: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IpParseError, `expected IpParseError, got ${e}`);
    assert.ok(e.message.includes(includes), `"${e.message}" should mention "${includes}"`);
    return true;
  });
}
