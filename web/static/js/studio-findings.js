// The validation report of the studio's editors (BPMN and DMN): one list, each finding a button.
// The page decides what clicking a finding does through `bind(finding, button)`, which returns
// false when the finding has nothing on the canvas to select (the button is then disabled).
(function () {
  "use strict";

  function show(root, report, t, bind) {
    var section = root.querySelector("[data-report]");
    var list = root.querySelector("[data-findings]");
    list.textContent = "";
    section.hidden = false;
    root.querySelector("[data-report-summary]").textContent = report.ok ? t("valid") : t("invalid");
    section.setAttribute("data-ok", report.ok ? "true" : "false");
    (report.findings || []).forEach(function (finding) {
      var item = document.createElement("li");
      item.className = "studio-finding studio-finding-" + finding.severity;
      item.setAttribute("data-code", finding.code);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "studio-finding-button";
      var tag = document.createElement("span");
      tag.className = "tag" + (finding.severity === "error" ? " tag-danger" : "");
      tag.textContent = t(finding.severity);
      button.appendChild(tag);
      var where = " " + finding.code + " · " + (finding.file || "–") +
        (finding.line ? ", " + t("line") + " " + finding.line : "") +
        (finding.element_id ? " · " + finding.element_id : "");
      button.appendChild(document.createTextNode(where));
      var message = document.createElement("div");
      // A translated summary first when the page is not in English; the engine's English text as the detail.
      message.textContent = finding.summary || finding.message;
      button.appendChild(message);
      if (finding.summary) {
        var detail = document.createElement("div");
        detail.className = "studio-finding-detail";
        detail.textContent = finding.message;
        button.appendChild(detail);
      }
      var onCanvas = finding.element_id && finding.file === report.file && bind(finding, button);
      if (!onCanvas) { button.disabled = true; }
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  window.StudioFindings = { show: show };
})();
