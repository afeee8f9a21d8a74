// The decision table page (/modeler/<process>/<version>/decisions/<file>.dmn): dmn-js on a DMN file
// deployed with the diagram; validate and deploy post the edited table beside the version's BPMN, so
// the server checks and deploys them together. Bundled by web/assets/build.mjs into
// web/static/vendor/modeler/decision.js. The page passes its URLs in
// <script type="application/json" id="modeler-settings"> (the CSP allows no inline script).
import DmnModeler from "dmn-js/lib/Modeler";
import { download, linkToDeployed, postToModeler } from "./server.js";

const settings = JSON.parse(document.getElementById("modeler-settings").textContent);
const status = document.getElementById("modeler-status");
const problems = document.getElementById("modeler-problems");

function say(text) {
  status.textContent = text;
}

async function getText(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

async function main() {
  const [dmn, bpmn] = await Promise.all([getText(settings.dmn_url), getText(settings.bpmn_url)]);
  const modeler = new DmnModeler({ container: "#decision-editor" });
  window.clerkflowDecisionModeler = modeler;   // the browser tests read the table through it
  const { warnings } = await modeler.importXML(dmn);
  const table = modeler.getViews().find((view) => view.type === "decisionTable");
  if (table) await modeler.open(table);
  say(warnings.length ? `Opened with ${warnings.length} warning(s): ${warnings[0].message}` : "Opened.");
  document.body.dataset.modelerReady = "true";

  document.getElementById("modeler-validate").addEventListener("click", () => send(modeler, bpmn, settings.validate_url, false));
  const deploy = document.getElementById("modeler-deploy");
  if (deploy) deploy.addEventListener("click", () => send(modeler, bpmn, settings.deploy_url, true));
  document.getElementById("modeler-download").addEventListener("click", async () => {
    const { xml } = await modeler.saveXML({ format: true });
    download(settings.decision_file, xml);
  });
}

async function send(modeler, bpmn, url, deploying) {
  const { xml } = await modeler.saveXML({ format: true });
  say(deploying ? "Deploying..." : "Validating...");
  const body = { bpmn, file_name: settings.file_name, decisions: { [settings.decision_file]: xml } };
  const answer = await postToModeler(url, body, settings.csrf_token);
  say(answer.message || (answer.ok ? "No problems found." : "Refused."));
  problems.replaceChildren(...(answer.problems || []).map((problem) => {
    const item = document.createElement("li");
    item.textContent = problem.message;
    return item;
  }));
  problems.hidden = !(answer.problems || []).length;
  if (deploying) linkToDeployed(status, answer);
}

main().catch((error) => say(`The decision table could not be opened: ${error.message}`));
