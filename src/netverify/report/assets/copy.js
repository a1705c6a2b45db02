// "Copy" buttons next to each counterexample's Pod YAML: clipboard API, or a selection the user can copy.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.copy");
  if (!button) return;
  var pre = document.getElementById(button.getAttribute("data-copy"));
  if (!pre) return;
  var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
  var select = function () {
    var range = document.createRange(); range.selectNodeContents(pre);
    var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    try { document.execCommand("copy"); done(); } catch (e) { button.textContent = "Selected: press Ctrl+C"; }
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(pre.textContent).then(done, select);
  } else {
    select();
  }
});
