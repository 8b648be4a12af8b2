// Every tool the server offers, in one registry shared by all transports.
import { alertTools } from "./alerts.ts";
import { deviceTools } from "./devices.ts";
import { diagramTools } from "./diagrams.ts";
import { generateTools } from "./generate.ts";
import { ipAllocationTools } from "./ip_allocations.ts";
import { ipPoolTools } from "./ip_pools.ts";
import { netboxTools } from "./netbox.ts";
import { opsTools } from "./ops.ts";
import { portTools } from "./ports.ts";
import { refreshTools } from "./refresh.ts";
import { templateTools } from "./templates.ts";
import { ToolRegistry } from "./tool.ts";

export function createRegistry(): ToolRegistry {
  return new ToolRegistry([
    ...ipPoolTools,
    ...ipAllocationTools,
    ...deviceTools,
    ...portTools,
    ...diagramTools,
    ...generateTools,
    ...refreshTools,
    ...templateTools,
    ...opsTools,
    ...netboxTools,
    ...alertTools,
  ]);
}
