/* The admin export page's "select all" box, bound here instead of an onchange attribute (CSP: no inline
   handlers). onSelectToggleChange comes from django-import-export's export_selectable_fields.js. */
document.addEventListener("change", function (event) {
  if (event.target.matches(".select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);
  }
});
