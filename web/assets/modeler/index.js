// The modeler page (/modeler/<process>/<version>): bpmn-js with its properties panel, our spiffworkflow
// descriptor and the Clerkflow group; validate and deploy through the server; each problem links to its
// element. Bundled by web/assets/build.mjs into web/static/vendor/modeler/modeler.js. The page passes
// its URLs in <script type="application/json" id="modeler-settings"> (the CSP allows no inline script).
// The palette and the context pad work with the keyboard too (keyboard-access.js).
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import spiffworkflow from "./spiffworkflow.json";
import { clerkflowModule } from "./clerkflow-properties.js";
import { keyboardAccessModule } from "./keyboard-access.js";
import { download, linkToDeployed, postToModeler } from "./server.js";

const settings = JSON.parse(document.getElementById("modeler-settings").textContent);
const status = document.getElementById("modeler-status");
const problems = document.getElementById("modeler-problems");

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function say(text) {
  status.textContent = text;
}

async function main() {
  const [operators, forms, processes, xml] = await Promise.all([
    getJson(settings.operators_url), getJson(settings.forms_url), getJson(settings.processes_url),
    fetch(settings.bpmn_url, { credentials: "same-origin" }).then((response) => response.text()),
  ]);
  const catalogue = { operators, forms, processes, formsUrl: settings.forms_page_url };
  const modeler = new BpmnModeler({
    container: "#modeler-canvas",
    propertiesPanel: { parent: "#modeler-properties" },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, clerkflowModule(catalogue),
      keyboardAccessModule],
    moddleExtensions: { spiffworkflow },
  });
  window.clerkflowModeler = modeler;    // the browser tests read and save the diagram through it
  const { warnings } = await modeler.importXML(xml);
  showReadably(modeler.get("canvas"));
  say(warnings.length ? `Opened with ${warnings.length} warning(s): ${warnings[0].message}` : "Opened.");
  document.body.dataset.modelerReady = "true";

  document.getElementById("modeler-validate").addEventListener("click", () => send(modeler, settings.validate_url, false));
  const deploy = document.getElementById("modeler-deploy");
  if (deploy) deploy.addEventListener("click", () => send(modeler, settings.deploy_url, true));
  document.getElementById("modeler-download").addEventListener("click", async () => {
    const { xml: saved } = await modeler.saveXML({ format: true });
    download(settings.file_name, saved);
  });
}

// The whole diagram when it can be read that way; else the start of it at a readable size.
function showReadably(canvas) {
  canvas.zoom("fit-viewport");
  if (canvas.zoom() >= 0.6) return;
  const { inner, outer } = canvas.viewbox();
  canvas.viewbox({ x: inner.x - 20, y: inner.y - 20, width: outer.width / 0.8, height: outer.height / 0.8 });
}

async function send(modeler, url, deploying) {
  const { xml } = await modeler.saveXML({ format: true });
  say(deploying ? "Deploying..." : "Validating...");
  const answer = await postToModeler(url, { bpmn: xml, file_name: settings.file_name }, settings.csrf_token);
  say(answer.message || (answer.ok ? "No problems found." : "Refused."));
  showProblems(modeler, answer.problems || []);
  if (deploying) linkToDeployed(status, answer);
}

function showProblems(modeler, list) {
  problems.replaceChildren();
  const registry = modeler.get("elementRegistry");
  for (const problem of list) {
    const item = document.createElement("li");
    const element = problem.bpmn_id && registry.get(problem.bpmn_id);
    if (element) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = problem.bpmn_id;
      button.addEventListener("click", () => {
        modeler.get("selection").select(element);
        modeler.get("canvas").scrollToElement(element);
      });
      item.append(button, ": ");
    }
    item.append(problem.message);
    problems.append(item);
  }
  problems.hidden = list.length === 0;
}

main().catch((error) => say(`The modeler could not open the diagram: ${error.message}`));
