// Repeating groups on task forms: add and remove rows without a round trip.
// Without JavaScript the same buttons submit the form and the server adds or removes the row.
(function () {
  "use strict";

  function rowPattern(group) {
    var escaped = group.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp("^(" + escaped + "-)(\\d+)(?=-|$)");
  }

  function nextIndex(container, group) {
    var pattern = rowPattern(group);
    var max = -1;
    container.querySelectorAll("[data-row]").forEach(function (row) {
      var match = pattern.exec(row.getAttribute("data-row"));
      if (match) { max = Math.max(max, parseInt(match[2], 10)); }
    });
    return max + 1;
  }

  function renumber(row, group, index) {
    var pattern = rowPattern(group);
    var swap = function (value) { return value.replace(pattern, "$1" + index); };
    row.setAttribute("data-row", swap(row.getAttribute("data-row")));
    var selector = "[name], [id], [for], [aria-describedby], [data-row], [data-repeat], [data-add-row], button[value]";
    row.querySelectorAll(selector).forEach(function (el) {
      // Groups nested in the row carry the row's path in their own names: move them along.
      ["name", "id", "for", "data-row", "data-repeat", "data-add-row"].forEach(function (attr) {
        if (el.hasAttribute(attr)) { el.setAttribute(attr, swap(el.getAttribute(attr))); }
      });
      if (el.hasAttribute("aria-describedby")) {
        el.setAttribute("aria-describedby", el.getAttribute("aria-describedby").split(" ").map(swap).join(" "));
      }
      if (el.tagName === "BUTTON" && (el.name === "remove" || el.name === "add")) { el.value = swap(el.value); }
    });
  }

  function clearRow(row) {
    row.querySelectorAll(".error-text").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      if (el.type === "hidden") { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; }
      else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      else { el.value = ""; }
    });
  }

  function relabel(container) {
    // Keep the visible numbers (Goal 1, Goal 2, …) in order after adding or removing.
    var rows = Array.prototype.filter.call(container.querySelectorAll("[data-row]"), function (row) {
      return row.parentElement === container;
    });
    rows.forEach(function (row, position) {
      var label = row.querySelector(":scope > legend, :scope > .field > label");
      if (label) { label.textContent = label.textContent.replace(/\d+\s*$/, String(position + 1)); }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-add-row], button[data-remove-row]");
    if (!button) { return; }
    var container = button.closest("[data-repeat]");
    if (!container) { return; }
    if (button.hasAttribute("data-remove-row")) {
      event.preventDefault();
      var row = button.closest("[data-row]");
      row.remove();
      relabel(container);
      return;
    }
    var group = button.getAttribute("data-add-row");
    var rows = Array.prototype.filter.call(container.querySelectorAll("[data-row]"), function (row) {
      return row.parentElement === container;
    });
    if (rows.length === 0) { return; } // nothing to copy: let the server add the first row
    event.preventDefault();
    var copy = rows[rows.length - 1].cloneNode(true);
    renumber(copy, group, nextIndex(container, group));
    clearRow(copy);
    container.insertBefore(copy, button);
    relabel(container);
    var first = copy.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });
})();
