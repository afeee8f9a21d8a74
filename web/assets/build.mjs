// Builds the front-end packages the pages use into web/static/vendor/ (git ignores it; `make setup`
// and `make test` run this after `npm install`). Copies the ready-made browser builds; bundles
// (esbuild) what has none: the modeler page (web/assets/modeler/) with bpmn-js, its properties panel
// and our spiffworkflow descriptor, and the decision table page with dmn-js. Never commit the output: it is third-party code.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const vendor = join(root, "web", "static", "vendor");
const modules = join(root, "node_modules");

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });

const copies = [
  // bpmn-js: the viewer for the instance and process pages, the modeler's styles and font.
  ["bpmn-js/dist/bpmn-navigated-viewer.production.min.js", "bpmn-js/bpmn-navigated-viewer.js"],
  ["bpmn-js/dist/bpmn-modeler.production.min.js", "bpmn-js/bpmn-modeler.js"],
  ["bpmn-js/dist/assets", "bpmn-js/assets"],
  // the properties panel's styles, for the modeler page.
  ["@bpmn-io/properties-panel/dist/assets/properties-panel.css", "modeler/properties-panel.css"],
  // dmn-js: the decision table page's styles and font.
  ["dmn-js/dist/assets", "dmn-js/assets"],
  // chart.js: the dashboards' charts.
  ["chart.js/dist/chart.umd.js", "chart.js/chart.umd.js"],
];
for (const [from, to] of copies) {
  cpSync(join(modules, from), join(vendor, to), { recursive: true });
}

for (const [entry, out] of [["index.js", "modeler.js"], ["decision.js", "decision.js"]]) {
  await build({
    entryPoints: [join(root, "web", "assets", "modeler", entry)],
    outfile: join(vendor, "modeler", out),
    bundle: true, minify: true, format: "iife", target: "es2020", legalComments: "linked",
    logLevel: "warning",
  });
}
console.log(`front-end packages built into ${vendor}`);
