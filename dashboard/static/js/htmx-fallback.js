// Runs right after the CDN <script>: when it failed (no internet, blocked, integrity mismatch),
// load the vendored copy synchronously so every page still works.
(function () {
  if (window.htmx) return;
  var me = document.currentScript;
  var local = me && me.getAttribute("data-htmx-local");
  if (local) document.write('<script src="' + local + '"><\/script>');
})();
