// The decision table page (/modeler/<process>/<version>/decisions/<file>.dmn): dmn-js on a DMN file
// deployed with the diagram; validate and deploy post the edited table beside the version's BPMN, so
// the server checks and deploys them together. Bundled by web/assets/build.mjs into
// web/static/vendor/modeler/decision.js. The page passes its URLs in
// <script type="application/json" id="modeler-settings"> (the CSP allows no inline script).
import DmnModeler from "dmn-js/lib/Modeler";

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
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
    link.download = settings.decision_file;
    link.click();
    URL.revokeObjectURL(link.href);
  });
}

async function send(modeler, bpmn, url, deploying) {
  const { xml } = await modeler.saveXML({ format: true });
  say(deploying ? "Deploying..." : "Validating...");
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": settings.csrf_token },
    body: JSON.stringify({ bpmn, file_name: settings.file_name, decisions: { [settings.decision_file]: xml } }),
  });
  let answer;
  try {
    answer = await response.json();
  } catch (error) {
    answer = { ok: false, message: `The server answered ${response.status}.`, problems: [] };
  }
  say(answer.message || (answer.ok ? "No problems found." : "Refused."));
  problems.replaceChildren(...(answer.problems || []).map((problem) => {
    const item = document.createElement("li");
    item.textContent = problem.message;
    return item;
  }));
  problems.hidden = !(answer.problems || []).length;
  if (deploying && answer.ok && answer.version_url) {
    const link = document.createElement("a");
    link.href = answer.version_url;
    link.textContent = `Open version ${answer.version}`;
    status.append(" ", link);
  }
}

main().catch((error) => say(`The decision table could not be opened: ${error.message}`));
