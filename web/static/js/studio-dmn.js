// The studio's decision table editor: the dmn-js Modeler (served from /static/vendor), a tab per decision,
// Validate (a finding opens its decision) and Deploy. The bpmn.io watermark stays.
(function () {
  "use strict";
  var root = document.getElementById("studio-dmn");
  if (!root || typeof window.DmnJS !== "function") { return; }

  var texts = {};
  root.querySelector("template[data-texts]").content.querySelectorAll("[data-text]").forEach(function (node) {
    texts[node.getAttribute("data-text")] = node.textContent;
  });
  function t(key, value) { return (texts[key] || key).replace("%(v)s", String(value)); }

  var csrf = root.getAttribute("data-csrf");
  var statusEl = root.querySelector("[data-status]");
  var viewsEl = root.querySelector("[data-views]");
  var modeler = new window.DmnJS({ container: root.querySelector("[data-canvas]") });
  window.studioDmnModeler = modeler;

  function status(message) { statusEl.textContent = message; }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function currentXml() { return modeler.saveXML({ format: true }).then(function (result) { return result.xml; }); }

  function renderViews() {
    viewsEl.textContent = "";
    var active = modeler.getActiveView();
    modeler.getViews().forEach(function (view) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-quiet";
      button.textContent = (view.type === "drd" ? "DRD · " : "") + (view.name || view.element.name || view.element.id);
      button.setAttribute("data-view", view.element.id);
      if (active && active.element === view.element) { button.setAttribute("aria-current", "true"); }
      button.addEventListener("click", function () { modeler.open(view); });
      viewsEl.appendChild(button);
    });
  }
  modeler.on("views.changed", renderViews);

  function openElement(elementId) {
    var view = modeler.getViews().filter(function (v) { return v.element.id === elementId; })[0];
    if (view) { modeler.open(view); }
  }

  function showReport(report) {
    window.StudioFindings.show(root, report, t, function (finding, button) {
      button.addEventListener("click", function () { openElement(finding.element_id); });
      return true;
    });
  }

  var actions = {
    download: function () {
      currentXml().then(function (xml) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
        link.download = root.getAttribute("data-filename");
        document.body.appendChild(link);
        link.click();
        link.remove();
      });
    },
    validate: function () {
      status(t("validating"));
      currentXml().then(function (xml) { return post(root.getAttribute("data-validate-url"), { xml: xml }); })
        .then(function (result) {
          if (result.status !== 200) { throw new Error(String(result.status)); }
          showReport(result.data);
          status(result.data.ok ? t("valid") : t("invalid"));
        }).catch(function () { status(t("failed")); });
    },
    deploy: function () {
      status(t("deploying"));
      currentXml().then(function (xml) { return post(root.getAttribute("data-deploy-url"), { xml: xml }); })
        .then(function (result) {
          showReport(result.data);
          if (result.status === 422) { status(t("invalid")); return; }
          if (result.status !== 200) { throw new Error(String(result.status)); }
          var versions = (result.data.new_versions || []).map(function (v) { return v.process_id + " v" + v.version; });
          status(versions.length ? t("deployed", versions.join(", ")) : t("unchanged"));
          root.setAttribute("data-deployed", versions.join(" "));
        }).catch(function () { status(t("failed")); });
    }
  };
  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.getAttribute("data-action")](); });
  });

  status(t("loading"));
  fetch(root.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.text(); })
    .then(function (xml) { return modeler.importXML(xml); })
    .then(function () {
      var table = modeler.getViews().filter(function (v) { return v.type === "decisionTable"; })[0];
      return table ? modeler.open(table) : null;
    })
    .then(function () { renderViews(); root.setAttribute("data-ready", "true"); status(""); })
    .catch(function () { status(t("load-error")); });
})();
