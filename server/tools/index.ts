// Every tool the server offers, in one registry shared by all transports.
import { alertTools } from "./alerts.ts";
import { deviceTools } from "./devices.ts";
import { diagramTools } from "./diagrams.ts";
import { ipamTools } from "./ipam.ts";
import { netboxTools } from "./netbox.ts";
import { opsTools } from "./ops.ts";
import { portTools } from "./ports.ts";
import { templateTools } from "./templates.ts";
import { ToolRegistry } from "./tool.ts";

export function createRegistry(): ToolRegistry {
  return new ToolRegistry([
    ...ipamTools,
    ...deviceTools,
    ...portTools,
    ...diagramTools,
    ...templateTools,
    ...opsTools,
    ...netboxTools,
    ...alertTools,
  ]);
}
