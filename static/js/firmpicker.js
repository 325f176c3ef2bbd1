/* Firm pickers ([data-firm-picker], parkops/firms/templates/firms/_firm_picker.html).
 *
 * htmx fetches the suggestions as staff type (firms:autocomplete, ranked by the same
 * function the forms resolve typed text with). This file picks one: click, or arrow keys and
 * Enter. Picking writes the firm's id into the hidden "firm" input and fires "firm-picked"
 * (detail.id) on the picker; typing again forgets the id and fires "firm-cleared".
 */
(function () {
  "use strict";

  function pickerOf(node) { return node && node.closest ? node.closest("[data-firm-picker]") : null; }
  function options(picker) { return picker.querySelector(".pl-options"); }
  function input(picker) { return picker.querySelector("input[name=firm_q]"); }
  function hidden(picker) { return picker.querySelector("input[name=firm]"); }
  function buttons(picker) { return Array.prototype.slice.call(options(picker).querySelectorAll("button[data-firm-id]")); }

  function close(picker) {
    // Suggestions still on their way for this same text must not reopen the list.
    picker.dataset.closedFor = input(picker).value;
    options(picker).textContent = "";
    input(picker).setAttribute("aria-expanded", "false");
    input(picker).removeAttribute("aria-activedescendant");
  }
  function pick(picker, button) {
    hidden(picker).value = button.dataset.firmId;
    input(picker).value = button.dataset.firmLabel;
    close(picker);
    picker.dispatchEvent(new CustomEvent("firm-picked", { bubbles: true, detail: { id: button.dataset.firmId } }));
  }
  function move(picker, step) {
    var list = buttons(picker);
    if (!list.length) return;
    var i = list.findIndex(function (b) { return b.classList.contains("active"); });
    if (i >= 0) list[i].classList.remove("active");
    i = i < 0 ? (step > 0 ? 0 : list.length - 1) : (i + step + list.length) % list.length;
    list[i].classList.add("active");
    list[i].id = list[i].id || (options(picker).id + "-" + list[i].dataset.firmId);
    input(picker).setAttribute("aria-activedescendant", list[i].id);
    list[i].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("click", function (e) {
    var picker = pickerOf(e.target);
    var button = e.target.closest && e.target.closest(".pl-options button[data-firm-id]");
    if (picker && button) { pick(picker, button); return; }
    document.querySelectorAll("[data-firm-picker]").forEach(function (p) { if (p !== picker) close(p); });
  });
  document.addEventListener("input", function (e) {
    var picker = pickerOf(e.target);
    if (!picker || e.target.name !== "firm_q") return;
    delete picker.dataset.closedFor;
    if (hidden(picker).value) {
      hidden(picker).value = "";
      picker.dispatchEvent(new CustomEvent("firm-cleared", { bubbles: true }));
    }
  });
  document.addEventListener("keydown", function (e) {
    var picker = pickerOf(e.target);
    if (!picker || e.target.name !== "firm_q") return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); move(picker, e.key === "ArrowDown" ? 1 : -1); }
    else if (e.key === "Enter") {
      var active = options(picker).querySelector("button.active");
      if (active) { e.preventDefault(); pick(picker, active); }
    } else if (e.key === "Escape") { close(picker); }
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var picker = pickerOf(e.detail.target);
    if (picker && picker.dataset.closedFor === input(picker).value) e.detail.shouldSwap = false;
  });
  document.addEventListener("focusin", function (e) {
    var picker = pickerOf(e.target);
    if (picker && e.target.name === "firm_q") delete picker.dataset.closedFor;  // focusing asks for the list again
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var picker = pickerOf(e.detail.target);
    if (picker) input(picker).setAttribute("aria-expanded", buttons(picker).length ? "true" : "false");
  });
})();
