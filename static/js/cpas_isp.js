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
      if (conteneur) { fermerEtape(conteneur); }
    }
  }, true);

  // Quick step form: the control that opened it, where focus goes back when it closes.
  var dernierOuvreur = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.closest && elt.matches("button, a") && !elt.closest("[data-etape-conteneur]")) {
      dernierOuvreur = elt;
    }
  });

  function ouvreurEtape(pk, racine) {
    return (racine || document).querySelector('[data-etape-ouvrir="' + pk + '"]');
  }

  function fermerEtape(conteneur) {
    var pk = (conteneur.id || "").replace("etape-rapide-", "");
    conteneur.remove();
    var retour = ouvreurEtape(pk);
    if (!retour && dernierOuvreur && document.body.contains(dernierOuvreur)) {
      retour = dernierOuvreur;
    }
    if (!retour) { retour = document.getElementById("contenu"); }
    if (retour) { retour.focus(); }
  }

  // The caseload refreshes on a search or a filter: an open quick step form survives it, with
  // what was typed and the focus, under its person's row again (at the top of the table when
  // the person is no longer listed). The rows are taken out before the swap, so htmx neither
  // destroys them nor unbinds them.
  var etapesOuvertes = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var cible = event.detail.target;
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (cible && !document.body.contains(cible) && elt && elt.dataset &&
        elt.dataset.etapeOuvrir) {
      // "+ étape" answered after the list was refreshed: open it under the new row.
      var nouveau = ouvreurEtape(elt.dataset.etapeOuvrir);
      if (nouveau && nouveau.closest("tr")) { event.detail.target = nouveau.closest("tr"); }
      return;
    }
    if (!cible || cible.id !== "resultats" || !event.detail.shouldSwap) { return; }
    var lignes = Array.prototype.slice.call(cible.querySelectorAll("tr[data-etape-conteneur]"));
    if (!lignes.length) { return; }
    var actif = document.activeElement;
    etapesOuvertes = {
      lignes: lignes,
      focus: lignes.some(function (l) { return l.contains(actif); }) ? actif : null
    };
    lignes.forEach(function (l) { l.remove(); });
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!etapesOuvertes) { return; }
    var resultats = document.getElementById("resultats");
    var corps = resultats && resultats.querySelector("tbody");
    if (!corps) { return; }
    etapesOuvertes.lignes.slice().reverse().forEach(function (ligne) {
      var pk = ligne.id.replace("etape-rapide-", "");
      var ouvreur = ouvreurEtape(pk, resultats);
      var tr = ouvreur && ouvreur.closest("tr");
      if (tr) { tr.after(ligne); } else { corps.prepend(ligne); }
    });
    if (etapesOuvertes.focus && document.body.contains(etapesOuvertes.focus)) {
      etapesOuvertes.focus.focus();
    }
    etapesOuvertes = null;
  });

  // Quick step form: Enter saves (Shift+Enter: new line), Escape closes (the form or its
  // confirmation) and focus goes back to the control that opened it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.closest) {
      var bloc = event.target.closest("[data-etape-conteneur]");
      if (bloc) { event.preventDefault(); fermerEtape(bloc); return; }
    }
    var form = event.target.closest && event.target.closest("form[data-etape-rapide]");
    if (!form) { return; }
    var type = event.target.type;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing &&
        type !== "submit" && type !== "button") {
      event.preventDefault();
      form.requestSubmit();
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
