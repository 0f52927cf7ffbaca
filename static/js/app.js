// Customer Hub: small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="text">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    event.stopPropagation();
    var text = button.getAttribute("data-copy");
    var done = function () {
      button.classList.add("is-copied");
      toast(toastText("data-copied"));
      setTimeout(function () { button.classList.remove("is-copied"); }, 1500);
    };
    var failed = function () { toast(toastText("data-copy-failed")); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { if (document.execCommand("copy")) { done(); } else { failed(); } } finally { area.remove(); }
    }
  });

  // The page's one live region (#toast, translated texts in its data- attributes):
  // shown for a moment and read out by screen readers.
  var toastTimer;
  function toastText(name) {
    var region = document.getElementById("toast");
    return region ? region.getAttribute(name) : "";
  }
  function toast(message) {
    var region = document.getElementById("toast");
    if (!region || !message) return;
    region.textContent = message;
    region.classList.add("is-shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      region.classList.remove("is-shown");
      region.textContent = "";
    }, 2500);
  }

  // A click anywhere on a row opens it, unless it was on a link or button.
  document.addEventListener("click", function (event) {
    var row = event.target.closest("tr[data-href]");
    if (!row || event.target.closest("a, button, input, label, select, code")) return;
    if (window.getSelection && String(window.getSelection())) return;
    window.location.assign(row.getAttribute("data-href"));
  });

  // Keep pushed URLs short and shareable: drop empty parameters, defaults marked with
  // data-default, and repeats of the same value (a control can belong to the form
  // through form= and also be included by hx-include).
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (!data || event.detail.verb !== "get") return;
    var defaults = {};
    document.querySelectorAll("[data-default][name]").forEach(function (el) {
      defaults[el.name] = el.getAttribute("data-default");
    });
    Array.from(new Set(Array.from(data.keys()))).forEach(function (key) {
      var values = Array.from(new Set(data.getAll(key).filter(function (v) { return v !== ""; })));
      data.delete(key);
      values.forEach(function (v) { if (defaults[key] !== v) data.append(key, v); });
    });
  });

  // After HTMX navigation the page URL has moved on: forms that come back here
  // (data-return-here) return to the URL as it is now, not as it was rendered.
  document.addEventListener("submit", function (event) {
    var next = event.target.querySelector("input[name=next][data-return-here]");
    if (next) next.value = window.location.pathname + window.location.search;
  });

  // Fragments loaded into the modal open it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var modal = document.getElementById("modal");
    if (modal && event.detail.target && modal.contains(event.detail.target) && !modal.open) {
      modal.showModal();
    }
  });

  // A download from a menu (Export) closes the menu: the page stays, the file arrives.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("details.dropdown a[download], details.dropdown a[data-export]");
    if (link) link.closest("details.dropdown").removeAttribute("open");
  });

  // Edit columns in place: ↑/↓ move the row in the list (keyboard focus stays on the
  // moved button), Save posts through HTMX and the table reloads; the menu stays open
  // and says "Columns saved." (a status region, so screen readers announce it).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-columns-form] button[name=move]");
    if (!button) return;
    event.preventDefault();
    var item = button.closest("li");
    var list = item.parentElement;
    var up = button.value.indexOf("up:") === 0;
    var sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    list.insertBefore(item, up ? sibling : sibling.nextElementSibling);
    refreshColumns(button.closest("form"));
    (button.disabled ? item.querySelector("button[name=move]:not([disabled])") : button).focus();
  });
  function refreshColumns(form) {
    var items = Array.from(form.querySelectorAll(".column-list li"));
    form.querySelector("input[name=order]").value = items.map(function (li) {
      return li.querySelector("input[name=columns]").value;
    }).join(",");
    items.forEach(function (li, i) {
      li.querySelector("button[value^='up:']").disabled = i === 0;
      li.querySelector("button[value^='down:']").disabled = i === items.length - 1;
    });
    var status = form.querySelector("[data-columns-status]");
    if (status) status.textContent = "";
  }
  document.addEventListener("columns-saved", function (event) {
    var status = document.querySelector("[data-columns-status]");
    if (status) status.textContent = event.detail.message;
    if (event.detail.ok && window.htmx) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search,
        { target: "#customer-table", swap: "outerHTML" });
    }
  });

  // The dashboard's phone menu: the Menu button opens and closes the navigation.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    event.preventDefault();
    var sidebar = document.getElementById("sidebar");
    var open = !sidebar.classList.contains("is-open");
    sidebar.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });

  // Close open <details> menus on outside click or Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.dropdown"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeMenus(null);
      var sidebar = document.getElementById("sidebar");
      if (sidebar && sidebar.classList.contains("is-open")) {
        sidebar.classList.remove("is-open");
        sidebar.querySelector("[data-nav-toggle]").setAttribute("aria-expanded", "false");
      }
    }
  });
  // The customer table's bulk bar: count the ticked rows, tick a whole page, and
  // "all matching" (which replaces the ticks); the tag list only for tag actions.
  function bulkRefresh() {
    var form = document.querySelector("[data-bulk-form]");
    if (!form) return;
    var rows = document.querySelectorAll("[data-select-row]");
    var all = form.querySelector("[data-select-all]");
    var ticked = 0;
    rows.forEach(function (box) { if (box.checked) ticked += 1; box.disabled = all.checked; });
    var count = form.querySelector("[data-bulk-count]");
    count.textContent = all.checked ? all.parentNode.textContent.trim()
      : ticked ? count.getAttribute("data-some").replace("{n}", ticked) : count.getAttribute("data-none");
    var action = form.querySelector("[data-bulk-action]");
    var tag = form.querySelector("[data-bulk-tag]");
    if (tag) tag.hidden = action.value.indexOf("tag_") !== 0;
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-select-page]")) {
      document.querySelectorAll("[data-select-row]").forEach(function (box) { box.checked = target.checked; });
    }
    if (target.closest("[data-bulk-form]") || target.matches("[data-select-row], [data-select-page]")) bulkRefresh();
  });
  document.addEventListener("click", function (event) {
    // A tick is not a click on the row (rows open the customer).
    if (event.target.closest(".col-select")) event.stopPropagation();
  }, true);
  document.addEventListener("DOMContentLoaded", bulkRefresh);
  // Forms that delete something ask first: <form data-confirm="Delete …?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("htmx:afterSwap", bulkRefresh);
})();
