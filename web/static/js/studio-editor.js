// The studio's BPMN editor: the bpmn-js Modeler (served from /static/vendor) with a small properties panel for
// what our engine reads (lane role, formKey, dueIn, nameEn, the operation a form feeds or a service task runs,
// scripts, conditions, timers, decisions), drafts, Validate (findings select their element) and Deploy. The bpmn.io watermark stays.
(function () {
  "use strict";
  var root = document.getElementById("studio-editor");
  if (!root || typeof window.BpmnJS !== "function") { return; }

  var SPIFF = {
    name: "SpiffWorkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      { name: "Properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"],
        properties: [{ name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
      { name: "CalledDecisionId", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PreScript", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "PostScript", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      { name: "InstructionsForEndUser", superClass: ["Element"], properties: [{ name: "value", type: "String", isBody: true }] },
      // A service task naming its operation, with optional parameters (as SpiffWorkflow's own modeler declares it).
      { name: "ServiceTaskOperator", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true }, { name: "resultVariable", type: "String", isAttr: true },
          { name: "parameterList", type: "Parameters" }] },
      { name: "Parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "Parameter", isMany: true }] },
      { name: "Parameter", superClass: ["Element"],
        properties: [{ name: "id", type: "String", isAttr: true }, { name: "type", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }] }
    ]
  };

  var texts = {};
  root.querySelector("template[data-texts]").content.querySelectorAll("[data-text]").forEach(function (node) {
    texts[node.getAttribute("data-text")] = node.textContent;
  });
  function t(key, version) { return (texts[key] || key).replace("%(v)s", String(version)); }

  var roles = JSON.parse(root.getAttribute("data-roles"));
  var formKeys = JSON.parse(root.getAttribute("data-form-keys"));
  var operations = JSON.parse(root.getAttribute("data-operations"));
  function operationNames(kind) {
    return operations.filter(function (op) { return op.kind === kind; }).map(function (op) { return op.name; });
  }
  function describeOperation(container, name) {
    container.textContent = "";
    var op = operations.filter(function (o) { return o.name === name; })[0];
    if (!op) { return; }
    var summary = document.createElement("p");
    summary.className = "muted";
    summary.textContent = op.summary + (op.fields.length ? " " + t("operation-fields") + " " + op.fields.join(", ") : "");
    container.appendChild(summary);
  }
  var csrf = root.getAttribute("data-csrf");
  var statusEl = root.querySelector("[data-status]");
  var panel = root.querySelector("[data-panel]");
  var modeler = new window.BpmnJS({ container: root.querySelector("[data-canvas]"), moddleExtensions: { spiffworkflow: SPIFF } });
  window.studioModeler = modeler;
  var modeling = modeler.get("modeling");
  var moddle = modeler.get("moddle");
  var registry = modeler.get("elementRegistry");
  var selected = null;

  function status(message) { statusEl.textContent = message; }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json", "X-CSRFToken": csrf } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function importXml(xml, message) {
    return modeler.importXML(xml).then(function () {
      modeler.get("canvas").zoom("fit-viewport");
      root.setAttribute("data-ready", "true");
      selected = null;
      renderPanel();
      status(message || "");
    });
  }

  function currentXml() { return modeler.saveXML({ format: true }).then(function (result) { return result.xml; }); }

  // Reading and writing our extension properties.

  function spiffProperties(bo, create) {
    var ext = bo.extensionElements;
    if (!ext) {
      if (!create) { return null; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      bo.extensionElements = ext;
    }
    var props = (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
    if (!props && create) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      props.$parent = ext;
      ext.values = ext.values || [];
      ext.values.push(props);
    }
    return props || null;
  }

  function getProp(bo, name) {
    var props = spiffProperties(bo, false);
    var found = props && (props.properties || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value || "" : "";
  }

  function setProp(element, name, value) {
    var bo = element.businessObject;
    var props = spiffProperties(bo, true);
    props.properties = props.properties || [];
    var found = props.properties.filter(function (p) { return p.name === name; })[0];
    if (value) {
      if (found) { found.value = value; } else {
        found = moddle.create("spiffworkflow:Property", { name: name, value: value });
        found.$parent = props;
        props.properties.push(found);
      }
    } else if (found) {
      props.properties.splice(props.properties.indexOf(found), 1);
    }
    modeling.updateProperties(element, { extensionElements: bo.extensionElements });
  }

  function extensionBody(bo, type) {
    var ext = bo.extensionElements;
    var found = ext && (ext.values || []).filter(function (v) { return v.$type === type; })[0];
    return found ? found.value || "" : "";
  }

  function setExtensionBody(element, type, value) {
    var bo = element.businessObject;
    spiffProperties(bo, true);
    var ext = bo.extensionElements;
    var found = ext.values.filter(function (v) { return v.$type === type; })[0];
    if (value) {
      if (!found) { found = moddle.create(type, {}); found.$parent = ext; ext.values.push(found); }
      found.value = value;
    } else if (found) {
      ext.values.splice(ext.values.indexOf(found), 1);
    }
    modeling.updateProperties(element, { extensionElements: ext });
  }

  function serviceOperator(bo) {
    var ext = bo.extensionElements;
    var found = ext && (ext.values || []).filter(function (v) { return v.$type === "spiffworkflow:ServiceTaskOperator"; })[0];
    return found ? found.id || "" : "";
  }

  function setServiceOperator(element, name) {
    var bo = element.businessObject;
    spiffProperties(bo, true);
    var ext = bo.extensionElements;
    var found = ext.values.filter(function (v) { return v.$type === "spiffworkflow:ServiceTaskOperator"; })[0];
    if (name) {
      if (!found) { found = moddle.create("spiffworkflow:ServiceTaskOperator", {}); found.$parent = ext; ext.values.push(found); }
      found.id = name;
    } else if (found) {
      ext.values.splice(ext.values.indexOf(found), 1);
    }
    modeling.updateProperties(element, { extensionElements: ext });
  }

  // The panel.

  var counter = 0;
  function field(label, control) {
    var wrap = document.createElement("div");
    wrap.className = "field";
    var id = "studio-field-" + (++counter);
    var labelEl = document.createElement("label");
    labelEl.setAttribute("for", id);
    labelEl.textContent = label;
    control.id = id;
    wrap.appendChild(labelEl);
    wrap.appendChild(control);
    panel.appendChild(wrap);
    return control;
  }

  function textInput(value, onChange, multiline) {
    var input = document.createElement(multiline ? "textarea" : "input");
    if (!multiline) { input.type = "text"; } else { input.rows = 5; input.className = "studio-code"; }
    input.value = value || "";
    input.addEventListener("change", function () { onChange(input.value.trim() ? input.value : ""); });
    return input;
  }

  function selectInput(options, value, onChange, unknownText) {
    var select = document.createElement("select");
    var values = options.slice();
    if (value && values.indexOf(value) < 0) { values.unshift(value); }
    [""].concat(values).forEach(function (optionValue) {
      var option = document.createElement("option");
      option.value = optionValue;
      option.textContent = optionValue === "" ? t("none") :
        (options.indexOf(optionValue) < 0 && unknownText ? optionValue + " " + unknownText : optionValue);
      option.selected = optionValue === (value || "");
      select.appendChild(option);
    });
    select.addEventListener("change", function () { onChange(select.value); });
    return select;
  }

  function is(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }


  function showPreview(container, key) {
    container.textContent = "";
    if (!key) { return; }
    var url = root.getAttribute("data-preview-url") + "?fragment=1&key=" + encodeURIComponent(key);
    fetch(url, { credentials: "same-origin" }).then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(doc.body.childNodes, function (node) { container.appendChild(document.importNode(node, true)); });
      }).catch(function () { container.textContent = t("failed"); });
  }

  function renderPanel() {
    panel.textContent = "";
    var element = selected;
    if (!element || element.type === "label") {
      var hint = document.createElement("p");
      hint.className = "muted";
      hint.textContent = texts["select-hint"] || "";
      panel.appendChild(hint);
      return;
    }
    var bo = element.businessObject;
    panel.setAttribute("data-element-id", element.id);
    var idInput = field(t("id"), document.createElement("input"));
    idInput.value = element.id;
    idInput.readOnly = true;

    if (is(bo, "bpmn:Lane")) {
      field(t("role"), selectInput(roles, bo.name, function (value) {
        modeling.updateProperties(element, { name: value || undefined });
      }, t("unknown-role"))).setAttribute("data-prop", "role");
      return;
    }
    field(t("name"), textInput(bo.name, function (value) { modeling.updateProperties(element, { name: value || undefined }); }))
      .setAttribute("data-prop", "name");
    if (is(bo, "bpmn:FlowNode") || is(bo, "bpmn:Process") || is(bo, "bpmn:SequenceFlow")) {
      field(t("name-en"), textInput(getProp(bo, "nameEn"), function (value) { setProp(element, "nameEn", value); }))
        .setAttribute("data-prop", "nameEn");
    }
    if (is(bo, "bpmn:UserTask") || is(bo, "bpmn:ManualTask")) {
      field(t("due-in"), textInput(getProp(bo, "dueIn"), function (value) { setProp(element, "dueIn", value.trim()); }))
        .setAttribute("data-prop", "dueIn");
    }
    if (is(bo, "bpmn:UserTask")) {
      var preview = document.createElement("div");
      field(t("form-key"), selectInput(formKeys, getProp(bo, "formKey"), function (value) {
        setProp(element, "formKey", value);
        showPreview(preview, value);
      })).setAttribute("data-prop", "formKey");
      var about = document.createElement("div");
      field(t("operation"), selectInput(operationNames("form"), getProp(bo, "operation"), function (value) {
        setProp(element, "operation", value);
        describeOperation(about, value);
      })).setAttribute("data-prop", "operation");
      panel.appendChild(about);
      describeOperation(about, getProp(bo, "operation"));
      var heading = document.createElement("h3");
      heading.textContent = t("preview");
      panel.appendChild(heading);
      preview.className = "studio-panel-preview";
      preview.setAttribute("data-preview", "");
      panel.appendChild(preview);
      showPreview(preview, getProp(bo, "formKey"));
    }
    if (is(bo, "bpmn:ServiceTask")) {
      var serviceAbout = document.createElement("div");
      field(t("service-operation"), selectInput(operationNames("service"), serviceOperator(bo), function (value) {
        setServiceOperator(element, value);
        describeOperation(serviceAbout, value);
      })).setAttribute("data-prop", "serviceOperation");
      panel.appendChild(serviceAbout);
      describeOperation(serviceAbout, serviceOperator(bo));
    }
    if (is(bo, "bpmn:ScriptTask")) {
      field(t("script"), textInput(bo.script, function (value) { modeling.updateProperties(element, { script: value }); }, true))
        .setAttribute("data-prop", "script");
    }
    if (is(bo, "bpmn:BusinessRuleTask")) {
      field(t("decision"), textInput(extensionBody(bo, "spiffworkflow:CalledDecisionId"), function (value) {
        setExtensionBody(element, "spiffworkflow:CalledDecisionId", value.trim());
      })).setAttribute("data-prop", "calledDecisionId");
    }
    if (is(bo, "bpmn:SequenceFlow")) {
      var condition = bo.conditionExpression ? bo.conditionExpression.body : "";
      field(t("condition"), textInput(condition, function (value) {
        var expression = value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined;
        modeling.updateProperties(element, { conditionExpression: expression });
      }, true)).setAttribute("data-prop", "condition");
    }
    var timer = (bo.eventDefinitions || []).filter(function (d) { return is(d, "bpmn:TimerEventDefinition"); })[0];
    if (timer) { renderTimer(element, timer); }
  }

  function renderTimer(element, timer) {
    var kinds = ["timeDate", "timeDuration", "timeCycle"];
    var kind = kinds.filter(function (k) { return timer[k]; })[0] || "timeDuration";
    var kindSelect = document.createElement("select");
    kinds.forEach(function (k) {
      var option = document.createElement("option");
      option.value = k;
      option.textContent = t({ timeDate: "timer-date", timeDuration: "timer-duration", timeCycle: "timer-cycle" }[k]);
      option.selected = k === kind;
      kindSelect.appendChild(option);
    });
    field(t("timer-kind"), kindSelect).setAttribute("data-prop", "timerKind");
    var expression = field(t("timer"), textInput(timer[kind] ? timer[kind].body : "", function () { apply(); }));
    expression.setAttribute("data-prop", "timer");
    function apply() {
      var props = {};
      kinds.forEach(function (k) { props[k] = undefined; });
      if (expression.value.trim()) {
        props[kindSelect.value] = moddle.create("bpmn:FormalExpression", { body: expression.value.trim() });
      }
      modeling.updateModdleProperties(element, timer, props);
    }
    kindSelect.addEventListener("change", apply);
  }

  modeler.get("eventBus").on("selection.changed", function (event) {
    selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
    renderPanel();
  });

  // Validation findings and deployment.

  function showReport(report) {
    var canvas = modeler.get("canvas");
    registry.forEach(function (el) { canvas.removeMarker(el.id, "studio-has-finding"); });
    window.StudioFindings.show(root, report, t, function (finding, button) {
      var element = registry.get(finding.element_id);
      if (!element) { return false; }
      button.setAttribute("data-element-id", finding.element_id);
      canvas.addMarker(element.id, "studio-has-finding");
      button.addEventListener("click", function () {
        var current = registry.get(finding.element_id);
        if (!current) { return; }
        modeler.get("selection").select(current);
        if (typeof canvas.scrollToElement === "function") { canvas.scrollToElement(current); }
      });
      return true;
    });
  }


  function validateDiagram() {
    status(t("validating"));
    return currentXml().then(function (xml) { return request("POST", root.getAttribute("data-validate-url"), { xml: xml }); })
      .then(function (result) {
        if (result.status !== 200) { throw new Error(String(result.status)); }
        showReport(result.data);
        status(result.data.ok ? t("valid") : t("invalid"));
      }).catch(function () { status(t("failed")); });
  }

  function deployDiagram() {
    status(t("deploying"));
    return currentXml().then(function (xml) { return request("POST", root.getAttribute("data-deploy-url"), { xml: xml }); })
      .then(function (result) {
        if (result.status === 422) { showReport(result.data); status(t("invalid")); return; }
        if (result.status !== 200) { throw new Error(String(result.status)); }
        showReport(result.data);
        var fresh = (result.data.new_versions || []).length > 0;
        status(fresh ? t("deployed", result.data.version) : t("unchanged", result.data.version));
        root.setAttribute("data-deployed-version", String(result.data.version));
        var link = document.createElement("a");
        link.href = root.getAttribute("data-version-url").replace(/\/v\/0$/, "/v/" + result.data.version);
        link.textContent = " " + t("open-version");
        link.setAttribute("data-version-link", "");
        statusEl.appendChild(link);
      }).catch(function () { status(t("failed")); });
  }

  function download() {
    currentXml().then(function (xml) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      link.download = root.getAttribute("data-filename");
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  var actions = {
    "save-draft": function () {
      currentXml().then(function (xml) { return request("PUT", root.getAttribute("data-draft-url"), { xml: xml }); })
        .then(function (result) { status(result.status === 200 ? t("saved") : t("failed")); })
        .catch(function () { status(t("failed")); });
    },
    "load-draft": function () {
      request("GET", root.getAttribute("data-draft-url")).then(function (result) {
        if (result.status !== 200 || !result.data.xml) { throw new Error("no draft"); }
        return importXml(result.data.xml, t("draft-loaded"));
      }).catch(function () { status(t("failed")); });
    },
    "download": download,
    "validate": validateDiagram,
    "deploy": deployDiagram
  };
  root.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { actions[button.getAttribute("data-action")](); });
  });

  status(t("loading"));
  fetch(root.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error("HTTP " + response.status); } return response.text(); })
    .then(function (xml) { return importXml(xml); })
    .catch(function () { status(t("load-error")); });
})();
