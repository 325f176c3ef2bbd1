/* Behaviour every page shares, kept out of the HTML: the Content-Security-Policy allows no inline script
   or event handler attribute. */
(function () {
  "use strict";
  // <select data-autosubmit>: choosing an option submits its form (the language switch).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) { el.form.submit(); }
  });
})();
