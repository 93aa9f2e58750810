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
// Tables (the design system's, site.css): each cell carries its column's name, shown before
// it when a phone stacks the rows; a cell that is a date (2014-06-09, or a range of two) is
// kept on one line.
var DATE_CELL = /^\s*\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?(\s*(至|–|-|~|\n)\s*\d{4}-\d{2}-\d{2})?\s*$/;
function labelTables(root) {
  root.querySelectorAll("table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (heads[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[i]); }
        if (DATE_CELL.test(cell.textContent)) { cell.classList.add("nowrap"); }
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", function () { labelTables(document); });
// htmx results: swapped content that says something (an element with data-toast) is also
// announced as a toast; a refused request says so rather than failing silently.
function toast(text, kind) {
  var box = document.getElementById("toasts");
  if (!box || !text) { return; }
  var el = document.createElement("div");
  el.className = "toast align-items-center border-0 text-bg-" + (kind || "success");
  el.setAttribute("role", kind === "danger" ? "alert" : "status");
  var body = document.createElement("div");
  body.className = "d-flex";
  var msg = document.createElement("div");
  msg.className = "toast-body";
  msg.textContent = text;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close btn-close-white me-2 m-auto";
  close.setAttribute("data-bs-dismiss", "toast");
  close.setAttribute("aria-label", "关闭");
  body.appendChild(msg);
  body.appendChild(close);
  el.appendChild(body);
  box.appendChild(el);
  if (window.bootstrap && window.bootstrap.Toast) {
    window.bootstrap.Toast.getOrCreateInstance(el, { delay: 5000 }).show();
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
  }
}
document.addEventListener("htmx:afterSettle", function () {
  labelTables(document);
  document.querySelectorAll("[data-toast]:not([data-toasted])").forEach(function (said) {
    said.setAttribute("data-toasted", "");
    toast(said.getAttribute("data-toast") || said.textContent.trim(), said.getAttribute("data-toast-kind") || "success");
  });
});
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
  toast(status === 403 ? "没有权限执行该操作。" : "操作未完成（" + status + "），请刷新页面后重试。", "danger");
});
