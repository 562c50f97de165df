/* Pocket Loans: small progressive enhancements; every page works without this file.
   1. Error beacon: client-side errors go to POST /beacon (at most 5 per page).
   2. Uploads: a progress bar, and photos downscaled before they leave the phone. */
(function () {
  "use strict";
  document.documentElement.setAttribute("data-js", "on");
  var sent = 0;
  function report(kind, message, where) {
    if (sent >= 5 || !navigator.sendBeacon) { return; }
    sent += 1;
    var body = JSON.stringify({ kind: kind, message: String(message).slice(0, 500), where: String(where || "").slice(0, 200), page: location.pathname });
    navigator.sendBeacon("/beacon", new Blob([body], { type: "application/json" }));
  }
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { report("resource", "failed to load", t.src || t.href); return; }
    report("error", e.message, (e.filename || "") + ":" + (e.lineno || 0));
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) { report("csp", e.violatedDirective, e.blockedURI); });
  window.addEventListener("unhandledrejection", function (e) { report("rejection", e.reason && e.reason.message ? e.reason.message : e.reason, ""); });

  var MAX_SIDE = 2000, SHRINK_ABOVE = 1500000;
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png)$/.test(file.type) || file.size < SHRINK_ABOVE || !window.createImageBitmap) { resolve(file); return; }
      createImageBitmap(file).then(function (img) {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      }, function () { resolve(file); });
    });
  }
  function enhance(form) {
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-status]");
    if (!input || !bar || !window.FormData || !window.XMLHttpRequest) { return; }
    form.addEventListener("submit", function (e) {
      if (!input.files || input.files.length !== 1) { return; }
      e.preventDefault();
      shrink(input.files[0]).then(function (file) {
        var data = new FormData(form);
        data.set(input.name, file, file.name);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        bar.hidden = false; bar.value = 0;
        xhr.upload.addEventListener("progress", function (p) {
          if (p.lengthComputable) { bar.value = Math.round(p.loaded * 100 / p.total); if (status) { status.textContent = bar.value + "% uploaded"; } }
        });
        xhr.addEventListener("load", function () {
          if (xhr.status < 400 && xhr.responseURL) { location.assign(xhr.responseURL); return; }
          var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
          document.title = doc.title;
          document.body.replaceWith(doc.body);
          var summary = document.querySelector(".error-summary");
          if (summary) { summary.focus(); }
          var again = document.querySelector("form[data-upload]");
          if (again) { enhance(again); }
        });
        xhr.addEventListener("error", function () {
          bar.hidden = true;
          if (status) { status.textContent = "The upload was interrupted. Check your connection and try again."; }
        });
        xhr.send(data);
      });
    });
  }
  var forms = document.querySelectorAll("form[data-upload]");
  for (var i = 0; i < forms.length; i += 1) { enhance(forms[i]); }
}());
