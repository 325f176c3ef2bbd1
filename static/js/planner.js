/* Seat selection on the floor planner.
 *
 * The server draws the floor (parkops/planner/templates/planner/_floor_live.html) and runs every action;
 * this file only keeps the selection (a set of seat codes), writes it into the action
 * form's hidden "seats" field, shows the tooltip, and puts in place the cells an action
 * changed (the server sends only those, in <template id="pl-cells">; htmx swaps the
 * message, summary, legend and lease options itself). Mouse: click, shift-click range, ctrl/cmd-click toggle, drag a rectangle.
 * Keyboard: arrow keys move, Enter/Space toggle, shift+arrow extends, Escape clears.
 */
(function () {
  "use strict";

  var form = document.getElementById("pl-action");
  if (!form) return;
  var text = JSON.parse(document.getElementById("pl-text").textContent);
  var countEl = document.getElementById("pl-count");
  var tip = document.getElementById("pl-tip");
  var info = document.getElementById("pl-info");
  var selected = new Set();
  var anchor = null;
  var leases = {};
  var DRAG_THRESHOLD = 4;

  function grid() { return document.getElementById("pl-grid"); }
  function seatList() { return Array.prototype.slice.call(grid().querySelectorAll("i[data-seat-code]")); }
  function seatOf(node) { return node && node.closest ? node.closest("#pl-grid i[data-seat-code]") : null; }

  // --- selection state -------------------------------------------------------------------
  function paint(el, on) {
    el.classList.toggle("sel", on);
    el.setAttribute("aria-selected", on ? "true" : "false");
  }
  function setSeat(el, on) {
    if (on) selected.add(el.dataset.seatCode); else selected.delete(el.dataset.seatCode);
    paint(el, on);
  }
  function clearSelection() {
    selected.clear();
    grid().querySelectorAll("i.sel").forEach(function (el) { paint(el, false); });
    changed();
  }
  function changed() {
    countEl.textContent = selected.size;
    form.elements.seats.value = Array.from(selected).join(",");
  }
  function selectRange(from, to, keep) {
    var list = seatList(), a = list.indexOf(from), b = list.indexOf(to);
    if (a < 0 || b < 0) return;
    if (!keep) clearSelection();
    for (var i = Math.min(a, b); i <= Math.max(a, b); i++) setSeat(list[i], true);
    changed();
  }

  // --- tooltip and seat info -------------------------------------------------------------
  function describe(el) {
    var state = el.dataset.state, lease = leases[el.dataset.l];
    var lines = [el.dataset.seatCode + " · " + (text[state] || state)];
    if (el.classList.contains("pf")) lines.push(text.period_free);
    if (lease) {
      if (state === "booked") lines.push(text.booked_from + "：" + lease[2]);
      lines.push(text.firm + "：" + lease[0]);
      lines.push(text.lease + "：" + lease[1]);
    }
    if (lease) {
      // The seat's own holding [start, end): its lease's usual one here, or its own when it joined or left mid-way.
      var start = el.dataset.s || lease[2], end = el.dataset.e || lease[3];
      lines.push(text.held + "：" + start + " " + text.until + " " + end + text.excl);
    }
    return lines;
  }
  function showTip(el) {
    tip.textContent = "";
    describe(el).forEach(function (line) { var d = document.createElement("div"); d.textContent = line; tip.appendChild(d); });
    var r = el.getBoundingClientRect();
    tip.hidden = false;
    var left = Math.min(r.right + 8, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = (r.top + window.scrollY - 4) + "px";
    el.setAttribute("aria-label", describe(el).join("；"));
  }
  function hideTip() { tip.hidden = true; }
  function showInfo(el) {
    info.textContent = "";
    info.dataset.seat = el.dataset.seatCode;
    describe(el).forEach(function (line) { var p = document.createElement("div"); p.textContent = line; info.appendChild(p); });
    var a = document.createElement("a");
    a.href = info.dataset.historyUrl + "?code=" + encodeURIComponent(el.dataset.seatCode);
    a.textContent = text.history;
    a.className = "pl-history-link";
    info.appendChild(a);
  }
  function focusSeat(el) {
    var current = grid().querySelector("i[tabindex='0']");
    if (current && current !== el) current.tabIndex = -1;
    el.tabIndex = 0;
    el.focus();
  }

  // --- mouse: click, shift, ctrl/cmd, drag rectangle ---------------------------------------
  var drag = null;
  var rectEl = document.createElement("div");
  rectEl.className = "pl-rect";
  rectEl.hidden = true;
  document.body.appendChild(rectEl);

  function onMouseDown(e) {
    if (e.button !== 0 || !grid().contains(e.target)) return;
    e.preventDefault();
    drag = { x: e.clientX, y: e.clientY, seat: seatOf(e.target), add: e.ctrlKey || e.metaKey || e.shiftKey,
             base: new Set(selected), moved: false, boxes: null };
  }
  function onMouseMove(e) {
    if (!drag) return;
    if (!drag.moved && Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < DRAG_THRESHOLD) return;
    if (!drag.moved) {
      drag.moved = true;
      drag.boxes = seatList().map(function (el) { return { el: el, r: el.getBoundingClientRect() }; });
      hideTip();
    }
    var x1 = Math.min(drag.x, e.clientX), x2 = Math.max(drag.x, e.clientX);
    var y1 = Math.min(drag.y, e.clientY), y2 = Math.max(drag.y, e.clientY);
    rectEl.hidden = false;
    rectEl.style.left = x1 + "px"; rectEl.style.top = y1 + "px";
    rectEl.style.width = (x2 - x1) + "px"; rectEl.style.height = (y2 - y1) + "px";
    selected = drag.add ? new Set(drag.base) : new Set();
    drag.boxes.forEach(function (b) {
      var hit = b.r.left < x2 && b.r.right > x1 && b.r.top < y2 && b.r.bottom > y1;
      if (hit) selected.add(b.el.dataset.seatCode);
      paint(b.el, selected.has(b.el.dataset.seatCode));
    });
    changed();
  }
  function onMouseUp(e) {
    if (!drag) return;
    var d = drag;
    drag = null;
    rectEl.hidden = true;
    if (d.moved || !d.seat) { if (!d.moved && !d.add) clearSelection(); return; }
    clickSeat(d.seat, e);
  }
  function clickSeat(el, e) {
    if (e.shiftKey && anchor && grid().contains(anchor)) {
      selectRange(anchor, el, true);
    } else if (e.ctrlKey || e.metaKey) {
      setSeat(el, !selected.has(el.dataset.seatCode));
      anchor = el;
    } else {
      clearSelection();
      setSeat(el, true);
      anchor = el;
    }
    changed();
    focusSeat(el);
    showInfo(el);
  }

  // --- keyboard ------------------------------------------------------------------------------
  function neighbour(el, key) {
    var list = seatList(), i = list.indexOf(el);
    if (key === "ArrowLeft") return list[i - 1];
    if (key === "ArrowRight") return list[i + 1];
    var step = key === "ArrowDown" ? 1 : -1, top = el.offsetTop, left = el.offsetLeft, rowTop = null, best = null;
    for (var j = i + step; j >= 0 && j < list.length; j += step) {
      var t = list[j].offsetTop;
      if (t === top) continue;
      if (rowTop === null) rowTop = t;
      if (t !== rowTop) break;
      if (!best || Math.abs(list[j].offsetLeft - left) < Math.abs(best.offsetLeft - left)) best = list[j];
    }
    return best;
  }
  function onKeyDown(e) {
    if (e.key === "Escape") {
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;  // firmpicker.js closes its suggestions
      clearSelection(); hideTip(); return;
    }
    var el = seatOf(e.target);
    if (!el) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (e.shiftKey && anchor) { selectRange(anchor, el, true); } else { setSeat(el, !selected.has(el.dataset.seatCode)); anchor = el; }
      changed();
      showInfo(el);
    } else if (/^Arrow/.test(e.key)) {
      var next = neighbour(el, e.key);
      if (!next) return;
      e.preventDefault();
      if (e.shiftKey) { setSeat(next, true); changed(); }
      focusSeat(next);
    }
  }

  // --- action form: which fields show, firm autocomplete, lease dates ---------------------------
  function showFieldsets() {
    var action = (form.querySelector("input[name=action]:checked") || {}).value || "allocate";
    form.querySelectorAll("fieldset[data-for]").forEach(function (fs) {
      fs.hidden = fs.dataset.for.split(" ").indexOf(action) < 0;
    });
    form.querySelectorAll("[data-for-action]").forEach(function (el) { el.hidden = el.dataset.forAction !== action; });
    showPeriod();
  }

  // --- the period [start, end): highlight the seats free on every day of it, before allocating ------
  var period = { key: "", codes: null };
  function paintPeriod() {
    var g = grid(), note = document.getElementById("pl-period");
    var on = period.codes !== null && ((form.querySelector("input[name=action]:checked") || {}).value || "allocate") === "allocate";
    g.classList.toggle("pl-period", on);
    seatList().forEach(function (el) { el.classList.toggle("pf", on && period.codes.has(el.dataset.seatCode)); });
    if (note) note.textContent = on ? text.period_free + "：" + period.codes.size : "";
  }
  function showPeriod() {
    var start = form.elements.start.value, end = form.elements.end.value;
    if (!start || !end || start >= end) { period = { key: "", codes: null }; paintPeriod(); return; }
    var key = start + "/" + end;
    if (key === period.key) { paintPeriod(); return; }
    period.key = key;
    fetch(form.dataset.freeUrl + "?start=" + encodeURIComponent(start) + "&end=" + encodeURIComponent(end), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (period.key !== key) return;
        period.codes = data ? new Set(data.codes) : null;
        paintPeriod();
      })
      .catch(function () { period.codes = null; paintPeriod(); });
  }
  // The firm picker (firmpicker.js) set the firm's id: load that firm's open leases into the lease select.
  function firmPicked(id) {
    var lease = document.getElementById("pl-lease");
    if (window.htmx) {
      htmx.ajax("GET", lease.dataset.url + "?firm=" + encodeURIComponent(id), { target: lease, swap: "innerHTML" });
    }
  }
  function firmCleared() {
    var lease = form.elements.lease;
    while (lease.options.length > 1) lease.remove(1);
    lease.value = "";
    leaseChosen();
  }
  function reservationChosen() {
    var pick = form.querySelector("[data-firm-pick]");
    if (pick && form.elements.reservation) pick.hidden = !!form.elements.reservation.value;
  }
  function leaseChosen() {
    var option = form.elements.lease.selectedOptions[0];
    var existing = option && option.value;
    form.querySelector("[data-new-lease]").hidden = !!existing;
    if (existing) { form.elements.start.value = option.dataset.start; form.elements.end.value = option.dataset.end; showPeriod(); }
  }

  // --- after an action: the cells it changed take their new state ------------------------------------
  function applyChanges() {
    var cells = document.getElementById("pl-cells");
    if (!cells) return;
    var data = document.getElementById("pl-changed-leases");
    if (data) {
      var changedLeases = JSON.parse(data.textContent);
      Object.keys(changedLeases).forEach(function (id) { leases[id] = changedLeases[id]; });
      data.remove();
    }
    var byCode = new Map();
    seatList().forEach(function (el) { byCode.set(el.dataset.seatCode, el); });
    // The cell stays (its focus, place and listeners); it takes the new one's state, lease, dates and colour.
    Array.prototype.forEach.call(cells.content.children, function (fresh) {
      var old = byCode.get(fresh.dataset.seatCode);
      if (!old) return;
      ["data-state", "data-l", "data-s", "data-e"].forEach(function (name) {
        var value = fresh.getAttribute(name);
        if (value === null) old.removeAttribute(name); else old.setAttribute(name, value);
      });
      var keep = ["hl", "pf", "sel"].filter(function (c) { return old.classList.contains(c); });
      old.className = fresh.className;
      keep.forEach(function (c) { old.classList.add(c); });
      old.removeAttribute("aria-label");
    });
    cells.remove();
    // Done: the selection goes (a refusal sends no cells and keeps it).
    selected.clear();
    grid().querySelectorAll("i.sel").forEach(function (el) { paint(el, false); });
    hideTip();
    var shown = info.dataset.seat && byCode.get(info.dataset.seat);
    if (shown) showInfo(shown);
    changed();
  }

  // --- wiring ------------------------------------------------------------------------------------
  function init() {
    var data = document.getElementById("pl-leases");
    leases = data ? JSON.parse(data.textContent) : {};
    var status = document.getElementById("pl-status");
    if (status && status.dataset.ok === "1") selected.clear();
    var list = seatList();
    list.forEach(function (el) {
      el.tabIndex = -1;
      el.setAttribute("role", "option");
      if (selected.has(el.dataset.seatCode)) paint(el, true);
    });
    var first = grid().querySelector("i.hl") || grid().querySelector("i.sel") || list[0];
    if (first) first.tabIndex = 0;
    // After an action the floor is redrawn: the side panel shows its seat as it is now, the tooltip goes.
    hideTip();
    var shown = info.dataset.seat && grid().querySelector('i[data-seat-code="' + CSS.escape(info.dataset.seat) + '"]');
    if (shown) showInfo(shown); else if (info.dataset.seat) { info.textContent = ""; delete info.dataset.seat; }
    var hl = grid().querySelector("i.hl");
    if (hl) hl.scrollIntoView({ block: "center", inline: "center" });
    changed();
  }

  document.addEventListener("mousedown", onMouseDown);
  document.addEventListener("mousemove", onMouseMove);
  document.addEventListener("mouseup", onMouseUp);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("mouseover", function (e) { var el = seatOf(e.target); if (el && !drag) showTip(el); });
  document.addEventListener("mouseout", function (e) { if (seatOf(e.target)) hideTip(); });
  document.addEventListener("focusin", function (e) { var el = seatOf(e.target); if (el) { showTip(el); showInfo(el); } });
  document.addEventListener("focusout", function (e) { if (seatOf(e.target)) hideTip(); });
  document.getElementById("pl-clear").addEventListener("click", clearSelection);
  form.addEventListener("change", function (e) {
    if (e.target.name === "action") showFieldsets();
    if (e.target.name === "lease") leaseChosen();
    if (e.target.name === "reservation") reservationChosen();
    if (e.target.name === "start" || e.target.name === "end") showPeriod();
  });
  form.addEventListener("firm-picked", function (e) { firmPicked(e.detail.id); });
  form.addEventListener("firm-cleared", firmCleared);
  // The colours the page shows go with each action, so the server keeps them and sends only the changed cells.
  document.body.addEventListener("htmx:configRequest", function (e) {
    var legend = document.getElementById("pl-legend");
    if (e.detail.elt === form) e.detail.parameters.colours = legend ? legend.dataset.colours : "";
  });
  // A refused action (422) still shows its message; the selection stays.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var id = e.detail.target && e.detail.target.id;
    if (document.getElementById("pl-cells")) { applyChanges(); period.key = ""; showPeriod(); }
    // The whole floor comes back only when its seats themselves changed meanwhile (views.floor_changes).
    if (id === "floor-live") { init(); period.key = ""; showPeriod(); }
    if (id === "pl-lease") leaseChosen();
  });
  document.body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "pl-lease") leaseChosen();
  });
  showFieldsets();
  init();
})();
