// The "Clerkflow" group of the properties panel: what our engine reads from a diagram beyond plain BPMN.
// Service tasks: the operator (from the engine's registry, /modeler/operators.json), its result variable
// and one expression per parameter. Script tasks: their script (BPMN's own bpmn:script, which the
// standard panel does not show). User tasks and start events: the form file and UI schema file
// (from forms/, /modeler/forms.json) with a link to view the form. User and manual tasks: who does
// the task and its due date, named by data fields (engine/derive.py reads them); user tasks, the variable
// their answers go into. Business rule tasks:
// the decision they call (deployed with the diagram as a .dmn file). Call activities: the
// process they call, chosen among the deployed ones (/modeler/processes.json). Every task: its
// pre-script and post-script. Everything is written as the spiffworkflow extension elements SpiffArena
// writes, through bpmn-js commands (so undo works); emptying a box removes what it wrote.
import { SelectEntry, TextAreaEntry, TextFieldEntry } from "@bpmn-io/properties-panel";
import { createElement as h } from "@bpmn-io/properties-panel/preact";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const FORM_PROPERTIES = [["formJsonSchemaFilename", "Form (JSON Schema)", ".schema.json"],
                         ["formUiSchemaFilename", "UI schema", ".ui.json"]];
// spiffworkflow:property names the engine reads on a user or manual task (engine/derive.py).
const TASK_PROPERTIES = [
  ["candidateRoleVariable", "Role from a data field",
    "the name of a data field holding the role that does this task, e.g. custodian_role (the custodian of the " +
    "office the request was routed to); when the field is empty, the role below or the lane decides"],
  ["candidateRole", "Role",
    "the role that does this task when no data field names one, e.g. city_attorney; empty: the lane's name " +
    "is the role (lane \"City Clerk\" is city_clerk)"],
  ["dueDateVariable", "Due date from a data field",
    "the name of a data field holding a date and time (ISO 8601), e.g. response_due_at: shown as the task's " +
    "due date when no timer on the task's border gives one"],
];
// spiffworkflow:preScript / postScript, run on the task data by every kind of task (docs/scripting.md).
const TASK_SCRIPTS = [
  ["spiffworkflow:PreScript", "Pre-script",
    "Python run on the task data when the task begins, before anyone sees it, e.g. pages = 0 to start a " +
    "form's count at zero. The same rules as a script task (docs/scripting.md); checked by Validate."],
  ["spiffworkflow:PostScript", "Post-script",
    "Python run on the task data once the task is done (after a service task's operator), e.g. " +
    "custodian_role = custodian[\"custodian_role\"]. The same rules as a script task; checked by Validate."],
];

const CALLED_DECISION = {
  component: ExtensionNameField, type: "spiffworkflow:CalledDecisionId", label: "Decision",
  description: "the id of the DMN decision this task evaluates (its table is deployed with the diagram: " +
    "a .dmn file beside it, or the one the process last deployed); checked by Validate",
};
// spiffworkflow:variableName: SpiffWorkflow keeps the form's answers as one dict under this name (engine/answers.py).
const ANSWERS_VARIABLE = {
  component: ExtensionNameField, type: "spiffworkflow:VariableName", label: "Answers variable",
  description: "optional: a data field that holds the form's answers together, e.g. review (a script then " +
    "reads review[\"approved\"]); the form starts from what it holds. Empty: each answer is its own data field",
};

export function clerkflowModule(catalogue) {
  function ClerkflowPropertiesProvider(propertiesPanel) {
    propertiesPanel.registerProvider(500, this);
  }
  ClerkflowPropertiesProvider.$inject = ["propertiesPanel"];
  ClerkflowPropertiesProvider.prototype.getGroups = function (element) {
    return (groups) => {
      const entries = entriesFor(element, catalogue);
      if (entries.length) {
        groups.splice(1, 0, { id: "clerkflow", label: "Clerkflow", entries });
      }
      return groups;
    };
  };
  return { __init__: ["clerkflowPropertiesProvider"], clerkflowPropertiesProvider: ["type", ClerkflowPropertiesProvider] };
}

