// What a person reads when the server starts: the address other machines use to reach it and,
// on the very first start, the admin key with how to use it and what to do next. Pure text from
// plain values, so it is tested without a server.

/** The address to give people, and a line on how it was chosen when they may need another. */
export interface Reach {
  /** Base URL without a trailing slash. */
  url: string;
  /** Said under the URL when other machines might not reach it as printed; otherwise null. */
  note: string | null;
}

export interface ReachInput {
  /** ARCHIFLOW_PUBLIC_URL, when set. */
  publicUrl?: string;
  /** The address the server is bound to, and its port. */
  host: string;
  port: number;
  /** This machine's name (Deno.hostname()), or null when it cannot be read. */
  machineName: () => string | null;
  /** This machine's own addresses (not loopback or link-local), IPv4 first. */
  addresses: () => string[];
}

const WILDCARD = new Set(["0.0.0.0", "::"]);

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function hostInUrl(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * The URL a person on another machine would use: ARCHIFLOW_PUBLIC_URL, else this machine's name
 * when the server listens on every interface, else the address it is bound to.
 */
export function reachOf(input: ReachInput): Reach {
  if (input.publicUrl) return { url: input.publicUrl.replace(/\/+$/, ""), note: null };
  const { host, port } = input;
  if (WILDCARD.has(host)) {
    const name = input.machineName();
    const [address] = input.addresses();
    if (name && !isLoopback(name)) {
      const url = `http://${name}:${port}`;
      const other = address ? ` or http://${hostInUrl(address)}:${port}` : "";
      return {
        url,
        note: `Other machines reach this server as ${url} (this machine's name)${other}; if ` +
          `the name does not resolve for them, set ARCHIFLOW_PUBLIC_URL to the URL they use.`,
      };
    }
    if (address) return { url: `http://${hostInUrl(address)}:${port}`, note: null };
    return {
      url: `http://localhost:${port}`,
      note: "This machine has no name or address other machines could use; set " +
        "ARCHIFLOW_PUBLIC_URL to the URL they use.",
    };
  }
  const url = `http://${hostInUrl(host)}:${port}`;
  if (isLoopback(host)) {
    return {
      url,
      note: `Listening on ${host} only, so other machines cannot connect; to serve them, set ` +
        `HOST=0.0.0.0 (every interface) or an address of this machine.`,
    };
  }
  return { url, note: null };
}

/**
 * The text printed once, when the server created its first admin key. `embedded` is true on
 * the embedded database, where a task cannot run beside the server.
 */
export function firstKeyBanner(reach: Reach, key: string, embedded: boolean): string {
  const ws = reach.url.replace(/^http/, "ws");
  return [
    "",
    "ArchiFlow created its first admin API key. It is shown only this once; keep it safe.",
    "",
    `  Editor:     ${reach.url}/editor#token=${key}`,
    // After #, the key stays in the browser: no server or proxy log ever sees it.
    "              (the key after # never leaves the browser; the page hands it to the editor)",
    `  REST, MCP:  curl -H "Authorization: Token ${key}" ${reach.url}/api/status/`,
    `  WebSocket:  ${ws}/ws with the subprotocols archiflow, archiflow.token.<key>`,
    ...(reach.note ? ["", reach.note] : []),
    "",
    'Next: open the editor link above, or follow README.md, "Walkthrough", from step 3 (keep ' +
    "the key, then a pool, addresses, a diagram).",
    "Give each person and tool a key of its own: " +
    "deno task token create --user <name> --scope read|write|admin" +
    (embedded ? " (stop the server first: the embedded database allows one process)." : ""),
    "",
  ].join("\n");
}

/** This machine's addresses others could use: IPv4 first, then IPv6 when `ipv6` is true. */
export function machineAddresses(ipv6: boolean): string[] {
  let interfaces: Deno.NetworkInterfaceInfo[];
  try {
    interfaces = Deno.networkInterfaces();
  } catch {
    return [];
  }
  const usable = (i: Deno.NetworkInterfaceInfo) =>
    !isLoopback(i.address) && !i.address.startsWith("169.254.") &&
    !/^fe[89ab]/i.test(i.address);
  const v4 = interfaces.filter((i) => i.family === "IPv4" && usable(i)).map((i) => i.address);
  const v6 = ipv6
    ? interfaces.filter((i) => i.family === "IPv6" && usable(i)).map((i) => i.address)
    : [];
  return [...new Set([...v4, ...v6])];
}

/** This machine's name, or null when it cannot be read. */
export function machineName(): string | null {
  try {
    return Deno.hostname() || null;
  } catch {
    return null;
  }
}
