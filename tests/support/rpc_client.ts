// The tests' JSON-RPC client is the benches' (server/tasks/rpc_client.ts): one client for both.
export * from "../../server/tasks/rpc_client.ts";