function entriesFor(element, catalogue) {
  const entries = [];
  if (is(element, "bpmn:ServiceTask")) entries.push(...serviceTaskEntries(element, catalogue));
  if (is(element, "bpmn:ScriptTask")) entries.push({ id: "clerkflow-script", element, component: ScriptTaskScript });
  if (is(element, "bpmn:BusinessRuleTask")) entries.push({ id: "clerkflow-decision", element, ...CALLED_DECISION });
  if (is(element, "bpmn:CallActivity")) {
    entries.push({ id: "clerkflow-called-element", element, catalogue, component: CalledProcessSelect });
  }
  if (is(element, "bpmn:UserTask") || is(element, "bpmn:StartEvent") || is(element, "bpmn:ManualTask")) {
    entries.push(...FORM_PROPERTIES.map(([name, label, suffix]) => ({
      id: `clerkflow-${name}`, element, catalogue, name, label, suffix, component: FormFileSelect })),
    { id: "clerkflow-form-link", element, catalogue, component: FormLink });
  }
  if (is(element, "bpmn:UserTask")) entries.push({ id: "clerkflow-variable-name", element, ...ANSWERS_VARIABLE });
  if (is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
    entries.push(...TASK_PROPERTIES.map(([name, label, description]) => ({
      id: `clerkflow-${name}`, element, name, label, description, component: TaskPropertyField })));
  }
  if (is(element, "bpmn:Activity")) {
    entries.push(...TASK_SCRIPTS.map(([type, label, description]) => ({
      id: `clerkflow-${label.toLowerCase()}`, element, type, label, description, component: TaskScript })));
  }
  return entries;
}

function serviceTaskEntries(element, catalogue) {
  const entries = [
    { id: "clerkflow-operator", element, catalogue, component: OperatorSelect },
    { id: "clerkflow-result-variable", element, component: ResultVariable },
  ];
  const operator = findExtension(element, "spiffworkflow:ServiceTaskOperator");
  const declared = catalogue.operators.find((candidate) => operator && candidate.name === operator.id);
  const names = new Map();
  for (const parameter of declared ? declared.parameters : []) names.set(parameter.name, parameter);
  for (const parameter of parametersOf(operator)) {
    if (!names.has(parameter.id)) names.set(parameter.id, { name: parameter.id, type: parameter.type, unknown: true });
  }
  for (const parameter of names.values()) {
    entries.push({ id: `clerkflow-parameter-${parameter.name}`, element, parameter, component: ParameterValue });
  }
  return entries;
}

export function findExtension(element, type) {
  const extensions = getBusinessObject(element).extensionElements;
  return extensions ? (extensions.values || []).find((value) => is(value, type)) : undefined;
}

function parametersOf(operator) {
  return operator && operator.parameterList ? operator.parameterList.parameters || [] : [];
}

function processKeyOf(element) {
  let business = getBusinessObject(element);
  while (business && !is(business, "bpmn:Process")) {
    if (is(business, "bpmn:Participant")) return business.processRef && business.processRef.id;
    business = business.$parent;
  }
  return business ? business.id : "";
}

// Finds or makes the extension element of `type` (and bpmn:extensionElements), as undoable commands.
function ensureExtension(element, type, modeling, moddle) {
  const business = getBusinessObject(element);
  let extensions = business.extensionElements;
  if (!extensions) {
    extensions = moddle.create("bpmn:ExtensionElements", { values: [] });
    extensions.$parent = business;
    modeling.updateModdleProperties(element, business, { extensionElements: extensions });
  }
  let found = (extensions.values || []).find((value) => is(value, type));
  if (!found) {
    found = moddle.create(type);
    found.$parent = extensions;
    modeling.updateModdleProperties(element, extensions, { values: [...(extensions.values || []), found] });
  }
  return found;
}

function OperatorSelect({ element, id, catalogue }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  return h(SelectEntry, {
    element, id, label: "Operator",
    description: (describe(catalogue, element) || "the engine's operator this task calls"),
    getValue: () => (findExtension(element, "spiffworkflow:ServiceTaskOperator") || {}).id || "",
    setValue: (value) => {
      const operator = ensureExtension(element, "spiffworkflow:ServiceTaskOperator", modeling, moddle);
      modeling.updateModdleProperties(element, operator, { id: value || undefined });
    },
    getOptions: () => {
      const current = (findExtension(element, "spiffworkflow:ServiceTaskOperator") || {}).id;
      const options = [{ value: "", label: "(choose an operator)" },
        ...catalogue.operators.map((operator) => ({ value: operator.name, label: operator.name }))];
      if (current && !catalogue.operators.some((operator) => operator.name === current)) {
        options.push({ value: current, label: `${current} (not registered)` });
      }
      return options;
    },
  });
}

