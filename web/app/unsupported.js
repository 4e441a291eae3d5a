// Runs only in browsers without ES modules (very old WebViews): say so instead of a blank page.
(function () {
  var view = document.getElementById("view");
  if (view) {
    view.textContent = "当前浏览器版本过低,无法答题。请升级微信,或使用系统浏览器(如 Chrome)打开本页。";
  }
})();
