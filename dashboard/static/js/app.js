// Global htmx error reporting: statuses that are not swapped (see htmx-config in base.html)
// and network failures show a message instead of failing silently.
(function () {
  function show(message) {
    var box = document.getElementById("global-error");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  document.body.addEventListener("htmx:responseError", function (evt) {
    var status = evt.detail.xhr.status;
    var text = {403: "没有权限执行此操作", 404: "内容不存在", 429: "请求过于频繁，请稍后再试",
                500: "服务器出错，请稍后再试", 502: "海尔接口返回错误", 503: "服务暂不可用，请稍后再试"}[status];
    show(text || ("请求失败（" + status + "）"));
  });
  document.body.addEventListener("htmx:sendError", function () {
    show("网络连接失败，请检查网络后重试");
  });
})();
