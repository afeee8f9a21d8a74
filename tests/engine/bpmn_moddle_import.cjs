// Reads each BPMN file with bpmn-moddle (the model layer of bpmn-js, as the web modeler and
// SpiffArena's modeler use it) and prints, as JSON, the warnings it raises per file.
const fs = require("fs");
const { BpmnModdle } = require("bpmn-moddle");


async function main() {
  const moddle = new BpmnModdle();
  const report = {};
  for (const path of process.argv.slice(2)) {
    try {
      const { rootElement, warnings } = await moddle.fromXML(fs.readFileSync(path, "utf8"));
      const diagrams = (rootElement.diagrams || []).length;
      report[path] = { warnings: warnings.map((warning) => warning.message), diagrams };
    } catch (error) {
      report[path] = { error: String(error.message || error) };
    }
  }
  process.stdout.write(JSON.stringify(report));
}

main();
