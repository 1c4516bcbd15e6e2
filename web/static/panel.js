/* Small behaviours of every page, kept out of the HTML so that the Content-Security-Policy
   can forbid inline scripts: an element with data-autosubmit submits its form on change
   (the date pickers). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
})();
