/* Behaviour of the pages, kept out of the HTML so that the Content-Security-Policy can forbid
   inline scripts. Everything is delegated from the document, so content swapped in by htmx
   works without re-binding. */
(function () {
  "use strict";

  // <select data-auto-submit> / <input type="checkbox" data-auto-submit>: submit on change.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-auto-submit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    // <button data-confirmation="Question?">: ask before submitting.
    var confirmer = event.target.closest("[data-confirmation]");
    if (confirmer && !window.confirm(confirmer.dataset.confirmation)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // Quick step form and its confirmation: "Fermer" removes the block.
    var fermer = event.target.closest("[data-etape-fermer]");
    if (fermer) {
      var conteneur = fermer.closest("[data-etape-conteneur]");
      if (conteneur) { conteneur.remove(); }
    }
  }, true);

  // Quick step form: Enter saves (Shift+Enter: new line), Escape closes.
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("form[data-etape-rapide]");
    if (!form) { return; }
    var type = event.target.type;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing &&
        type !== "submit" && type !== "button") {
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      var conteneur = form.closest("[data-etape-conteneur]");
      if (conteneur) { conteneur.remove(); }
    }
  });

  // <div data-largeur="42">: width in percent (progress bars), set from script because the
  // policy forbids style attributes.
  function largeurs(racine) {
    racine.querySelectorAll("[data-largeur]").forEach(function (el) {
      el.style.width = el.dataset.largeur + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { largeurs(document); });
  document.addEventListener("htmx:load", function (event) { largeurs(event.detail.elt); });
})();
