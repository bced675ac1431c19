// Draw a process version with bpmn-js (NavigatedViewer, served from /static/vendor) as a heat map: each task
// coloured by its median wait (the server picks the bucket, so the legend and the tables agree), a badge with the
// median and the cases waiting now, and on every flow out of an exclusive gateway how many cases took it.
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") { return; }

  function badge(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function showError(container) {
    var message = document.createElement("p");
    message.className = "error-text";
    message.textContent = container.getAttribute("data-error-text") || "Error";
    container.appendChild(message);
  }

  function draw(viewer, payload) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlays = viewer.get("overlays");
    payload.elements.forEach(function (element) {
      if (!registry.get(element.element_id)) { return; }
      if (element.heat) { canvas.addMarker(element.element_id, "heat-" + element.heat); }
      var parts = [];
      if (element.median_hours !== null) { parts.push("⌀ " + element.median_hours.toFixed(1) + " h"); }
      if (element.waiting_now) { parts.push("⏳ " + element.waiting_now); }
      if (parts.length) {
        overlays.add(element.element_id, "heat", {
          position: { bottom: 4, left: 0 },
          html: badge("heat-badge", parts.join(" · "))
        });
      }
    });
    payload.gateways.forEach(function (gateway) {
      Object.keys(gateway.taken).forEach(function (target) {
        registry.filter(function (flow) {
          return flow.type === "bpmn:SequenceFlow" && flow.source && flow.target &&
            flow.source.id === gateway.gateway_id && flow.target.id === target;
        }).forEach(function (flow) {
          // Overlays sit relative to the connection's bounding box: put the count by its middle bend.
          var xs = flow.waypoints.map(function (p) { return p.x; });
          var ys = flow.waypoints.map(function (p) { return p.y; });
          var middle = flow.waypoints[Math.floor(flow.waypoints.length / 2)];
          overlays.add(flow.id, "heat", {
            position: { top: middle.y - Math.min.apply(null, ys) - 10, left: middle.x - Math.min.apply(null, xs) + 4 },
            html: badge("flow-count", String(gateway.taken[target]))
          });
        });
      });
    });
  }

  function render(container) {
    fetch(container.getAttribute("data-heat-url"), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (payload) {
        var viewer = new window.BpmnJS({ container: container });
        return viewer.importXML(payload.xml).then(function () {
          draw(viewer, payload);
          viewer.get("canvas").zoom("fit-viewport");
          container.setAttribute("data-rendered", "true");
        });
      })
      .catch(function () { showError(container); });
  }

  document.querySelectorAll(".heat-map[data-heat-url]").forEach(render);
})();
