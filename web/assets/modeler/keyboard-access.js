// The palette and the context pad with the keyboard (issue 13; WCAG 2.1.1 Keyboard, 4.1.2 Name, Role,
// Value): bpmn-js draws their entries as <div class="entry">, which Tab never reaches. Each entry here is
// a button in the Tab order, named by its title ("Create task", "Append end event"), and Enter or Space
// does what a click does. A palette entry's click starts a drag ("create.start") that only a pointer can
// finish, so a keyboard activation places the new element itself: appended after the selected element
// (AutoPlace, connected to it) when that makes a flow, else at a free spot near the centre of the view,
// and then selected, so the properties panel shows it. docs/modeler.md, "Using the modeler with a keyboard".
import { is } from "bpmn-js/lib/util/ModelUtil";

const ACTIVATING_KEYS = new Set(["Enter", " "]);
const GRID = 40;              // the step, in diagram units, between the spots tried for a new element
const SPOTS_TRIED = 8;        // rings of spots around the centre of the view

function KeyboardAccess(eventBus, palette, contextPad, create, modeling, rules, selection, autoPlace,
  elementRegistry, canvas) {
  let padHadFocus = false;

  // Run one entry's action with create.start, for the time of that call only, placing what it would drag.
  function activate(trigger) {
    let placed = null;
    create.start = (event, elements, context) => {
      placed = place(Array.isArray(elements) ? elements : [elements], context || {});
    };
    try {
      trigger();
    } finally {
      delete create.start;    // the prototype's drag again
    }
    return placed;
  }

  function place(elements, context) {
    const [shape] = elements;
    const source = appendableSource(shape, elements.length);
    let created;
    if (source) {
      created = [autoPlace.append(source, shape)];
    } else {
      const spot = freeSpot(shape, elements.length > 1);
      if (!spot) return null;
      created = elements.length === 1
        ? [modeling.createShape(shape, spot.position, spot.parent, context.hints)]
        : modeling.createElements(elements, spot.position, spot.parent, context.hints);
    }
    const chosen = (context.hints && context.hints.autoSelect) || [created[0]];
    selection.select(chosen);
    canvas.scrollToElement(chosen[0]);
    return chosen;
  }

  // The one selected element a new flow node follows (with a sequence flow), if there is one.
  function appendableSource(shape, count) {
    const selected = selection.get();
    if (count !== 1 || selected.length !== 1) return null;
    const [source] = selected;
    const flowNode = (element) => is(element, "bpmn:FlowNode") && !element.waypoints && !element.labelTarget;
    if (!flowNode(source) || is(source, "bpmn:EndEvent")) return null;
    if (!is(shape, "bpmn:FlowNode") || is(shape, "bpmn:StartEvent")) return null;
    return source;
  }

  // The centre of the view, or the nearest spot to it that no shape covers, and the element to create in.
  function freeSpot(shape, several) {
    const view = canvas.viewbox();
    const centre = { x: Math.round(view.x + view.width / 2), y: Math.round(view.y + view.height / 2) };
    const width = shape.width || 100, height = shape.height || 80;
    for (let ring = 0; ring <= SPOTS_TRIED; ring += 1) {
      for (const position of ringAround(centre, ring * GRID)) {
        const box = { x: position.x - width / 2, y: position.y - height / 2, width, height };
        if (!inside(view, box) || covered(box)) continue;
        const parent = parentAt(position, shape, several);
        if (parent) return { position, parent };
      }
    }
    const parent = parentAt(centre, shape, several);
    return parent ? { position: centre, parent } : null;
  }

  function ringAround(centre, distance) {
    if (distance === 0) return [centre];
    const spots = [];
    for (let step = -distance; step <= distance; step += GRID) {
      spots.push({ x: centre.x + step, y: centre.y - distance }, { x: centre.x + step, y: centre.y + distance });
      if (Math.abs(step) !== distance) {
        spots.push({ x: centre.x - distance, y: centre.y + step }, { x: centre.x + distance, y: centre.y + step });
      }
    }
    return spots;
  }

  // A shape that is not a container (a pool, a lane, an open subprocess) already there.
  function covered(box) {
    return elementRegistry.filter((element) => !element.waypoints && element.parent && !element.hidden
      && !isContainer(element) && overlaps(box, element)).length > 0;
  }

  function isContainer(element) {
    return is(element, "bpmn:Participant") || is(element, "bpmn:Lane") || is(element, "bpmn:Group")
      || (is(element, "bpmn:SubProcess") && element.isExpanded !== false && element.width > 200);
  }

  // The innermost element at the position that may hold the new shape: a lane's pool, a subprocess, the root.
  function parentAt(position, shape, several) {
    const holders = elementRegistry.filter((element) => !element.waypoints && !element.labelTarget
      && element.parent && contains(element, position));
    holders.sort((one, other) => depth(other) - depth(one));
    holders.push(canvas.getRootElement());
    return holders.find((target) => {
      const allowed = several
        ? rules.allowed("elements.create", { elements: [shape], position, target })
        : rules.allowed("shape.create", { shape, position, target });
      return allowed && allowed !== "attach";
    }) || null;
  }

  function depth(element) {
    let count = 0;
    for (let parent = element.parent; parent; parent = parent.parent) count += 1;
    return count;
  }

  // Each entry a button in the Tab order, named for what it does.
  function makeButtons(container) {
    for (const entry of container.querySelectorAll(".entry")) {
      const name = entry.getAttribute("aria-label") || entry.getAttribute("title");
      if (!name) continue;
      entry.setAttribute("role", "button");
      entry.setAttribute("tabindex", "0");
      entry.setAttribute("aria-label", name);
    }
  }

  // Enter or Space on an entry of the container: run(entry, event), and nothing else sees the key.
  function onActivatingKey(container, run) {
    container.addEventListener("keydown", (event) => {
      const entry = ACTIVATING_KEYS.has(event.key) && !event.altKey && !event.ctrlKey && !event.metaKey
        && event.target.closest && event.target.closest(".entry");
      if (!entry) return;
      event.preventDefault();
      event.stopPropagation();
      run(entry, event);
    });
  }

  let paletteContainer = null;
  eventBus.on("palette.create", ({ container }) => {
    paletteContainer = container;
    onActivatingKey(container, (entry, event) => {
      activate(() => palette.triggerEntry(entry.dataset.action, "click", event));
      if (document.activeElement !== entry) entry.focus();    // a button keeps the focus: create another
    });
  });
  eventBus.on("palette.changed", () => paletteContainer && makeButtons(paletteContainer));

  eventBus.on("contextPad.create", ({ pad }) => onActivatingKey(pad, (entry, event) => {
    padHadFocus = true;     // the pad is drawn again for the element the action leaves selected
    activate(() => contextPad.triggerEntry(entry.dataset.action, "click", event));
    setTimeout(() => {
      padHadFocus = false;
      if (!document.activeElement || document.activeElement === document.body) canvas.focus();
    }, 0);
  }));
  eventBus.on("contextPad.open", ({ current }) => {
    makeButtons(current.html);
    if (padHadFocus) {
      padHadFocus = false;
      const first = current.html.querySelector(".entry[tabindex]");
      if (first) first.focus();
    }
  });
}

KeyboardAccess.$inject = ["eventBus", "palette", "contextPad", "create", "modeling", "rules", "selection",
  "autoPlace", "elementRegistry", "canvas"];

function contains(element, { x, y }) {
  return x >= element.x && x <= element.x + element.width && y >= element.y && y <= element.y + element.height;
}

function inside(outer, box) {
  return box.x >= outer.x && box.y >= outer.y && box.x + box.width <= outer.x + outer.width
    && box.y + box.height <= outer.y + outer.height;
}

function overlaps(box, element) {
  const margin = 20;
  return box.x < element.x + element.width + margin && element.x < box.x + box.width + margin
    && box.y < element.y + element.height + margin && element.y < box.y + box.height + margin;
}

export const keyboardAccessModule = {
  __init__: ["clerkflowKeyboardAccess"],
  clerkflowKeyboardAccess: ["type", KeyboardAccess],
};
