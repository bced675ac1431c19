// Show a version's diagram read-only (bpmn-js NavigatedViewer) and mark the elements a diff lists:
// data-added, data-removed and data-changed hold space-separated element ids.
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") { return; }

  function render(container) {
    fetch(container.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.text(); })
      .then(function (xml) {
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          ["added", "removed", "changed"].forEach(function (kind) {
            (container.getAttribute("data-" + kind) || "").split(" ").forEach(function (id) {
              if (id && registry.get(id)) { canvas.addMarker(id, "studio-" + kind); }
            });
          });
          canvas.zoom("fit-viewport");
          container.setAttribute("data-rendered", "true");
        });
      })
      .catch(function () {
        var message = document.createElement("p");
        message.className = "error-text";
        message.textContent = container.getAttribute("data-error-text") || "Error";
        container.appendChild(message);
      });
  }

  document.querySelectorAll(".studio-viewer[data-xml-url]").forEach(render);
})();
