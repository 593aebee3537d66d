// deeprec: the widget manager (@jupyter-widgets/html-manager 1.x) typesets
// widget labels through the MathJax 2 API (MathJax.Hub.Queue); this site
// loads MathJax 3. Give MathJax 3 a Hub.Queue that forwards to it.
(function () {
  function queue(job) {
    var mj = window.MathJax;
    var el = Array.isArray(job) ? job[2] : undefined;
    if (mj && mj.typesetPromise) {
      mj.typesetPromise(el ? [el] : undefined).catch(function () {});
    }
  }
  function install() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = { Queue: queue };
    }
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
  window.addEventListener("load", install);
})();
