// Reads a BPMN file with bpmn-moddle and our spiffworkflow descriptor (what the modeler does on import)
// and writes it back (what it does on save): `node web/assets/modeler/roundtrip.mjs file.bpmn`
// prints the saved XML, and any import warnings on stderr. The round trip test runs it on processes/.
import { readFileSync } from "node:fs";
import { BpmnModdle } from "bpmn-moddle";

const spiffworkflow = JSON.parse(readFileSync(new URL("./spiffworkflow.json", import.meta.url)));
const moddle = new BpmnModdle({ spiffworkflow });
const { rootElement, warnings } = await moddle.fromXML(readFileSync(process.argv[2], "utf8"));
for (const warning of warnings) console.error(`warning: ${warning.message}`);
const { xml } = await moddle.toXML(rootElement, { format: true });
process.stdout.write(xml);
