// Every tool the server offers, in one registry shared by all transports.
import { alertTools } from "./alerts.ts";
import { deviceTools } from "./devices.ts";
import { ipamTools } from "./ipam.ts";
import { ToolRegistry } from "./tool.ts";

export function createRegistry(): ToolRegistry {
  return new ToolRegistry([...ipamTools, ...deviceTools, ...alertTools]);
}
