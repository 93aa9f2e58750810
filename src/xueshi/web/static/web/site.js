// The pages' few behaviours, as a static file: the content security policy allows no inline
// script (config/settings.py). Forms say what they want with data attributes.
//   <select data-autosubmit>        submits its form when changed (the role switch)
//   <form data-confirm="确认…？">    asks before it is submitted
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }
});
