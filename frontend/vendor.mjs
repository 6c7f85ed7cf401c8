// Copy the pinned third-party assets from node_modules into the Python package (run after `npm ci`).
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "trading_agents", "api", "assets", "dashboard", "vendor");
const assets = [
  ["lightweight-charts", "dist/lightweight-charts.standalone.production.js"],
];

mkdirSync(target, { recursive: true });
for (const [name, file] of assets) {
  const pinned = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).dependencies[name];
  const installed = JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
  if (installed !== pinned) {
    throw new Error(`${name}: ${installed} installed, ${pinned} pinned; run npm ci first`);
  }
  copyFileSync(join(here, "node_modules", name, file), join(target, file.split("/").pop()));
  console.log(`${name} ${installed} -> ${target}`);
}