// bpmn:callActivity's calledElement: the id of a deployed process (engine/calls.py binds the call to the
// version that is newest when an instance starts; deploy refuses a process that is not deployed).
function CalledProcessSelect({ element, id, catalogue }) {
  const modeling = useService("modeling");
  return h(SelectEntry, {
    element, id, label: "Called process",
    description: "a deployed process; each instance runs the version that was newest when it started",
    getValue: () => getBusinessObject(element).calledElement || "",
    setValue: (value) => modeling.updateProperties(element, { calledElement: value || undefined }),
    getOptions: () => {
      const current = getBusinessObject(element).calledElement;
      const options = [{ value: "", label: "(choose a deployed process)" },
        ...catalogue.processes.map((process) => ({
          value: process.process_key, label: `${process.display_name} (${process.process_key}, version ${process.version})` }))];
      if (current && !catalogue.processes.some((process) => process.process_key === current)) {
        options.push({ value: current, label: `${current} (not deployed)` });
      }
      return options;
    },
  });
}

function describe(catalogue, element) {
  const operator = findExtension(element, "spiffworkflow:ServiceTaskOperator");
  const declared = operator && catalogue.operators.find((candidate) => candidate.name === operator.id);
  return declared ? declared.description : "";
}

function ResultVariable({ element, id }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, label: "Result variable", debounce,
    description: "the task data name the operator's result is stored under",
    getValue: () => (findExtension(element, "spiffworkflow:ServiceTaskOperator") || {}).resultVariable || "",
    setValue: (value) => {
      const operator = ensureExtension(element, "spiffworkflow:ServiceTaskOperator", modeling, moddle);
      modeling.updateModdleProperties(element, operator, { resultVariable: value || undefined });
    },
  });
}

// A one-line spiffworkflow extension element holding a name (the decision a business rule task calls, the
// variable a user task's answers go into); blank removes it.
function ExtensionNameField({ element, id, type, label, description }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, label, description, debounce,
    getValue: () => (findExtension(element, type) || {}).value || "",
    setValue: (value) => {
      const existing = findExtension(element, type);
      if (value && value.trim()) {
        modeling.updateModdleProperties(element, existing || ensureExtension(element, type, modeling, moddle),
          { value: value.trim() });
      } else if (existing) {
        removeExtension(element, existing, modeling);
      }
    },
  });
}

function ParameterValue({ element, id, parameter }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  const debounce = useService("debounceInput");
  const find = () => parametersOf(findExtension(element, "spiffworkflow:ServiceTaskOperator"))
    .find((candidate) => candidate.id === parameter.name);
  const label = `${parameter.name} (${parameter.type || "expression"})${parameter.required ? " *" : ""}`;
  return h(TextFieldEntry, {
    element, id, label, debounce,
    description: parameter.unknown ? "not a parameter of this operator: remove it" :
      `${parameter.description || ""} (an expression on the task data; quote text: "police")`,
    getValue: () => (find() || {}).value || "",
    setValue: (value) => {
      const operator = ensureExtension(element, "spiffworkflow:ServiceTaskOperator", modeling, moddle);
      let list = operator.parameterList;
      if (!list) {
        list = moddle.create("spiffworkflow:Parameters", { parameters: [] });
        list.$parent = operator;
        modeling.updateModdleProperties(element, operator, { parameterList: list });
      }
      const existing = find();
      if (!value) {
        if (existing) {
          modeling.updateModdleProperties(element, list, { parameters: list.parameters.filter((p) => p !== existing) });
        }
        return;
      }
      if (existing) {
        modeling.updateModdleProperties(element, existing, { value });
      } else {
        const created = moddle.create("spiffworkflow:Parameter", { id: parameter.name, type: parameter.type, value });
        created.$parent = list;
        modeling.updateModdleProperties(element, list, { parameters: [...(list.parameters || []), created] });
      }
    },
  });
}

function spiffProperty(element, name) {
  const properties = findExtension(element, "spiffworkflow:Properties");
  return properties ? (properties.properties || []).find((property) => property.name === name) : undefined;
}

