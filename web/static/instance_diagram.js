// The diagram on the instance page and the process overview (web/templates/admin/_diagram.html):
// bpmn-js draws the BPMN read from a JSON data block; markers and overlays show what the engine said.
(function () {
  "use strict";

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

  function draw() {
    var container = document.getElementById("process-diagram");
    if (!container || typeof window.BpmnJS === "undefined") { return; }
    var xml = readJson(container.getAttribute("data-diagram-xml"));
    var marks = readJson(container.getAttribute("data-diagram-marks")) || {};
    container.textContent = "";
    var viewer = new window.BpmnJS({ container: container });
    viewer.importXML(xml).then(function () {
      viewer.get("canvas").zoom("fit-viewport");
      mark(viewer, marks);
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
