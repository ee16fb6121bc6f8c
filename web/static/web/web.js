// Autosave feedback that htmx cannot give by itself, and focus on an error summary.
// Every page works without this file: the form's buttons save the whole page.
(function () {
  "use strict";
  function statusOf(element) {
    var question = element && element.closest ? element.closest(".question") : null;
    return question ? question.querySelector(".save-status") : null;
  }
  function say(element, text, problem) {
    var status = statusOf(element);
    if (!status) return;
    status.textContent = "";
    var span = document.createElement("span");
    span.className = problem ? "problem" : "pending";
    span.textContent = text;
    status.appendChild(span);
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    say(event.detail.elt, "Saving…", false);
  });
  function failed(event) {
    say(
      event.detail.elt,
      "Not saved: the server could not be reached or failed. Your answer is still here; " +
        "it is saved with your next change, or press “Save this page”.",
      true
    );
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