// Sets one spiffworkflow:property; no value removes it (the parser refuses a property without a value),
// and spiffworkflow:properties left with none goes too.
function setSpiffProperty(element, name, value, modeling, moddle) {
  const existing = spiffProperty(element, name);
  if (!value) {
    if (!existing) return;
    const properties = findExtension(element, "spiffworkflow:Properties");
    const rest = properties.properties.filter((property) => property !== existing);
    if (rest.length) modeling.updateModdleProperties(element, properties, { properties: rest });
    else removeExtension(element, properties, modeling);
  } else if (existing) {
    modeling.updateModdleProperties(element, existing, { value });
  } else {
    const properties = ensureExtension(element, "spiffworkflow:Properties", modeling, moddle);
    const created = moddle.create("spiffworkflow:Property", { name, value });
    created.$parent = properties;
    modeling.updateModdleProperties(element, properties, { properties: [...(properties.properties || []), created] });
  }
}

// Takes one extension element out; bpmn:extensionElements left empty goes too.
function removeExtension(element, extension, modeling) {
  const business = getBusinessObject(element);
  const rest = business.extensionElements.values.filter((value) => value !== extension);
  if (rest.length) modeling.updateModdleProperties(element, business.extensionElements, { values: rest });
  else modeling.updateModdleProperties(element, business, { extensionElements: undefined });
}

function FormFileSelect({ element, id, catalogue, name, label, suffix }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  return h(SelectEntry, {
    element, id, label,
    description: name === "formJsonSchemaFilename" ? "from forms/<process>/ or forms/" : "optional: field order, widgets",
    getValue: () => (spiffProperty(element, name) || {}).value || "",
    setValue: (value) => setSpiffProperty(element, name, value, modeling, moddle),
    getOptions: () => {
      const key = processKeyOf(element);
      const files = (catalogue.forms[key] || []).concat(catalogue.forms[""] || [])
        .filter((file) => file.endsWith(suffix));
      const current = (spiffProperty(element, name) || {}).value;
      if (current && !files.includes(current)) files.push(current);
      return [{ value: "", label: "(none)" }, ...files.map((file) => ({ value: file, label: file }))];
    },
  });
}

function TaskPropertyField({ element, id, name, label, description }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  const debounce = useService("debounceInput");
  return h(TextFieldEntry, {
    element, id, label, description, debounce,
    getValue: () => (spiffProperty(element, name) || {}).value || "",
    setValue: (value) => setSpiffProperty(element, name, (value || "").trim(), modeling, moddle),
  });
}

// A script box: several lines, monospace; blank means no script.
function scriptArea(props) {
  return h(TextAreaEntry, { ...props, rows: 4, monospace: true, autoResize: true });
}

function TaskScript({ element, id, type, label, description }) {
  const modeling = useService("modeling");
  const moddle = useService("moddle");
  const debounce = useService("debounceInput");
  return scriptArea({
    element, id, label, description, debounce,
    getValue: () => (findExtension(element, type) || {}).value || "",
    setValue: (value) => {
      const existing = findExtension(element, type);
      if (value && value.trim()) {
        modeling.updateModdleProperties(element, existing || ensureExtension(element, type, modeling, moddle), { value });
      } else if (existing) {
        removeExtension(element, existing, modeling);
      }
    },
  });
}

function ScriptTaskScript({ element, id }) {
  const modeling = useService("modeling");
  const debounce = useService("debounceInput");
  return scriptArea({
    element, id, label: "Script", debounce,
    description: "Python run on the task data, e.g. returned_late = parse_datetime(returned_at) > " +
      "parse_datetime(promised_return_at). What scripts may use: docs/scripting.md. A script task needs one.",
    getValue: () => getBusinessObject(element).script || "",
    setValue: (value) => modeling.updateModdleProperties(element, getBusinessObject(element),
      { script: value && value.trim() ? value : undefined }),
  });
}

function FormLink({ element, catalogue }) {
  const file = (spiffProperty(element, "formJsonSchemaFilename") || {}).value;
  if (!file) return null;
  const href = `${catalogue.formsUrl}/${encodeURIComponent(processKeyOf(element))}/${encodeURIComponent(file)}`;
  return h("div", { class: "bio-properties-panel-entry" },
    h("a", { href, target: "_blank", rel: "noopener" }, `View or edit ${file}`));
}
