// Progressive enhancement only: every page works without this file.
//
// Forms that carry a data-confirm attribute (or whose submit button does) ask once before
// they are sent: used for destructive one-click actions such as resetting a second factor.
// Without JavaScript the form simply submits, and the server remains the only authority.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var message =
      (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
