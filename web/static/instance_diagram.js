// The diagram on the instance page and the process overview (web/templates/admin/_diagram.html):
// bpmn-js draws the BPMN read from a JSON data block; markers and overlays show what the engine said.
// The controls above it zoom (bpmn-js canvas.zoom) and give it the whole window ("Larger view"); while
// the diagram has the focus, + - 0 do the same and the arrow keys move it (canvas.scroll).
(function () {
  "use strict";

  var ZOOM_STEP = 1.25;
  var SMALLEST = 0.02;     // the records request fits a window at about a tenth: zooming out from there still works
  var LARGEST = 4;
  var MOVE = 50;         // pixels an arrow key moves the drawing; with Shift, MOVE_FAST
  var MOVE_FAST = 200;

  function readJson(id) {
    var block = document.getElementById(id);
    return block ? JSON.parse(block.textContent) : null;
  }

  function badge(text, kind) {
    var element = document.createElement("span");
    element.className = "diagram-badge diagram-badge-" + kind;
    element.textContent = text;
    return element;
  }

  function mark(viewer, marks) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    function known(id) { return registry.get(id) !== undefined; }
    function addMarker(id, name) { if (known(id)) { canvas.addMarker(id, name); } }
    function addBadge(id, text, kind) {
      if (known(id)) { overlays.add(id, { position: { bottom: -4, left: 0 }, html: badge(text, kind) }); }
    }
    (marks.completed || []).forEach(function (id) { addMarker(id, "diagram-completed"); });
    (marks.active || []).forEach(function (id) { addMarker(id, "diagram-active"); });
    (marks.failed || []).forEach(function (id) { addMarker(id, "diagram-failed"); addBadge(id, "incident", "failed"); });
    (marks.timers || []).forEach(function (timer) {
      addMarker(timer.bpmn_id, "diagram-waiting"); addBadge(timer.bpmn_id, timer.label, "waiting");
    });
    (marks.messages || []).forEach(function (message) {
      addMarker(message.bpmn_id, "diagram-waiting"); addBadge(message.bpmn_id, message.label, "waiting");
    });
    (marks.heat || []).forEach(function (row) {
      var parts = [];
      if (row.tasks) { parts.push(row.tasks + " open"); }
      if (row.timers) { parts.push(row.timers + " timer" + (row.timers === 1 ? "" : "s")); }
      if (row.messages) { parts.push(row.messages + " message" + (row.messages === 1 ? "" : "s")); }
      if (row.incidents) { parts.push(row.incidents + " incident" + (row.incidents === 1 ? "" : "s")); }
      addMarker(row.bpmn_id, row.incidents ? "diagram-failed" : "diagram-heat");
      addBadge(row.bpmn_id, parts.join(", "), row.incidents ? "failed" : "heat");
    });
  }

  // Where the instance is now (open tasks, incidents, waits) or, on the heat map, where instances wait.
  function nowIds(marks) {
    function ids(rows) { return (rows || []).map(function (row) { return row.bpmn_id; }); }
    return (marks.active || []).concat(marks.failed || [], ids(marks.timers), ids(marks.messages), ids(marks.heat));
  }

  // The view around `elements` at no more than full size, or the whole diagram when none is drawn.
  function showAround(canvas, elements) {
    if (!elements.length) { canvas.zoom("fit-viewport", "auto"); return; }
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    elements.forEach(function (element) {
      left = Math.min(left, element.x); top = Math.min(top, element.y);
      right = Math.max(right, element.x + element.width); bottom = Math.max(bottom, element.y + element.height);
    });
    var margin = 80, outer = canvas.viewbox().outer;
    var scale = Math.min(1, outer.width / (right - left + 2 * margin), outer.height / (bottom - top + 2 * margin));
    var width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({ x: (left + right - width) / 2, y: (top + bottom - height) / 2, width: width, height: height });
  }

  function viewControls(viewer, container, marks) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var figure = container.closest("figure");
    var controls = figure && figure.querySelector(".diagram-controls");
    if (!controls) { return; }
    var level = controls.querySelector(".diagram-zoom-level");
    var larger = controls.querySelector("[data-diagram-action=larger]");
    var said = "";

    function sayZoom() {
      var text = "Zoom " + Math.round(canvas.zoom() * 100) + "%";
      if (text !== said) { level.textContent = said = text; }   // the same text again would be read out again
    }
    function fit() { canvas.zoom("fit-viewport", "auto"); sayZoom(); }
    function zoomBy(factor) {
      canvas.zoom(Math.min(LARGEST, Math.max(SMALLEST, canvas.zoom() * factor)));   // about the box's centre
      sayZoom();
    }
    function setLarger(on) {
      figure.classList.toggle("diagram-larger", on);
      larger.setAttribute("aria-pressed", on ? "true" : "false");
      canvas.resized();
      fit();
      if (on) { figure.scrollIntoView({ block: "start" }); }
    }
    var actions = {
      "zoom-in": function () { zoomBy(ZOOM_STEP); },
      "zoom-out": function () { zoomBy(1 / ZOOM_STEP); },
      "fit": fit,
      "now": function () {
        showAround(canvas, nowIds(marks).map(function (id) { return registry.get(id); }).filter(Boolean));
        sayZoom();
      },
      "larger": function () { setLarger(larger.getAttribute("aria-pressed") !== "true"); }
    };
    var keys = { "+": "zoom-in", "=": "zoom-in", "-": "zoom-out", "_": "zoom-out", "0": "fit" };
    // An arrow shows more of that side: the drawing moves the other way (bpmn-js wants Ctrl with them).
    var arrows = { ArrowLeft: [1, 0], ArrowRight: [-1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-diagram-action]");
      if (button) { actions[button.getAttribute("data-diagram-action")](); }
    });
    container.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      var step = event.shiftKey ? MOVE_FAST : MOVE, arrow = arrows[event.key];
      if (arrow) {
        canvas.scroll({ dx: arrow[0] * step, dy: arrow[1] * step });
      } else if (keys[event.key]) {
        actions[keys[event.key]]();
      } else {
        return;
      }
      event.preventDefault();
    });
    figure.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && larger.getAttribute("aria-pressed") === "true") {
        setLarger(false);
        larger.focus();
      }
    });
    viewer.get("eventBus").on("canvas.viewbox.changed", sayZoom);   // zooming with the mouse wheel too
    window.addEventListener("resize", function () { canvas.resized(); });
    controls.hidden = false;
    sayZoom();
  }

  function draw() {
    var container = document.getElementById("process-diagram");
    if (!container || typeof window.BpmnJS === "undefined") { return; }
    var xml = readJson(container.getAttribute("data-diagram-xml"));
    var marks = readJson(container.getAttribute("data-diagram-marks")) || {};
    container.textContent = "";
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport", "auto");
      mark(viewer, marks);
      viewControls(viewer, container, marks);
      container.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      container.textContent = "The diagram could not be drawn: " + error.message;
      container.setAttribute("data-rendered", "error");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
