// Render each process diagram of the case file with bpmn-js (NavigatedViewer, served from /static/vendor)
// and mark the elements the server reports: "current" (an open task) and "completed".
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") { return; }

  function showError(container) {
    var message = document.createElement("p");
    message.className = "error-text";
    message.textContent = container.getAttribute("data-error-text") || "Error";
    container.appendChild(message);
  }

  function render(container) {
    var url = container.getAttribute("data-diagram-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (payload) {
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(payload.xml).then(function () {
          var canvas = viewer.get("canvas");
          var registry = viewer.get("elementRegistry");
          Object.keys(payload.states || {}).forEach(function (elementId) {
            if (registry.get(elementId)) {
              canvas.addMarker(elementId, "ipd-" + payload.states[elementId]);
            }
          });
          canvas.zoom("fit-viewport");
          container.setAttribute("data-rendered", "true");
        });
      })
      .catch(function () { showError(container); });
  }

  document.querySelectorAll(".bpmn-diagram[data-diagram-url]").forEach(render);
})();
